//! Wire-level tests of the image operations and registry credentials against a
//! mockito server: method, path, query, headers (X-Registry-Auth and -Config
//! decoded), body, typed answers, and failures reported inside progress streams.

mod mock_support;

use mock_support::{pinned, q};
use std::collections::BTreeMap;

use api_client_transport::bytes::Bytes;
use base64::Engine;
use docker_engine::{
    BuildOptions, CommitOptions, DistributionInspectOptions, Error, Filters, ListImagesOptions,
    LoadImagesOptions, PruneBuildCacheOptions, PruneImagesOptions, PullImageOptions,
    PushImageOptions, RegistryAuth, SearchImagesOptions,
};
use futures_util::StreamExt;
use mockito::{Matcher, Server};
use serde_json::json;

/// The header value for `json`, written out in the order the client serializes fields.
fn b64(json: &str) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

const SECRET_AUTH: &str =
    r#"{"username":"ci","password":"pa$$word","serveraddress":"localhost:5000"}"#;

fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn body(
    data: &'static [u8],
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures_util::stream::iter([Ok(Bytes::from_static(data))])
}

fn secret_auth() -> RegistryAuth {
    RegistryAuth::password("localhost:5000", "ci", "pa$$word")
}

fn secret_auth_json() -> serde_json::Value {
    json!({"username":"ci","password":"pa$$word","serveraddress":"localhost:5000"})
}

#[tokio::test]
async fn list_sends_its_flags_and_decodes_nulls() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/images/json")
        .match_query(Matcher::AllOf(vec![
            q("all", "true"),
            q("filters", r#"{"dangling":["false"],"reference":["busy*"]}"#),
            q("shared-size", "true"),
            q("digests", "true"),
        ]))
        .with_body(
            json!([{"Id":"sha256:1","ParentId":"","RepoTags":null,"RepoDigests":null,"Created":1,
                    "Size":2,"SharedSize":-1,"Labels":null,"Containers":-1,"NewField":true}])
            .to_string(),
        )
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = ListImagesOptions::default();
    options.all = true;
    options.digests = true;
    options.shared_size = true;
    options.filters = Filters::new()
        .add("reference", "busy*")
        .add("dangling", "false");
    let list = docker.images().list(options.clone()).await.unwrap();
    assert_eq!(list[0].id, "sha256:1");
    assert_eq!(list[0].repo_tags, None);
    m.assert_async().await;

    // shared-size is 1.42+: refused on 1.41 before anything is sent.
    let old = pinned(&server, "1.41");
    let err = old.images().list(options).await.unwrap_err();
    assert_eq!(invalid_field(&err), "shared_size");
}

#[tokio::test]
async fn pull_sends_name_tag_platform_and_credentials() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::AllOf(vec![
            q("fromImage", "localhost:5000/team/app"),
            q("tag", "1.2"),
            q("platform", "linux/arm64"),
        ]))
        .match_header("x-registry-auth", b64(SECRET_AUTH).as_str())
        .with_body("{\"status\":\"Pulling from team/app\",\"id\":\"1.2\"}\n{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":10},\"id\":\"ab\"}\n{\"status\":\"Status: Downloaded newer image for localhost:5000/team/app:1.2\"}\n")
        .expect(2)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = PullImageOptions::default();
    options.auth = Some(secret_auth());
    options.platform = Some("linux/arm64".into());
    // The stream shows every message, byte counters included, typed.
    let all: Vec<_> = docker
        .images()
        .pull("localhost:5000/team/app:1.2", options.clone())
        .await
        .unwrap()
        .map(|m| m.unwrap())
        .collect()
        .await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].progress_detail.as_ref().unwrap().total, Some(10));
    // The helper waits for the end and keeps the milestones.
    let messages = docker
        .images()
        .pull_to_completion("localhost:5000/team/app:1.2", options)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages[1]
        .status
        .as_deref()
        .is_some_and(|s| s.starts_with("Status: Downloaded newer image")));
    m.assert_async().await;
}

#[tokio::test]
async fn pull_without_tag_means_latest_and_by_digest_sends_the_digest() {
    let mut server = Server::new_async().await;
    let latest = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::AllOf(vec![
            q("fromImage", "busybox"),
            q("tag", "latest"),
        ]))
        .match_header("x-registry-auth", Matcher::Missing)
        .with_body("{\"status\":\"ok\"}\n")
        .create_async()
        .await;
    let digest = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::AllOf(vec![
            q("fromImage", "busybox"),
            q("tag", "sha256:00ff"),
        ]))
        .with_body("{\"status\":\"ok\"}\n")
        .create_async()
        .await;
    let all = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::Exact("fromImage=busybox".into()))
        .with_body("{\"status\":\"ok\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let images = docker.images();
    images
        .pull_to_completion("busybox", Default::default())
        .await
        .unwrap();
    images
        .pull_to_completion("busybox@sha256:00ff", Default::default())
        .await
        .unwrap();
    let mut options = PullImageOptions::default();
    options.all_tags = true;
    images.pull_to_completion("busybox", options).await.unwrap();
    latest.assert_async().await;
    digest.assert_async().await;
    all.assert_async().await;
    for bad in ["", "app:", ":tag"] {
        let err = images.pull(bad, Default::default()).await.unwrap_err();
        assert_eq!(invalid_field(&err), "reference", "{bad}");
    }
}

#[tokio::test]
async fn a_failure_inside_the_pull_stream_is_an_error_without_the_secret() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::Any)
        .with_body("{\"status\":\"Pulling from x\"}\n{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest unknown\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = PullImageOptions::default();
    options.auth = Some(secret_auth());
    let mut progress = docker.images().pull("x:1", options.clone()).await.unwrap();
    assert!(progress.next().await.unwrap().is_ok());
    let err = progress.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    let text = format!("{err} {err:?} {progress:?}");
    assert!(text.contains("manifest unknown"), "{text}");
    assert!(!text.contains("pa$$word"), "{text}");
    assert!(progress.next().await.is_none());
    let err = docker
        .images()
        .pull_to_completion("x:1", options)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("manifest unknown"));
}

#[tokio::test]
async fn broken_progress_is_a_decode_error() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::Any)
        .with_body("<html>proxy error</html>\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let err = docker
        .images()
        .pull_to_completion("x", Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn push_splits_the_tag_and_always_sends_credentials() {
    let mut server = Server::new_async().await;
    let with_auth = server
        .mock("POST", "/v1.45/images/localhost%3A5000%2Fapp/push")
        .match_query(q("tag", "v1"))
        .match_header("x-registry-auth", b64(SECRET_AUTH).as_str())
        .with_body("{\"status\":\"Pushed\",\"id\":\"ab\"}\n{\"status\":\"v1: digest: sha256:12 size: 527\"}\n{\"progressDetail\":{},\"aux\":{\"Tag\":\"v1\",\"Digest\":\"sha256:12\",\"Size\":527}}\n")
        .create_async()
        .await;
    let anonymous = server
        .mock("POST", "/v1.45/images/localhost%3A5000%2Fapp/push")
        .match_query(q("tag", "latest"))
        .match_header("x-registry-auth", b64("{}").as_str())
        .with_body("{\"errorDetail\":{\"message\":\"no basic auth credentials\"},\"error\":\"no basic auth credentials\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = PushImageOptions::default();
    options.auth = Some(secret_auth());
    let messages = docker
        .images()
        .push("localhost:5000/app:v1", options)
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert_eq!(messages[2].aux.as_ref().unwrap()["Digest"], "sha256:12");
    let err = docker
        .images()
        .push("localhost:5000/app", Default::default())
        .await
        .unwrap()
        .finish()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no basic auth credentials"),
        "{err}"
    );
    with_auth.assert_async().await;
    anonymous.assert_async().await;
    let err = docker
        .images()
        .push("app@sha256:00", Default::default())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "reference");
}

#[tokio::test]
async fn build_sends_context_args_labels_target_platform_and_registry_config() {
    let mut server = Server::new_async().await;
    let hub = RegistryAuth::identity_token(docker_engine::DOCKER_HUB_KEY, "tok");
    let config = format!(
        r#"{{"https://index.docker.io/v1/":{{"serveraddress":"https://index.docker.io/v1/","identitytoken":"tok"}},"localhost:5000":{SECRET_AUTH}}}"#
    );
    let m = server
        .mock("POST", "/v1.45/build")
        .match_query(Matcher::AllOf(vec![
            q("dockerfile", "build/Dockerfile"),
            q("t", "app:1"),
            q("buildargs", r#"{"A":"1","B":"two words"}"#),
            q("labels", r#"{"team":"x"}"#),
            q("target", "runtime"),
            q("platform", "linux/amd64"),
            q("nocache", "true"),
            q("pull", "true"),
            q("rm", "false"),
            q("forcerm", "true"),
            q("networkmode", "none"),
            q("extrahosts", "a:1.2.3.4,b:5.6.7.8"),
            q("cachefrom", r#"["app:0"]"#),
            q("memory", "1000000"),
            q("shmsize", "65536"),
        ]))
        .match_header("content-type", "application/x-tar")
        .match_header("x-registry-config", b64(&config).as_str())
        .match_body("CONTEXT-TAR")
        .with_body("{\"stream\":\"Step 1/2 : FROM busybox\\n\"}\n{\"aux\":{\"ID\":\"sha256:feed\"}}\n{\"stream\":\"Successfully built feed\\n\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = BuildOptions::default();
    options.dockerfile = Some("build/Dockerfile".into());
    options.tags = vec!["app:1".into()];
    options.build_args =
        BTreeMap::from([("A".into(), "1".into()), ("B".into(), "two words".into())]);
    options.labels = BTreeMap::from([("team".into(), "x".into())]);
    options.target = Some("runtime".into());
    options.platform = Some("linux/amd64".into());
    options.no_cache = true;
    options.pull = true;
    options.remove = Some(false);
    options.force_remove = true;
    options.network_mode = Some("none".into());
    options.extra_hosts = vec!["a:1.2.3.4".into(), "b:5.6.7.8".into()];
    options.cache_from = vec!["app:0".into()];
    options.memory = Some(1_000_000);
    options.shm_size = Some(65536);
    options.registry_auth = vec![secret_auth(), hub];
    let id = docker
        .images()
        .build(body(b"CONTEXT-TAR"), options)
        .await
        .unwrap()
        .image_id()
        .await
        .unwrap();
    assert_eq!(id.as_deref(), Some("sha256:feed"));
    m.assert_async().await;

    let mut bad = BuildOptions::default();
    bad.tags = vec!["app:".into()];
    let err = docker.images().build(body(b""), bad).await.unwrap_err();
    assert_eq!(invalid_field(&err), "tags");
    let mut bad = BuildOptions::default();
    bad.memory = Some(-1);
    let err = docker.images().build(body(b""), bad).await.unwrap_err();
    assert_eq!(invalid_field(&err), "memory");
}

#[tokio::test]
async fn a_failing_build_step_is_an_error() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/build")
        .with_body("{\"stream\":\"Step 2/2 : RUN false\\n\"}\n{\"errorDetail\":{\"code\":1,\"message\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"},\"error\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let err = docker
        .images()
        .build(body(b"T"), BuildOptions::default())
        .await
        .unwrap()
        .finish()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("non-zero code: 1"), "{err}");
}

#[tokio::test]
async fn build_prune_history_tag_search_prune_commit() {
    let mut server = Server::new_async().await;
    let build_prune = server
        .mock("POST", "/v1.45/build/prune")
        .match_query(Matcher::AllOf(vec![
            q("keep-storage", "1024"),
            q("all", "true"),
            q("filters", r#"{"until":["24h"]}"#),
        ]))
        .with_body(r#"{"CachesDeleted":["c1"],"SpaceReclaimed":99}"#)
        .create_async()
        .await;
    let history = server
        .mock("GET", "/v1.45/images/app%3A1/history")
        .with_body(r#"[{"Id":"sha256:1","Created":5,"CreatedBy":"CMD","Tags":null,"Size":0,"Comment":""}]"#)
        .create_async()
        .await;
    let tag = server
        .mock("POST", "/v1.45/images/app%3A1/tag")
        .match_query(Matcher::AllOf(vec![
            q("repo", "localhost:5000/app"),
            q("tag", "latest"),
        ]))
        .with_status(201)
        .create_async()
        .await;
    let search = server
        .mock("GET", "/v1.45/images/search")
        .match_query(Matcher::AllOf(vec![
            q("term", "busy box"),
            q("limit", "5"),
            q("filters", r#"{"is-official":["true"]}"#),
        ]))
        .with_body(r#"[{"name":"busybox","description":"d","is_official":true,"is_automated":false,"star_count":3}]"#)
        .create_async()
        .await;
    let prune = server
        .mock("POST", "/v1.45/images/prune")
        .match_query(q("filters", r#"{"dangling":["false"]}"#))
        .with_body(
            r#"{"ImagesDeleted":[{"Untagged":"a:1"},{"Deleted":"sha256:1"}],"SpaceReclaimed":10}"#,
        )
        .create_async()
        .await;
    let commit = server
        .mock("POST", "/v1.45/commit")
        .match_query(Matcher::AllOf(vec![
            q("container", "c1"),
            q("repo", "snap"),
            q("tag", "2"),
            q("comment", "why"),
            q("author", "me"),
            q("pause", "false"),
            q("changes", "CMD [\"sh\"]\nENV A=b"),
        ]))
        .match_header("content-type", "application/json")
        .match_body(Matcher::PartialJson(json!({"Env":["X=1"]})))
        .with_status(201)
        .with_body(r#"{"Id":"sha256:c0"}"#)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let images = docker.images();

    let mut options = PruneBuildCacheOptions::default();
    options.keep_storage = Some(1024);
    options.all = true;
    options.filters = Filters::new().add("until", "24h");
    assert_eq!(
        images.build_prune(options).await.unwrap().space_reclaimed,
        Some(99)
    );
    assert_eq!(images.history("app:1").await.unwrap()[0].created_by, "CMD");
    images.tag("app:1", "localhost:5000/app").await.unwrap();
    let mut options = SearchImagesOptions::default();
    options.limit = Some(5);
    options.filters = Filters::new().add("is-official", "true");
    assert_eq!(
        images.search("busy box", options).await.unwrap()[0].star_count,
        Some(3)
    );
    let mut options = PruneImagesOptions::default();
    options.filters = Filters::new().add("dangling", "false");
    assert_eq!(
        images
            .prune(options)
            .await
            .unwrap()
            .images_deleted
            .unwrap()
            .len(),
        2
    );
    let mut options = CommitOptions::default();
    options.repo = Some("snap".into());
    options.tag = Some("2".into());
    options.comment = Some("why".into());
    options.author = Some("me".into());
    options.pause = Some(false);
    options.changes = vec![r#"CMD ["sh"]"#.into(), "ENV A=b".into()];
    options.config = Some(serde_json::from_value(json!({"Env":["X=1"]})).unwrap());
    assert_eq!(images.commit("c1", options).await.unwrap().id, "sha256:c0");
    for m in [build_prune, history, tag, search, prune, commit] {
        m.assert_async().await;
    }

    assert_eq!(
        invalid_field(&images.history("").await.unwrap_err()),
        "name"
    );
    assert_eq!(
        invalid_field(&images.tag("a", "b@sha256:1").await.unwrap_err()),
        "new_reference"
    );
    assert_eq!(
        invalid_field(&images.search("", Default::default()).await.unwrap_err()),
        "term"
    );
    assert_eq!(
        invalid_field(&images.commit("", Default::default()).await.unwrap_err()),
        "container"
    );
}

#[tokio::test]
async fn export_export_all_and_load_stream_tarballs() {
    let mut server = Server::new_async().await;
    let get = server
        .mock("GET", "/v1.45/images/app%3A1/get")
        .with_header("content-type", "application/x-tar")
        .with_body("ONE-TAR")
        .create_async()
        .await;
    let get_all = server
        .mock("GET", "/v1.45/images/get")
        .match_query(Matcher::Exact("names=a%3A1&names=b".into()))
        .with_body("ALL-TAR")
        .create_async()
        .await;
    let load = server
        .mock("POST", "/v1.45/images/load")
        .match_query(q("quiet", "true"))
        .match_header("content-type", "application/x-tar")
        .match_body("ONE-TAR")
        .with_body("{\"stream\":\"Loaded image: app:1\\n\"}\n")
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let images = docker.images();
    let mut one = Vec::new();
    let mut s = images.export("app:1").await.unwrap();
    while let Some(c) = s.next().await {
        one.extend_from_slice(&c.unwrap());
    }
    assert_eq!(one, b"ONE-TAR");
    let mut all = Vec::new();
    let mut s = images.export_all(["a:1", "b"]).await.unwrap();
    while let Some(c) = s.next().await {
        all.extend_from_slice(&c.unwrap());
    }
    assert_eq!(all, b"ALL-TAR");
    let mut options = LoadImagesOptions::default();
    options.quiet = true;
    let loaded = images
        .load(body(b"ONE-TAR"), options)
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert_eq!(loaded[0].stream.as_deref(), Some("Loaded image: app:1\n"));
    for m in [get, get_all, load] {
        m.assert_async().await;
    }
    let none: [&str; 0] = [];
    assert_eq!(
        invalid_field(&images.export_all(none).await.unwrap_err()),
        "names"
    );
}

#[tokio::test]
async fn distribution_inspect_and_auth() {
    let mut server = Server::new_async().await;
    let dist = server
        .mock("GET", "/v1.45/distribution/localhost%3A5000%2Fapp%3A1/json")
        .match_header("x-registry-auth", b64(SECRET_AUTH).as_str())
        .with_body(r#"{"Descriptor":{"mediaType":"m","digest":"sha256:d","size":5},"Platforms":[{"architecture":"amd64","os":"linux"}]}"#)
        .create_async()
        .await;
    let auth_ok = server
        .mock("POST", "/v1.45/auth")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(secret_auth_json()))
        .with_body(r#"{"Status":"Login Succeeded","IdentityToken":"id-tok"}"#)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let mut options = DistributionInspectOptions::default();
    options.auth = Some(secret_auth());
    let d = docker
        .images()
        .distribution_inspect("localhost:5000/app:1", options)
        .await
        .unwrap();
    assert_eq!(d.descriptor.digest.as_deref(), Some("sha256:d"));
    assert_eq!(d.platforms[0].architecture.as_deref(), Some("amd64"));
    let answer = docker.auth(&secret_auth()).await.unwrap();
    assert_eq!(answer.status, "Login Succeeded");
    let token = answer.identity_token.unwrap();
    assert_eq!(format!("{token:?}"), "***");
    assert_eq!(token.expose(), "id-tok");
    dist.assert_async().await;
    auth_ok.assert_async().await;

    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/auth")
        .with_status(401)
        .with_body(r#"{"message":"login attempt to http://localhost:5000/v2/ failed with status: 401 Unauthorized"}"#)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let err = docker.auth(&secret_auth()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("401 Unauthorized") && !text.contains("pa$$word"),
        "{text}"
    );

    // A daemon may accept with 204 and no body: an empty status, no token.
    let mut server = Server::new_async().await;
    let empty = server
        .mock("POST", "/v1.45/auth")
        .with_status(204)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let answer = docker.auth(&secret_auth()).await.unwrap();
    assert_eq!((answer.status.as_str(), answer.identity_token), ("", None));
    empty.assert_async().await;
}
