//! Wire-level tests of the plugin operations against a mockito server: method,
//! path, query, headers and body of every call, a plugin as dockerd 20.10
//! reported one made with `docker plugin create` (tests/fixtures/swarm/plugin.json),
//! progress streams with in-stream failures, every declared error status, and
//! podman's answer read as `NotSupported`.
#![allow(clippy::field_reassign_with_default)]

mod mock_support;

use mock_support::{pinned_once, q};
use std::future::Future;
use std::pin::Pin;

use docker_engine::models::PluginPrivilege;
use docker_engine::{
    DaemonErrorExt, DisablePluginOptions, Docker, EnablePluginOptions, Error, ListPluginsOptions,
    PluginFilters, PullPluginOptions, PushPluginOptions, RegistryAuth, RemovePluginOptions,
};
use mockito::{Matcher, Server};
use serde_json::json;

const PLUGIN: &str = include_str!("fixtures/swarm/plugin.json");
const NAME: &str = "127.0.0.1:5000/dengine/testplugin:1";
const REMOTE: &str = "127.0.0.1:5000/dengine/testplugin:1";

fn path(tail: &str) -> String {
    // The name's `/` and `:` are one percent-encoded path segment.
    format!("/v1.45/plugins/127.0.0.1%3A5000%2Fdengine%2Ftestplugin%3A1{tail}")
}

fn auth() -> RegistryAuth {
    RegistryAuth::password(
        "127.0.0.1:5000",
        "docker-engine",
        "docker-engine-registry-pw",
    )
}

fn auth_matcher() -> Matcher {
    Matcher::Regex(r"^[A-Za-z0-9_=-]{40,}$".into())
}

fn privileges() -> Vec<PluginPrivilege> {
    serde_json::from_value(json!([
        {"Name": "network", "Description": "permissions to access a network", "Value": ["host"]}
    ]))
    .unwrap()
}

#[tokio::test]
async fn list_and_inspect_decode_a_dockerd_plugin() {
    let mut server = Server::new_async().await;
    let list = server
        .mock("GET", "/v1.45/plugins")
        .match_query(q(
            "filters",
            r#"{"capability":["volumedriver"],"enable":["false"]}"#,
        ))
        .with_body(format!("[{PLUGIN}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", path("/json").as_str())
        .with_body(PLUGIN)
        .create_async()
        .await;
    let plugins = pinned_once(&server).plugins();
    let mut options = ListPluginsOptions::default();
    options.filters = PluginFilters::new()
        .capability("volumedriver")
        .enable("false");
    assert_eq!(plugins.list(options).await.unwrap().len(), 1);
    let plugin = plugins.inspect(NAME).await.unwrap();
    assert_eq!(plugin.name, NAME);
    assert!(!plugin.enabled);
    assert_eq!(plugin.settings.env, vec!["DEBUG=0".to_string()]);
    let config = plugin.config;
    assert_eq!(config.description, "docker-engine test plugin");
    assert_eq!(config.interface.socket, "dengine.sock");
    assert_eq!(config.network.r#type, "host");
    assert_eq!(
        config.interface.types,
        vec!["docker.volumedriver/1.0".to_string()]
    );
    list.assert_async().await;
    inspect.assert_async().await;
}

#[tokio::test]
async fn privileges_pull_upgrade_push_send_credentials() {
    let mut server = Server::new_async().await;
    let privs = server
        .mock("GET", "/v1.45/plugins/privileges")
        .match_query(q("remote", REMOTE))
        .match_header("x-registry-auth", auth_matcher())
        .with_body(json!([{"Name": "network", "Description": "permissions to access a network", "Value": ["host"]}]).to_string())
        .create_async()
        .await;
    let pull = server
        .mock("POST", "/v1.45/plugins/pull")
        .match_query(Matcher::AllOf(vec![q("remote", REMOTE), q("name", "local/test:1")]))
        .match_header("x-registry-auth", auth_matcher())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!([
            {"Name": "network", "Description": "permissions to access a network", "Value": ["host"]}
        ])))
        .with_body("{\"status\":\"Pulling from dengine/testplugin\"}\n{\"status\":\"Download complete\"}\n")
        .create_async()
        .await;
    let upgrade = server
        .mock("POST", path("/upgrade").as_str())
        .match_query(q("remote", REMOTE))
        .match_header("x-registry-auth", auth_matcher())
        .match_body(Matcher::Json(json!([
            {"Name": "network", "Description": "permissions to access a network", "Value": ["host"]}
        ])))
        .with_body("{\"status\":\"Download complete\"}\n")
        .create_async()
        .await;
    let push = server
        .mock("POST", path("/push").as_str())
        .match_header("x-registry-auth", auth_matcher())
        .with_body("{\"status\":\"The push refers to repository [127.0.0.1:5000/dengine/testplugin]\"}\n{\"status\":\"1: digest: sha256:ab size: 1\"}\n")
        .create_async()
        .await;
    let plugins = pinned_once(&server).plugins();
    let got = plugins.privileges(REMOTE, Some(auth())).await.unwrap();
    assert_eq!(got, privileges());
    let mut options = PullPluginOptions::default();
    options.name = Some("local/test:1".into());
    options.auth = Some(auth());
    options.privileges = got;
    plugins.pull(REMOTE, options.clone()).await.unwrap();
    plugins.upgrade(NAME, REMOTE, options).await.unwrap();
    let mut push_options = PushPluginOptions::default();
    push_options.auth = Some(auth());
    plugins.push(NAME, push_options).await.unwrap();
    for m in [privs, pull, upgrade, push] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_failure_inside_the_pull_stream_is_an_error() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/plugins/pull")
        .match_query(Matcher::Any)
        .with_body("{\"status\":\"Pulling\"}\n{\"errorDetail\":{\"message\":\"no basic auth credentials\"},\"error\":\"no basic auth credentials\"}\n")
        .create_async()
        .await;
    let err = pinned_once(&server)
        .plugins()
        .pull(REMOTE, PullPluginOptions::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no basic auth credentials"),
        "{err}"
    );
}

#[tokio::test]
async fn create_enable_disable_set_remove() {
    let mut server = Server::new_async().await;
    let tar = b"not really a tar, the daemon reads it".to_vec();
    let create = server
        .mock("POST", "/v1.45/plugins/create")
        .match_query(q("name", NAME))
        .match_header("content-type", "application/x-tar")
        .match_body(tar.clone())
        .with_status(204)
        .create_async()
        .await;
    let enable = server
        .mock("POST", path("/enable").as_str())
        .match_query(q("timeout", "30"))
        .create_async()
        .await;
    let disable = server
        .mock("POST", path("/disable").as_str())
        .match_query(q("force", "true"))
        .create_async()
        .await;
    let set = server
        .mock("POST", path("/set").as_str())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!(["DEBUG=1"])))
        .with_status(204)
        .create_async()
        .await;
    let remove = server
        .mock("DELETE", path("").as_str())
        .match_query(q("force", "true"))
        .with_body(PLUGIN)
        .create_async()
        .await;
    let plugins = pinned_once(&server).plugins();
    plugins.create(NAME, tar).await.unwrap();
    let mut e = EnablePluginOptions::default();
    e.timeout = Some(30);
    plugins.enable(NAME, e).await.unwrap();
    let mut d = DisablePluginOptions::default();
    d.force = true;
    plugins.disable(NAME, d).await.unwrap();
    plugins.set(NAME, ["DEBUG=1"]).await.unwrap();
    let mut r = RemovePluginOptions::default();
    r.force = true;
    let removed = plugins
        .remove(NAME, r)
        .await
        .unwrap()
        .expect("the plugin as it was");
    assert_eq!(removed.name, NAME);
    for m in [create, enable, disable, set, remove] {
        m.assert_async().await;
    }
    let err = plugins.inspect("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "name"));
}

type Call = fn(Docker) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

macro_rules! call {
    (|$d:ident| $body:expr) => {{
        fn f($d: Docker) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>> {
            Box::pin(async move { $body.await.map(drop) })
        }
        f as Call
    }};
}

fn operations() -> Vec<(&'static str, String, &'static [u16], Call)> {
    vec![
        (
            "GET",
            "/v1.45/plugins".into(),
            &[500],
            call!(|d| async move { d.plugins().list(ListPluginsOptions::default()).await }),
        ),
        (
            "GET",
            "/v1.45/plugins/privileges".into(),
            &[500],
            call!(|d| async move { d.plugins().privileges(REMOTE, None).await }),
        ),
        (
            "POST",
            "/v1.45/plugins/pull".into(),
            &[500],
            call!(|d| async move { d.plugins().pull(REMOTE, PullPluginOptions::default()).await }),
        ),
        (
            "GET",
            path("/json"),
            &[404, 500],
            call!(|d| async move { d.plugins().inspect(NAME).await }),
        ),
        (
            "DELETE",
            path(""),
            &[404, 500],
            call!(|d| async move {
                d.plugins()
                    .remove(NAME, RemovePluginOptions::default())
                    .await
            }),
        ),
        (
            "POST",
            path("/enable"),
            &[404, 500],
            call!(|d| async move {
                d.plugins()
                    .enable(NAME, EnablePluginOptions::default())
                    .await
            }),
        ),
        (
            "POST",
            path("/disable"),
            &[404, 500],
            call!(|d| async move {
                d.plugins()
                    .disable(NAME, DisablePluginOptions::default())
                    .await
            }),
        ),
        (
            "POST",
            path("/upgrade"),
            &[404, 500],
            call!(|d| async move {
                d.plugins()
                    .upgrade(NAME, REMOTE, PullPluginOptions::default())
                    .await
            }),
        ),
        (
            "POST",
            "/v1.45/plugins/create".into(),
            &[500],
            call!(|d| async move { d.plugins().create(NAME, b"tar".to_vec()).await }),
        ),
        (
            "POST",
            path("/push"),
            &[404, 500],
            call!(|d| async move { d.plugins().push(NAME, PushPluginOptions::default()).await }),
        ),
        (
            "POST",
            path("/set"),
            &[404, 500],
            call!(|d| async move { d.plugins().set(NAME, ["A=1"]).await }),
        ),
    ]
}

#[tokio::test]
async fn every_declared_error_status_keeps_the_daemons_message() {
    let mut server = Server::new_async().await;
    for (method, path, statuses, call) in operations() {
        for &status in statuses {
            let message = format!("failure {status} of {method} {path}");
            let m = server
                .mock(method, path.as_str())
                .match_query(Matcher::Any)
                .with_status(status as usize)
                .with_body(json!({ "message": message }).to_string())
                .create_async()
                .await;
            let err = call(pinned_once(&server)).await.unwrap_err();
            m.assert_async().await;
            m.remove_async().await;
            assert_eq!(
                err.status().map(|s| s.as_u16()),
                Some(status),
                "{method} {path}: {err:?}"
            );
            assert!(err.to_string().contains(&message), "{method} {path}: {err}");
            assert!(!err.is_not_supported(), "{method} {path}: {err:?}");
        }
    }
}

#[tokio::test]
async fn podmans_answer_is_not_supported() {
    let mut server = Server::new_async().await;
    for (method, path, _, call) in operations() {
        // What podman 4.3 answers on this machine for every /plugins route.
        let m = server
            .mock(method, path.as_str())
            .match_query(Matcher::Any)
            .with_status(404)
            .with_body(json!({"cause": "", "message": format!("Path {path} is not supported"), "response": 0}).to_string())
            .create_async()
            .await;
        let err = call(pinned_once(&server)).await.unwrap_err();
        m.remove_async().await;
        let ns = err
            .not_supported()
            .unwrap_or_else(|| panic!("{method} {path}: {err:?}"));
        assert_eq!(ns.status, 404);
        assert!(ns.message.contains("is not supported"), "{ns}");
    }
}

#[tokio::test]
async fn remove_reads_dockerds_empty_answer_as_none() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("DELETE", path("").as_str())
        .with_status(200)
        .create_async()
        .await;
    let removed = pinned_once(&server)
        .plugins()
        .remove(NAME, RemovePluginOptions::default())
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(removed, None);
}
