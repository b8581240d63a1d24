//! `oci-ts-init`: the container init executor of @oci/core (src/init). It
//! shares no code path with napi, so it links neither Node nor napi.

#[path = "../sys.rs"]
#[allow(dead_code)]
mod sys;

#[path = "../init/mod.rs"]
#[allow(dead_code)]
mod init;

fn main() {
    init::main()
}
