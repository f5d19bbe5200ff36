//! gRPC code from `.proto` files: the job-queue worker client of salad-imds
//! (`crates/salad-imds/proto/*.proto`), and the server side its tests run.
//!
//! protox parses and links the `.proto` in pure Rust (the well-known imports
//! such as `google/protobuf/empty.proto` are built in), so neither building
//! the crates nor running the codegen needs `protoc`. prost-build writes the
//! messages and tonic-build the service; the result is formatted with the
//! same rustfmt as the OpenAPI models and gets the same "generated" preamble.
//! `cargo xtask codegen --check` compares the checked-in files with a fresh
//! generation, like the models.

use std::path::{Path, PathBuf};

/// The crate whose proto files are compiled (the name `codegen CRATE` takes).
const CRATE: &str = "salad-imds";

/// Which side of the service a generated file holds.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// Messages and the client: compiled into the crate (feature `worker`).
    Client,
    /// Messages and the server trait: the tests' stand-in for the service.
    Server,
}

/// One proto file and a file generated from it, relative to the workspace root.
#[derive(Debug)]
struct Target {
    proto: PathBuf,
    side: Side,
    out: PathBuf,
}

fn targets(root: &Path, only: &[&str]) -> Result<Vec<Target>, String> {
    if !only.is_empty() && !only.contains(&CRATE) {
        return Ok(Vec::new());
    }
    let dir = Path::new("crates").join(CRATE);
    let proto_dir = root.join(&dir).join("proto");
    if !proto_dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut protos: Vec<PathBuf> = std::fs::read_dir(&proto_dir)
        .map_err(|e| format!("cannot read {}: {e}", proto_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "proto"))
        .collect();
    protos.sort();
    let mut out = Vec::new();
    for proto in protos {
        let stem = module_file_stem(&proto)?;
        let rel = dir
            .join("proto")
            .join(proto.file_name().unwrap_or_default());
        out.push(Target {
            proto: rel.clone(),
            side: Side::Client,
            out: dir.join("src/generated").join(format!("{stem}.rs")),
        });
        out.push(Target {
            proto: rel,
            side: Side::Server,
            out: dir
                .join("tests/generated")
                .join(format!("{stem}_server.rs")),
        });
    }
    Ok(out)
}

/// `salad-job-queue-worker-v1alpha.proto` -> `job_queue_worker` (the service's
/// own name, without the vendor prefix and the version, which the module path
/// of the generated code already carries in the package).
fn module_file_stem(proto: &Path) -> Result<String, String> {
    let name = proto
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{}: not a UTF-8 file name", proto.display()))?;
    let name = name.strip_prefix("salad-").unwrap_or(name);
    let name = match name.rfind("-v") {
        Some(i) if name[i + 2..].starts_with(|c: char| c.is_ascii_digit()) => &name[..i],
        _ => name,
    };
    Ok(name.replace('-', "_"))
}

/// The formatted Rust source for one target.
fn generate(root: &Path, target: &Target) -> Result<String, String> {
    let proto_path = root.join(&target.proto);
    let include = proto_path
        .parent()
        .ok_or_else(|| format!("{}: no parent folder", target.proto.display()))?;
    let fds = protox::compile([&proto_path], [include])
        .map_err(|e| format!("{}: {e}", target.proto.display()))?;
    let file_name = proto_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let package = fds
        .file
        .iter()
        .find(|f| f.name() == file_name)
        .map(|f| prost_build::Module::from_protobuf_package_name(f.package()))
        .ok_or_else(|| format!("{}: protox returned no file", target.proto.display()))?;
    // Every file goes in (prost needs the imports to resolve types), only the
    // package's own module comes out: the imports are well-known types prost
    // maps to Rust types (`google.protobuf.Empty` is `()`).
    let requests: Vec<_> = fds
        .file
        .into_iter()
        .map(|f| {
            (
                prost_build::Module::from_protobuf_package_name(f.package()),
                f,
            )
        })
        .collect();
    let service = tonic_build::configure()
        .build_client(matches!(target.side, Side::Client))
        .build_server(matches!(target.side, Side::Server))
        // No `Channel` constructors: the crate brings its own hyper client.
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .service_generator();
    let mut config = prost_build::Config::new();
    config
        .service_generator(service)
        // Job input and output are `bytes::Bytes`: handed on without a copy.
        .bytes(["."])
        .format(false);
    let modules = config
        .generate(requests)
        .map_err(|e| format!("{}: {e}", target.proto.display()))?;
    let body = modules
        .into_iter()
        .find(|(module, _)| *module == package)
        .map(|(_, code)| code)
        .ok_or_else(|| format!("{}: nothing generated", target.proto.display()))?;
    let source = target.proto.to_string_lossy().replace('\\', "/");
    let side = match target.side {
        Side::Client => "messages and client",
        Side::Server => "messages and server (for the tests)",
    };
    let code = format!(
        "// @generated by `cargo xtask codegen` from {source} ({side}); do not edit.\n\
         // protox + prost-build + tonic-build; no protoc involved.\n\n{body}"
    );
    crate::codegen::rustfmt(root, &code).map_err(|e| format!("{}: {e}", target.proto.display()))
}

/// Writes every generated gRPC file whose content changed.
pub fn write_all(root: &Path, only: &[&str]) -> Result<(), String> {
    for t in targets(root, only)? {
        crate::codegen::write_if_changed(root, &t.out, &generate(root, &t)?)?;
    }
    Ok(())
}

/// Every stale or missing generated gRPC file, as messages.
pub fn stale(root: &Path, only: &[&str]) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for t in targets(root, only)? {
        let code = match generate(root, &t) {
            Ok(code) => code,
            Err(e) => {
                problems.push(format!("error:   {e}"));
                continue;
            }
        };
        problems.extend(crate::codegen::compare(root, &t.out, &t.proto, &code));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_drop_vendor_and_version() {
        let stem = |p: &str| module_file_stem(Path::new(p)).unwrap();
        assert_eq!(
            stem("a/salad-job-queue-worker-v1alpha.proto"),
            "job_queue_worker"
        );
        assert_eq!(stem("other-thing.proto"), "other_thing");
        assert_eq!(stem("x-vendor.proto"), "x_vendor");
    }
}
