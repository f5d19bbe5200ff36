//! Swarm secrets: [`Secrets`], reached with [`Docker::secrets`] (feature `swarm`).

crate::swarm_store::swarm_store! {
    kind: "secret", path: "secrets", title: "Secrets",
    handle: Secrets, accessor: secrets,
    model: Secret, spec: SecretSpec,
    filters: SecretFilters, options: ListSecretsOptions,
    list: [#[doc(alias = "SecretList")] #[doc(alias = "secret_list")]],
    create: [#[doc(alias = "SecretCreate")] #[doc(alias = "secret_create")]],
    inspect: [#[doc(alias = "SecretInspect")] #[doc(alias = "secret_inspect")]],
    remove: [#[doc(alias = "SecretDelete")] #[doc(alias = "secret_delete")]],
    update: [#[doc(alias = "SecretUpdate")] #[doc(alias = "secret_update")]],
}
