//! amplocal benchmarks (skeleton; the harness lands with the foundation issue).

fn main() {
    println!("{}", serde_json::json!({"status": "no benchmarks yet"}));
}
