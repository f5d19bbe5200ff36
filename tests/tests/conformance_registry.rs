//! container-registry-client request bodies against the upstream RCABench
//! spec (issue 11): see `conformance/mod.rs` for what is generated and checked.

mod conformance;

use conformance::{run, typed, Model};
use container_registry_client::models as m;
use serde_json::json;

#[test]
fn registry_request_bodies_conform_to_the_upstream_spec() {
    let model = |path: &'static str, typed: conformance::Typed, rich: serde_json::Value| Model {
        path,
        method: "post",
        typed,
        rich: Some(rich),
    };
    run(
        "container-registry",
        "rcabench-sdk-1.1.44.json",
        &[
            model(
                "/api/v2/auth/login",
                typed::<m::LoginReq>,
                json!({ "username": "admin", "password": "s3cret" }),
            ),
            model(
                "/api/v2/containers",
                typed::<m::CreateContainerReq>,
                json!({
                    "name": "detector",
                    "type": 0,
                    "readme": "# detector",
                    "is_public": true,
                    "version": {
                        "name": "1.0.0",
                        "image_ref": "docker.io/owner/detector:1.0.0",
                        "github_link": "https://github.com/owner/detector",
                        "command": "python main.py",
                        "env_vars": [{
                            "key": "THRESHOLD",
                            "type": 0,
                            "category": 0,
                            "description": "alarm threshold",
                            "default_value": "0.5",
                            "required": true
                        }],
                        "helm_config": {
                            "chart_name": "detector",
                            "ns_prefix": "ts",
                            "repo_name": "charts",
                            "repo_url": "https://charts.example.com",
                            "values": { "replicas": 2 }
                        }
                    }
                }),
            ),
            model(
                "/api/v2/containers/build",
                typed::<m::SubmitBuildContainerReq>,
                json!({
                    "image_name": "detector",
                    "github_repository": "owner/repo",
                    "github_branch": "main",
                    "tag": "v1",
                    "github_commit": "0123456789abcdef0123456789abcdef01234567",
                    "sub_path": "detector",
                    "build_options": {
                        "context_dir": ".",
                        "dockerfile_path": "Dockerfile",
                        "target": "runtime",
                        "build_args": { "PYTHON": "3.11", "JOBS": 4 },
                        "force_rebuild": false
                    }
                }),
            ),
            model(
                "/api/v2/containers/search",
                typed::<m::SearchContainerReq>,
                json!({
                    "page": 1,
                    "size": 20,
                    "keyword": "detector",
                    "status": 1,
                    "is_active": true,
                    "project_id": 3,
                    "created_at": { "from": "2024-01-01", "to": "2024-12-31" },
                    "filters": [{ "field": "name", "operator": "like", "value": "det" }],
                    "sort": [{ "field": "created_at", "direction": "desc" }],
                    "include": ["versions"]
                }),
            ),
            model(
                "/api/v2/containers/{container_id}/versions",
                typed::<m::CreateContainerVersionReq>,
                json!({ "name": "1.2.0", "image_ref": "docker.io/owner/detector:1.2.0" }),
            ),
        ],
        // The search's status is any integer, as upstream says: nothing known to differ.
        &[],
        // Upstream types the search `operator` and sort `direction` as
        // `type: object` next to an enum of strings (see spec-departures.txt):
        // the server reads the strings, which is what is sent.
        &[
            "/components/schemas/SearchFilter/properties/operator/type",
            "/components/schemas/SortOption/properties/direction/type",
        ],
    );
}
