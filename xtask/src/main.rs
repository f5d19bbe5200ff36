//! `cargo xtask`: project automation (codegen, coverage, ci).

fn main() {
    eprintln!("xtask: not implemented yet");
    std::process::exit(2);
}
