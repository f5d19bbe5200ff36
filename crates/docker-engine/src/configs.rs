//! Swarm configs: [`Configs`], reached with [`Docker::configs`] (feature `swarm`).

crate::swarm_store::swarm_store! {
    kind: "config", path: "configs", title: "Configs",
    handle: Configs, accessor: configs,
    model: Config, spec: ConfigSpec,
    filters: ConfigFilters, options: ListConfigsOptions,
    list: [#[doc(alias = "ConfigList")] #[doc(alias = "config_list")]],
    create: [#[doc(alias = "ConfigCreate")] #[doc(alias = "config_create")]],
    inspect: [#[doc(alias = "ConfigInspect")] #[doc(alias = "config_inspect")]],
    remove: [#[doc(alias = "ConfigDelete")] #[doc(alias = "config_delete")]],
    update: [#[doc(alias = "ConfigUpdate")] #[doc(alias = "config_update")]],
}
