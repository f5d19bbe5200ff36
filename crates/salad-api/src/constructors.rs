//! Constructors for the request bodies whose required fields have no useful
//! default, so a caller names only what the API requires and sets the rest by
//! field.

use crate::models::{
    ContainerResourceRequirements, ContainerRestartPolicy, CreateContainer, CreateContainerGroup,
    CreateQueue, GpuAvailabilityRequest, GpuClass,
};

impl CreateContainerGroup {
    /// A group body with the fields the API requires; every optional field is
    /// left out and `autostart_policy` is `false` (the group is created
    /// stopped). Set anything else by field before sending.
    ///
    /// ```
    /// use salad_api::models::{
    ///     ContainerResourceRequirements, ContainerRestartPolicy, CreateContainer,
    ///     CreateContainerGroup,
    /// };
    /// let mut group = CreateContainerGroup::new(
    ///     "mandelbrot",
    ///     CreateContainer::new(
    ///         "ghcr.io/acme/mandelbrot:1.4.2",
    ///         ContainerResourceRequirements::new(4, 16 * 1024),
    ///     ),
    ///     ContainerRestartPolicy::Always,
    ///     3,
    /// );
    /// group.autostart_policy = true;
    /// assert_eq!(group.container.resources.memory, 16384);
    /// ```
    pub fn new(
        name: impl Into<String>,
        container: CreateContainer,
        restart_policy: ContainerRestartPolicy,
        replicas: i32,
    ) -> Self {
        CreateContainerGroup {
            name: name.into(),
            display_name: None,
            container,
            autostart_policy: false,
            restart_policy,
            replicas,
            country_codes: None,
            networking: None,
            liveness_probe: None,
            readiness_probe: None,
            startup_probe: None,
            queue_connection: None,
            queue_autoscaler: None,
            scaling_actions: None,
            scheduled_scaling_enabled: None,
        }
    }
}

impl CreateContainer {
    /// A container running `image` with `resources`; every optional field is
    /// left out.
    pub fn new(image: impl Into<String>, resources: ContainerResourceRequirements) -> Self {
        CreateContainer {
            image: image.into(),
            resources,
            ..Default::default()
        }
    }
}

impl ContainerResourceRequirements {
    /// `cpu` virtual CPUs and `memory` MiB, with no GPU class and the default
    /// storage and shared memory.
    pub fn new(cpu: i32, memory: i32) -> Self {
        ContainerResourceRequirements {
            cpu,
            memory,
            ..Default::default()
        }
    }
}

impl CreateQueue {
    /// A queue named `name` (2 to 63 characters of `a-z`, `0-9` and `-`);
    /// the display name is left to the server, which uses the name.
    pub fn new(name: impl Into<String>) -> Self {
        CreateQueue {
            name: name.into(),
            display_name: None,
        }
    }
}

impl GpuAvailabilityRequest {
    /// A capacity question for nodes of any of `classes` (as read from
    /// [`Organization::list_gpu_classes`](crate::Organization::list_gpu_classes)),
    /// of any size and in any country.
    pub fn new<'a>(classes: impl IntoIterator<Item = &'a GpuClass>) -> Self {
        GpuAvailabilityRequest {
            gpu_classes: classes.into_iter().map(|c| c.id.clone()).collect(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client_transport::Validate;

    #[test]
    fn constructed_bodies_are_valid_and_minimal() {
        let group = CreateContainerGroup::new(
            "mandelbrot",
            CreateContainer::new(
                "ghcr.io/acme/mandelbrot:1.4.2",
                ContainerResourceRequirements::new(2, 2048),
            ),
            ContainerRestartPolicy::Never,
            1,
        );
        group.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&group).unwrap(),
            serde_json::json!({
                "name": "mandelbrot",
                "container": {
                    "image": "ghcr.io/acme/mandelbrot:1.4.2",
                    "resources": {"cpu": 2, "memory": 2048}
                },
                "autostart_policy": false,
                "restart_policy": "never",
                "replicas": 1
            })
        );
    }
}
