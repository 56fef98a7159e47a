//! Standard output that may be closed early (`daneguard … | head -1`): once the reader
//! is gone, further output is dropped instead of failing, so the command still finishes
//! and exits with its real status (what ripgrep does), never a false 0 or a panic.

use std::io::{self, Write};

/// Wraps a writer; a broken pipe turns every later write into a silent no-op.
pub struct ClosedPipeOk<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> ClosedPipeOk<W> {
    pub fn new(inner: W) -> Self {
        ClosedPipeOk {
            inner,
            closed: false,
        }
    }

    /// Whether the reader has gone away.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn absorb<T>(&mut self, result: io::Result<T>, done: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for ClosedPipeOk<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.absorb(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.absorb(result, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that has gone away after `room` bytes.
    struct Pipe {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_after_a_broken_pipe_are_dropped_not_errors() {
        let mut out = ClosedPipeOk::new(Pipe {
            room: 3,
            got: vec![],
        });
        out.write_all(b"hello\nworld\n").unwrap();
        writeln!(out, "more").unwrap();
        out.flush().unwrap();
        assert!(out.is_closed());
        assert_eq!(out.inner.got, b"hel");
    }

    #[test]
    fn other_errors_still_surface() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = ClosedPipeOk::new(Full);
        assert!(out.write_all(b"x").is_err());
        assert!(!out.is_closed());
    }
}
