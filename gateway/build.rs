//! Link options of the `amplocal` binary that shrink its resident memory (issue #2: idle RSS).
//!
//! 1. Packed relative relocations (`DT_RELR`) on Linux/glibc. A position-independent Rust
//!    binary carries one 24-byte `R_X86_64_RELATIVE` entry for every pointer in its read-only
//!    data (vtables, string tables): ~750 KB for amplocal, which the dynamic loader reads in
//!    full at every start, so all of it counted in idle RSS. `DT_RELR` packs them into a few
//!    KB. GNU ld ≥ 2.38 and lld understand `-z pack-relative-relocs` and only use it when the C
//!    library supports it (glibc ≥ 2.36); older GNU ld ignores the unknown `-z` keyword with a
//!    warning, so the build never breaks because of it.
//!
//! 2. Startup code first (lld only). The kernel maps a binary's code in 64 KiB windows around
//!    every page that runs ("fault-around"). The ~2 MB of functions that start-up, a health
//!    answer and idling execute were spread over ~150 of the ~250 windows of amplocal's
//!    `.text`, so ~9.5 MB of code was resident after start. `startup.order` lists those
//!    functions (recorded with callgrind by `regen-startup-order.sh`): `startup.ld` gathers
//!    them into one `.text.amplocal_hot` section in front of `.text` with hash-independent
//!    patterns, and `--symbol-ordering-file` packs the exact names at its start; the rest of
//!    the code stays on disk until a request needs it. Rust symbol hashes change with
//!    dependency versions, features and the compiler: a stale exact name is skipped silently
//!    and the patterns still catch the function (at the cost of also catching the other
//!    instances of a generic one), so the build never breaks and the saving shrinks gradually
//!    (`amplocal-bench lifecycle` shows it; re-run the script then). rustc links
//!    x86_64-unknown-linux-gnu with its own lld since 1.90; with another linker configured
//!    (GNU ld and mold do not know `--symbol-ordering-file`) or `AMPLOCAL_NO_SYMBOL_ORDERING=1`,
//!    neither file is used.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=startup.order");
    println!("cargo:rerun-if-changed=startup.ld");
    println!("cargo:rerun-if-env-changed=AMPLOCAL_NO_SYMBOL_ORDERING");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if var("PROFILE") == "release" && var("AMPLOCAL_NO_SYMBOL_ORDERING").is_empty() && links_with_rust_lld(&var("TARGET")) {
        let dir = Path::new(&var("CARGO_MANIFEST_DIR")).to_path_buf();
        let (script, order) = (dir.join("startup.ld"), dir.join("startup.order"));
        if script.is_file() && order.is_file() {
            println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
            println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", order.display());
            println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
        }
    }
}

/// True when rustc links `target` with its bundled lld: x86_64-unknown-linux-gnu from Rust 1.90
/// on, unless a linker is configured (Cargo then sets `RUSTC_LINKER`) or the flags choose one.
fn links_with_rust_lld(target: &str) -> bool {
    if target != "x86_64-unknown-linux-gnu" || std::env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("link-self-contained") || flags.contains("fuse-ld") {
        return false;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc).arg("-vV").output() else { return false };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(release) = text.lines().find_map(|l| l.strip_prefix("release: ")) else { return false };
    let mut parts = release.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
