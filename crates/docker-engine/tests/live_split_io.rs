//! Exec and attach driven from two tasks against the real daemon, as
//! [`Attached`]'s docs invite: one task writes 8 MiB into `input` while
//! another reads the 8 MiB that `cat` sends back from `output`. A socket
//! wrapper that stepped off tokio's reactor once lost the writer's wake-up
//! here, and both hung after a few hundred KiB; each test runs on both
//! runtime flavours, bounded by a deadline that only a hang reaches.
// Options are built by assignment, the only way once they are #[non_exhaustive].
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::time::Duration;

use common::{config, create, image, sleeping, Cleanup};
use docker_engine::frames::LogOutput;
use docker_engine::models::ExecConfig;
use docker_engine::{AttachOptions, Attached, StartExecOptions};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

const TOTAL: usize = 8 * 1024 * 1024;
const DEADLINE: Duration = Duration::from_secs(60);

/// The byte at offset `i` of the input: a pattern, so a lost or reordered
/// chunk shows.
fn byte_at(i: usize) -> u8 {
    b'a' + (i % 26) as u8
}

/// Writes `TOTAL` bytes into `input` from one task and reads `output` to its
/// end from another; checks every byte came back, in order, on stdout.
async fn split_round_trip(attached: Attached) {
    let (mut output, mut input) = attached.into_parts();
    let writing = tokio::spawn(async move {
        let chunk_len = 64 * 1024;
        let mut sent = 0;
        while sent < TOTAL {
            let chunk: Vec<u8> = (sent..sent + chunk_len).map(byte_at).collect();
            input.write_all(&chunk).await.expect("write to stdin");
            sent += chunk_len;
        }
        // End of input: `cat` exits once it has written everything back.
        input.shutdown().await.expect("close stdin");
        sent
    });
    let reading = tokio::spawn(async move {
        let mut got = 0;
        while let Some(frame) = output.next().await {
            match frame.expect("output frame") {
                LogOutput::StdOut { message } => {
                    for (k, b) in message.iter().enumerate() {
                        assert_eq!(*b, byte_at(got + k), "byte {}", got + k);
                    }
                    got += message.len();
                }
                other => panic!("unexpected frame {other:?}"),
            }
        }
        got
    });
    let (sent, got) = tokio::time::timeout(DEADLINE, async {
        (writing.await.unwrap(), reading.await.unwrap())
    })
    .await
    .unwrap_or_else(|_| panic!("the split reader and writer did not finish within {DEADLINE:?}"));
    assert_eq!(sent, TOTAL);
    assert_eq!(got, TOTAL, "cat sent back all it read");
}

async fn exec_cat() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let mut cleanup = Cleanup::new();
    let id = sleeping(&docker, &mut cleanup, &image).await;
    let exec = docker.exec();
    let created = exec
        .create(
            &id,
            &ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec!["cat".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let attached = exec
        .start(&created.id, StartExecOptions::default())
        .await
        .unwrap();
    split_round_trip(attached).await;
    let info = exec.inspect(&created.id).await.unwrap();
    assert_eq!(info.exit_code, Some(0), "{info:?}");
}

async fn attach_cat() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let mut body = config(&image, &["cat"]);
    body.open_stdin = Some(true);
    body.stdin_once = Some(true);
    body.attach_stdin = Some(true);
    body.attach_stdout = Some(true);
    body.attach_stderr = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    let mut options = AttachOptions::default();
    options.stream = true;
    options.stdin = true;
    options.stdout = true;
    options.stderr = true;
    let attached = containers.attach(&id, options).await.unwrap();
    containers.start(&id, Default::default()).await.unwrap();
    split_round_trip(attached).await;
    let exit = tokio::time::timeout(DEADLINE, containers.wait(&id, Default::default()))
        .await
        .expect("wait did not answer")
        .unwrap();
    assert_eq!(exit.status_code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_cat_split_multi_thread() {
    exec_cat().await;
}

#[tokio::test(flavor = "current_thread")]
async fn exec_cat_split_current_thread() {
    exec_cat().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_cat_split_multi_thread() {
    attach_cat().await;
}

#[tokio::test(flavor = "current_thread")]
async fn attach_cat_split_current_thread() {
    attach_cat().await;
}
