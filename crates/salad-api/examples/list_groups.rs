//! Lists the container groups of a project and the instances of each.
//!
//! ```sh
//! export SALAD_API_KEY=...            # from the SaladCloud portal
//! export SALAD_ORGANIZATION=acme-corp
//! export SALAD_PROJECT=dev-env
//! cargo run -p salad-api --example list_groups
//! ```
//!
//! `SALAD_API_BASE_URL` points the example at another server (a mock, say).

use std::process::ExitCode;

use salad_api::Client;

fn required(name: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(format!("{name} is not set")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let settings = (
        required("SALAD_API_KEY"),
        required("SALAD_ORGANIZATION"),
        required("SALAD_PROJECT"),
    );
    let (organization, project) = match settings {
        (Ok(_), Ok(organization), Ok(project)) => (organization, project),
        (key, organization, project) => {
            for missing in [key.err(), organization.err(), project.err()]
                .into_iter()
                .flatten()
            {
                eprintln!("error: {missing}");
            }
            eprintln!(
                "usage: SALAD_API_KEY=... SALAD_ORGANIZATION=... SALAD_PROJECT=... list_groups"
            );
            return ExitCode::from(2);
        }
    };
    match run(&organization, &project).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(problem) = err.problem() {
                if let Some(kind) = problem.code() {
                    eprintln!("  problem type: {kind}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(organization: &str, project: &str) -> salad_api::Result<()> {
    let client = Client::from_env()?;
    let groups = client.project(organization, project)?.container_groups();
    let list = groups.list().await?;
    if list.items.is_empty() {
        println!("no container groups in {organization}/{project}");
    }
    for group in &list.items {
        let state = &group.current_state;
        println!(
            "{} ({}): {} | {} of {} replicas running | {}",
            group.name,
            group.display_name,
            // An enum displays its wire value, e.g. `running` (unknown values included).
            state.status,
            state.instance_status_counts.running_count,
            group.replicas,
            group.container.image,
        );
        for instance in groups.list_instances(&group.name).await?.instances {
            println!(
                "  {} on {}: {}{}",
                instance.id,
                instance.machine_id,
                instance.state,
                if instance.ready == Some(true) {
                    ", ready"
                } else {
                    ""
                },
            );
        }
    }
    Ok(())
}
