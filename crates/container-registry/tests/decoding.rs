//! The wire quirks: enums as integers out and names in, `null` lists, unknown
//! values kept; and every example of `openapi.json` decodes into its model.

use container_registry_client::models::{
    BuildOptions, ContainerDetailResp, ContainerResp, ContainerType, ContainerVersionDetailResp,
    ContainerVersionResp, CreateContainerReq, CreateContainerVersionReq, CreateHelmConfigReq,
    CreateParameterConfigReq, DateRange, FilterOperator, HealthCheckResp, HelmConfigDetailResp,
    LabelItem, ListContainerResp, ListContainerVersionResp, ListTaskResp, LoginReq, LoginResp,
    PaginationInfo, ParameterCategory, ParameterType, SearchContainerReq, SearchContainerResp,
    SearchFilter, SortDirection, SortOption, StatusType, SubmitBuildContainerReq,
    SubmitContainerBuildResp, TaskDetailResp, TaskResp, TaskState, TraceEventData, UserInfo,
};
use serde_json::{json, Value};

#[test]
fn enums_are_sent_as_integers() {
    assert_eq!(
        serde_json::to_value(ContainerType::Algorithm).unwrap(),
        json!(0)
    );
    assert_eq!(
        serde_json::to_value(ContainerType::Benchmark).unwrap(),
        json!(1)
    );
    assert_eq!(
        serde_json::to_value(ContainerType::Pedestal).unwrap(),
        json!(2)
    );
    assert_eq!(
        serde_json::to_value(StatusType::Deleted).unwrap(),
        json!(-1)
    );
    assert_eq!(
        serde_json::to_value(StatusType::Disabled).unwrap(),
        json!(0)
    );
    assert_eq!(serde_json::to_value(StatusType::Enabled).unwrap(), json!(1));
    let req = CreateContainerReq::new("x").container_type(ContainerType::Benchmark);
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"name": "x", "type": 1})
    );
}

#[test]
fn enum_names_and_integers_both_decode() {
    for (wire, want) in [
        (json!("algorithm"), ContainerType::Algorithm),
        (json!("benchmark"), ContainerType::Benchmark),
        (json!("pedestal"), ContainerType::Pedestal),
        (json!(0), ContainerType::Algorithm),
        (json!(2), ContainerType::Pedestal),
    ] {
        let c: ContainerResp = serde_json::from_value(json!({"type": wire})).unwrap();
        assert_eq!(c.r#type, Some(want), "{wire}");
    }
    for (wire, want) in [
        (json!("deleted"), StatusType::Deleted),
        (json!("disabled"), StatusType::Disabled),
        (json!("enabled"), StatusType::Enabled),
        (json!(-1), StatusType::Deleted),
        (json!(1), StatusType::Enabled),
    ] {
        let c: ContainerResp = serde_json::from_value(json!({"status": wire})).unwrap();
        assert_eq!(c.status, Some(want), "{wire}");
    }
}

#[test]
fn unknown_enum_values_are_kept() {
    // The server names values it cannot map "unknown"; a newer one may add kinds.
    let c: ContainerResp = serde_json::from_value(json!({
        "type": "sidecar", "status": "unknown"
    }))
    .unwrap();
    let kind = c.r#type.unwrap();
    assert_eq!(kind, ContainerType::from("sidecar"));
    assert_eq!(serde_json::to_value(&kind).unwrap(), json!("sidecar"));
    let status = c.status.unwrap();
    assert_eq!(status, StatusType::from("unknown"));
    assert_eq!(serde_json::to_value(&status).unwrap(), json!("unknown"));

    let c: ContainerResp = serde_json::from_value(json!({"type": 7, "status": 5})).unwrap();
    assert_eq!(c.r#type, Some(ContainerType::from(7)));
    assert_eq!(serde_json::to_value(c.r#type.unwrap()).unwrap(), json!(7));
    assert_eq!(serde_json::to_value(c.status.unwrap()).unwrap(), json!(5));

    let f: SearchFilter =
        serde_json::from_value(json!({"field": "name", "operator": "regex", "value": ".*"}))
            .unwrap();
    assert_eq!(f.operator, FilterOperator::from("regex"));
    assert_eq!(serde_json::to_value(&f).unwrap()["operator"], "regex");
}

#[test]
fn null_and_missing_lists_read_as_empty() {
    let l: ListContainerResp = serde_json::from_value(json!({"items": null})).unwrap();
    assert!(l.items.is_empty());
    let l: ListContainerResp = serde_json::from_value(json!({})).unwrap();
    assert!(l.items.is_empty());
    let d: ContainerDetailResp =
        serde_json::from_value(json!({"id": 1, "labels": null, "versions": null})).unwrap();
    assert!(d.labels.is_empty());
    assert!(d.versions.is_empty());
    let s: SearchContainerResp = serde_json::from_value(json!({
        "items": null, "applied_filters": null, "applied_sort": null, "pagination": null
    }))
    .unwrap();
    assert!(s.items.is_empty());
    assert!(s.applied_filters.is_empty());
    assert!(s.applied_sort.is_empty());
    assert!(s.pagination.is_none());
}

#[test]
fn new_server_fields_are_ignored() {
    let c: ContainerVersionResp = serde_json::from_value(json!({
        "id": 1, "name": "1.0.0", "digest": "sha256:abc", "extra": {"nested": [1, 2]}
    }))
    .unwrap();
    assert_eq!(c.id, Some(1));
}

#[test]
fn secrets_do_not_print() {
    let login = LoginReq {
        username: "alice".into(),
        password: "hunter2".into(),
    };
    assert!(!format!("{login:?}").contains("hunter2"));
    assert_eq!(serde_json::to_value(&login).unwrap()["password"], "hunter2");
    let resp: LoginResp = serde_json::from_value(json!({"token": "eyJ.secret.jwt"})).unwrap();
    assert!(!format!("{resp:?}").contains("secret"));
    assert_eq!(resp.token.unwrap().expose(), "eyJ.secret.jwt");
}

/// Decodes `value` into the model named `name`, and re-encodes a model that is
/// also sent: the result must decode again to the same model.
fn decode_as(name: &str, value: &Value) -> Result<(), String> {
    /// An answer-only model (no `Serialize`): it decodes.
    fn read<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(value.clone())
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn round<T>(value: &Value) -> Result<(), String>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        let t: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        let again: T = serde_json::from_value(serde_json::to_value(&t).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        if t != again {
            return Err(format!("round trip changed {t:?} into {again:?}"));
        }
        Ok(())
    }
    match name {
        "ContainerType" => round::<ContainerType>(value),
        "StatusType" => round::<StatusType>(value),
        "ParameterCategory" => round::<ParameterCategory>(value),
        "ParameterType" => round::<ParameterType>(value),
        "FilterOperator" => round::<FilterOperator>(value),
        "SortDirection" => round::<SortDirection>(value),
        "LoginReq" => round::<LoginReq>(value),
        "LoginResp" => read::<LoginResp>(value),
        "UserInfo" => read::<UserInfo>(value),
        "LabelItem" => read::<LabelItem>(value),
        "PaginationInfo" => read::<PaginationInfo>(value),
        "ContainerResp" => read::<ContainerResp>(value),
        "ContainerDetailResp" => read::<ContainerDetailResp>(value),
        "ContainerVersionResp" => read::<ContainerVersionResp>(value),
        "ContainerVersionDetailResp" => read::<ContainerVersionDetailResp>(value),
        "HelmConfigDetailResp" => read::<HelmConfigDetailResp>(value),
        "ListContainerResp" => read::<ListContainerResp>(value),
        "ListContainerVersionResp" => read::<ListContainerVersionResp>(value),
        "SubmitContainerBuildResp" => read::<SubmitContainerBuildResp>(value),
        "SearchFilter" => round::<SearchFilter>(value),
        "SortOption" => round::<SortOption>(value),
        "DateRange" => round::<DateRange>(value),
        "SearchContainerReq" => round::<SearchContainerReq>(value),
        "SearchContainerResp" => read::<SearchContainerResp>(value),
        "CreateParameterConfigReq" => round::<CreateParameterConfigReq>(value),
        "CreateHelmConfigReq" => round::<CreateHelmConfigReq>(value),
        "CreateContainerVersionReq" => round::<CreateContainerVersionReq>(value),
        "CreateContainerReq" => round::<CreateContainerReq>(value),
        "BuildOptions" => round::<BuildOptions>(value),
        "SubmitBuildContainerReq" => round::<SubmitBuildContainerReq>(value),
        "TaskState" => round::<TaskState>(value),
        "TaskResp" => read::<TaskResp>(value),
        "TaskDetailResp" => read::<TaskDetailResp>(value),
        "ListTaskResp" => read::<ListTaskResp>(value),
        "HealthCheckResp" => read::<HealthCheckResp>(value),
        "TraceEventData" => read::<TraceEventData>(value),
        "ErrorEnvelope" => Ok(()),
        other => Err(format!("no model mapped for schema {other}")),
    }
}

fn spec() -> Value {
    serde_json::from_str(include_str!("../openapi.json")).unwrap()
}

#[test]
fn every_schema_example_decodes_into_its_model() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (name, schema) in schemas {
        // Every schema has a model in the map, example or not.
        decode_as(name, &schema["example"].clone())
            .or_else(|e| {
                if schema.get("example").is_none() {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if schema.get("example").is_some() {
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples");
}

#[test]
fn every_operation_example_decodes_into_its_model() {
    let spec = spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                let media = &resp["content"]["application/json"];
                let Some(example) = media.get("example") else {
                    continue;
                };
                let data_ref = media["schema"]["allOf"][1]["properties"]["data"]["$ref"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} {status}: no data schema"));
                let model = data_ref.rsplit('/').next().unwrap();
                assert_eq!(example["code"].as_u64().unwrap().to_string(), *status);
                decode_as(model, &example["data"])
                    .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
}
