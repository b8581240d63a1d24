//! Errors that reach JavaScript with a stable `code` (the errno name, or an
//! oci-specific code) and, when a system call failed, a numeric `errno`
//! (lightningcss node/src/error.rs does the same for its codes).

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env};
use std::io;

pub fn error(env: &Env, code: &str, errno: Option<i32>, message: &str) -> napi::Error {
    let raw = env.raw();
    unsafe {
        let mut c = std::ptr::null_mut();
        let mut m = std::ptr::null_mut();
        let mut e = std::ptr::null_mut();
        sys::napi_create_string_utf8(raw, code.as_ptr().cast(), code.len() as isize, &mut c);
        sys::napi_create_string_utf8(raw, message.as_ptr().cast(), message.len() as isize, &mut m);
        if sys::napi_create_error(raw, c, m, &mut e) != sys::Status::napi_ok {
            return napi::Error::new(napi::Status::GenericFailure, format!("{code}: {message}"));
        }
        if let Some(n) = errno {
            let mut v = std::ptr::null_mut();
            sys::napi_create_int32(raw, n, &mut v);
            sys::napi_set_named_property(raw, e, c"errno".as_ptr(), v);
        }
        napi::Error::from(Unknown::from_raw_unchecked(raw, e))
    }
}

/// A failed system call: `code` is the errno name, message "<call>: <strerror> (errno N)".
pub fn os(env: &Env, call: &str, err: &io::Error) -> napi::Error {
    let errno = err.raw_os_error().unwrap_or(0);
    let msg = format!("{call}: {err}");
    error(env, crate::sys::errno_name(errno), Some(errno), &msg)
}

pub fn last(env: &Env, call: &str) -> napi::Error {
    os(env, call, &io::Error::last_os_error())
}
