//! Chains in any order and the host taken from the leaf without `--host` (issue 13):
//! reversed and shuffled chains with extra roots and a cross-sign, wildcard and IP
//! names skipped, raw UTF-8 names compared with their A-labels. Certificates are made
//! by openssl at test time and every digest comes from openssl.

use std::path::{Path, PathBuf};

use crate::util::{openssl_tlsa, run, sh};

/// A throwaway PKI: roots A and B, intermediate I issued by A, the same intermediate
/// (same name and key) cross-signed by B as `cross`, and leaves made by [`Pki::leaf`].
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().display();
        sh(&format!(
            "set -e; cd '{d}'
             printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > ca.ext
             for r in rootA rootB; do
               openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $r.key \
                 -out $r.pem -subj \"/CN=Test $r\" -days 30 2>/dev/null
             done
             openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key \
               -out int.csr -subj '/CN=Test Intermediate' 2>/dev/null
             openssl x509 -req -in int.csr -CA rootA.pem -CAkey rootA.key -set_serial 1 -days 30 \
               -extfile ca.ext -out int.pem 2>/dev/null
             openssl x509 -req -in int.csr -CA rootB.pem -CAkey rootB.key -set_serial 2 -days 30 \
               -extfile ca.ext -out cross.pem 2>/dev/null"
        ));
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A leaf issued by the intermediate, with this subject and subjectAltName (if any).
    fn leaf(&self, name: &str, subject: &str, san: Option<&str>) -> PathBuf {
        let d = self.dir.path().display();
        let san = san.map_or(String::new(), |s| format!("subjectAltName={s}\\n"));
        sh(&format!(
            "set -e; cd '{d}'
             printf 'basicConstraints=CA:FALSE\\n{san}' > {name}.ext
             openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {name}.key \
               -out {name}.csr -subj '{subject}' -utf8 2>/dev/null
             openssl x509 -req -in {name}.csr -CA int.pem -CAkey int.key -set_serial 3 -days 30 \
               -extfile {name}.ext -out {name}.pem 2>/dev/null"
        ));
        self.path(&format!("{name}.pem"))
    }

    /// Concatenates PEM files of this PKI, in this order, into `name`.
    fn file(&self, name: &str, parts: &[&Path]) -> String {
        let text: String = parts
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read part"))
            .collect();
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }
}

fn spki_sha256(cert: &Path) -> String {
    openssl_tlsa(cert, 1, 1)
}

/// The repository's own fixture failed with "the leaf's first name cannot be used
/// ('daneguard Test ECDSA CA 1' …)" because the host was chosen before ordering.
#[test]
fn out_of_order_fixture_without_host_takes_the_host_from_the_leaf() {
    let out = run(&["generate", "--no-comments", "testdata/pki/out-of-order.pem"]);
    out.code(0);
    assert!(
        out.stdout
            .starts_with("_25._tcp.mx.example.com. IN TLSA 3 1 1 "),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("no --host given; using the leaf's first DNS name, mx.example.com"),
        "{out:?}"
    );
}

#[test]
fn shuffled_chain_with_extra_roots_and_a_cross_sign_is_ordered_before_the_host_is_chosen() {
    let pki = Pki::new();
    let leaf = pki.leaf("leaf", "/CN=mx.example.com", Some("DNS:mx.example.com"));
    let (a, b, int, cross) = (
        pki.path("rootA.pem"),
        pki.path("rootB.pem"),
        pki.path("int.pem"),
        pki.path("cross.pem"),
    );
    let file = pki.file("shuffled.pem", &[&b, &cross, &a, &leaf, &int]);
    let out = run(&["generate", "--no-comments", "--records", "3 1 1", &file]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!(
            "_25._tcp.mx.example.com. IN TLSA 3 1 1 {}\n",
            spki_sha256(&leaf)
        ),
        "{out:?}"
    );
    // The certificates outside the leaf's path stay at the end, named in a note.
    assert_eq!(
        out.stderr,
        format!(
            "daneguard: note: {file}: no --host given; using the leaf's first DNS name, mx.example.com\n\
             daneguard: note: {file}: certificates out of order: servers must send the leaf first, then each issuer; records are made for the order CN = mx.example.com <- CN = Test Intermediate <- CN = Test rootB <- CN = Test rootA <- CN = Test Intermediate\n\
             daneguard: note: {file}: 2 certificate(s) after the leaf's issuance path (CN = Test rootA, CN = Test Intermediate) are not needed by it; records are made for them too\n"
        ),
        "{out:?}"
    );
    let reversed = pki.file("reversed.pem", &[&a, &int, &leaf]);
    let out = run(&[
        "generate",
        "--no-comments",
        "--records",
        "3 1 1,2 1 1",
        &reversed,
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!(
            "_25._tcp.mx.example.com. IN TLSA 3 1 1 {}\n_25._tcp.mx.example.com. IN TLSA 2 1 1 {}\n_25._tcp.mx.example.com. IN TLSA 2 1 1 {}\n",
            spki_sha256(&leaf),
            spki_sha256(&int),
            spki_sha256(&a)
        ),
        "{out:?}"
    );
}

#[test]
fn ip_address_in_the_common_name_never_becomes_an_owner_name() {
    let pki = Pki::new();
    let leaf = pki.leaf("ip", "/CN=192.0.2.25", None);
    let file = pki.file("ip-chain.pem", &[&leaf, &pki.path("int.pem")]);
    run(&["generate", &file]).fails_with(&format!(
        "daneguard: error: {file}: none of the leaf's names is a usable host name: 192.0.2.25 (an IP address); give --host"
    ));
}

#[test]
fn wildcard_first_san_is_skipped_for_the_next_usable_name() {
    let pki = Pki::new();
    let leaf = pki.leaf(
        "wild",
        "/CN=*.example.com",
        Some("DNS:*.example.com,DNS:192.0.2.7,DNS:mx.example.com"),
    );
    let file = pki.file("wild-chain.pem", &[&leaf, &pki.path("int.pem")]);
    run(&["generate", "--no-comments", "--records", "3 1 1", &file]).exact(
        0,
        &format!(
            "_25._tcp.mx.example.com. IN TLSA 3 1 1 {}\n",
            spki_sha256(&leaf)
        ),
        &format!(
            "daneguard: note: {file}: no --host given; using mx.example.com, the leaf's first name usable as a host (skipped *.example.com (a wildcard), 192.0.2.7 (an IP address))\n"
        ),
    );
}

/// A raw UTF-8 name became an A-label host and was then "not among the leaf's names".
#[test]
fn raw_utf8_san_is_among_the_leafs_names_in_a_label_form() {
    let pki = Pki::new();
    let leaf = pki.leaf("idn", "/CN=bücher.example", Some("DNS:bücher.example"));
    let file = pki.file("idn-chain.pem", &[&leaf, &pki.path("int.pem")]);
    let expected = format!(
        "_25._tcp.xn--bcher-kva.example. IN TLSA 3 1 1 {}\n_25._tcp.xn--bcher-kva.example. IN TLSA 2 1 1 {}\n",
        spki_sha256(&leaf),
        spki_sha256(&pki.path("int.pem"))
    );
    run(&["generate", "--no-comments", &file]).exact(
        0,
        &expected,
        &format!(
            "daneguard: note: {file}: no --host given; using the leaf's first DNS name, xn--bcher-kva.example\n"
        ),
    );
    run(&[
        "generate",
        "--no-comments",
        "--host",
        "xn--bcher-kva.example",
        &file,
    ])
    .exact(0, &expected, "");
}
