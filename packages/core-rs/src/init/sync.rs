//! The child's end of the sync socket: newline-delimited JSON
//! (docs/init-program.md has the table of messages, like runc's sync.go).

use super::error::{InitError, Result};
use serde_json::{json, Value};
use std::os::fd::RawFd;

pub struct Channel {
    fd: RawFd,
    buf: Vec<u8>,
    open: bool,
}

impl Channel {
    pub fn new(fd: RawFd) -> Self {
        Channel {
            fd,
            buf: Vec::new(),
            open: true,
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn fd(&self) -> RawFd {
        self.fd
    }

    pub fn send(&mut self, v: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(v).unwrap_or_default();
        line.push(b'\n');
        let mut off = 0;
        while off < line.len() {
            // MSG_NOSIGNAL: a parent that died must not kill us with SIGPIPE.
            let n = unsafe {
                libc::send(
                    self.fd,
                    line[off..].as_ptr() as *const _,
                    line.len() - off,
                    libc::MSG_NOSIGNAL,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(InitError::os("sync", &e, "write to parent"));
            }
            off += n as usize;
        }
        Ok(())
    }

    /// Read one message. A parent `{"type":"error"}` or EOF aborts the child:
    /// the parent gave up, there is nobody to report to.
    pub fn recv(&mut self) -> Result<Value> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let v: Value = serde_json::from_slice(&line[..line.len() - 1])
                    .map_err(|e| InitError::new("sync", format!("bad message from parent: {e}")))?;
                if v.get("type").and_then(Value::as_str) == Some("error") {
                    unsafe { libc::_exit(1) };
                }
                return Ok(v);
            }
            let mut chunk = [0u8; 4096];
            let n = unsafe { libc::read(self.fd, chunk.as_mut_ptr() as *mut _, chunk.len()) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(InitError::os("sync", &e, "read from parent"));
            }
            if n == 0 {
                unsafe { libc::_exit(1) };
            }
            self.buf.extend_from_slice(&chunk[..n as usize]);
        }
    }

    /// Send a request and wait for `{"type":"ok"}`.
    pub fn request(&mut self, v: Value) -> Result<Value> {
        self.send(&v)?;
        let reply = self.recv()?;
        if reply.get("type").and_then(Value::as_str) != Some("ok") {
            return Err(InitError::new(
                "sync",
                format!("unexpected reply from parent: {reply}"),
            ));
        }
        Ok(reply)
    }

    pub fn send_error(&mut self, e: &InitError) {
        let _ = self.send(
            &json!({"type": "error", "step": e.step, "errno": e.errno, "message": e.message}),
        );
    }

    pub fn close(&mut self) {
        if self.open {
            unsafe { libc::close(self.fd) };
            self.open = false;
        }
    }
}
