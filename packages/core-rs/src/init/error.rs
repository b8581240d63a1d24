//! The executor's error: which step failed, the errno when a system call
//! failed (0 otherwise) and a message. It crosses to the parent as
//! `{"type":"error","step","errno","message"}` (docs/init-program.md).

use std::fmt;
use std::io;

#[derive(Debug)]
pub struct InitError {
    pub step: &'static str,
    pub errno: i32,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, InitError>;

impl InitError {
    pub fn new(step: &'static str, message: impl Into<String>) -> Self {
        InitError {
            step,
            errno: 0,
            message: message.into(),
        }
    }
    pub fn os(step: &'static str, err: &io::Error, what: impl fmt::Display) -> Self {
        InitError {
            step,
            errno: err.raw_os_error().unwrap_or(0),
            message: format!("{what}: {err}"),
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.message)
    }
}

/// Attach a step and a description to an io::Result.
pub trait Ctx<T> {
    fn ctx(self, step: &'static str, what: impl fmt::Display) -> Result<T>;
}

impl<T> Ctx<T> for io::Result<T> {
    fn ctx(self, step: &'static str, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| InitError::os(step, &e, what))
    }
}
