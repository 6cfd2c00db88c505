//! Link the `amplocal` binary with packed relative relocations (`DT_RELR`) on Linux/glibc.
//!
//! A position-independent Rust binary carries one 24-byte `R_X86_64_RELATIVE` entry for every
//! pointer in its read-only data (vtables, string tables): ~750 KB for amplocal, which the
//! dynamic loader reads in full at every start, so all of it counted in idle RSS. `DT_RELR`
//! packs them into a few KB. GNU ld ≥ 2.38 and lld understand `-z pack-relative-relocs` and
//! only use it when the C library supports it (glibc ≥ 2.36); older GNU ld ignores the
//! unknown `-z` keyword with a warning, so the build never breaks because of it.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
