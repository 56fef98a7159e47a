//! Unit tests for the verdict rules, on synthetic lookups and the test PKI.
