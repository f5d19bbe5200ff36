//! The codegen's golden outputs compile against api-client-transport and behave on the wire:
//! unknown enum values and fields never break decoding, merge patches say three things,
//! validation names the failing field, integer enums read integers and names.

#[allow(dead_code)]
#[path = "../../xtask/tests/fixtures/petstore.rs"]
mod models;

#[allow(dead_code)]
#[path = "../../xtask/tests/fixtures/petstore_swagger2.rs"]
mod swagger2;

use api_client_transport::{Error, Patch, Validate};
use models::{Pet, PetKind, PetList, PetOwner, PetPatch, PetStatus};
use serde_json::json;
use std::collections::BTreeMap;

fn pet() -> Pet {
    serde_json::from_value(json!({
        "name": "rex",
        "id": "6f1c1a62-5f0b-4b7e-9a52-5f6a1e0e9b1d",
        "status": "available"
    }))
    .unwrap()
}

fn field_of(r: api_client_transport::Result<()>) -> String {
    match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn unknown_string_enum_value_is_kept_and_round_trips() {
    let s: PetStatus = serde_json::from_str("\"adopted-abroad\"").unwrap();
    assert_eq!(s, PetStatus::from("adopted-abroad"));
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"adopted-abroad\"");

    let known: PetStatus = serde_json::from_str("\"on-hold\"").unwrap();
    assert_eq!(known, PetStatus::OnHold);
    assert_eq!(serde_json::to_string(&known).unwrap(), "\"on-hold\"");
    // The spec's own "unknown" value is a regular variant, distinct from the catch-all.
    let u: PetStatus = serde_json::from_str("\"unknown\"").unwrap();
    assert_eq!(u, PetStatus::UnknownValue);
    // The wire value, for query strings and messages.
    assert_eq!(PetStatus::OnHold.as_str(), "on-hold");
    assert_eq!(PetStatus::from("x").to_string(), "x");
    assert_eq!(format!("{}", PetStatus::UnknownValue), "unknown");

    // Inside a struct, through a full round trip.
    let mut p = pet();
    p.status = PetStatus::from("quarantined");
    let back: Pet = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
    assert_eq!(back.status, PetStatus::from("quarantined"));
}

#[test]
fn unknown_fields_are_ignored_and_absent_options_are_not_sent() {
    let p: Pet = serde_json::from_value(json!({
        "name": "rex",
        "id": "6f1c1a62-5f0b-4b7e-9a52-5f6a1e0e9b1d",
        "status": "sold",
        "kind": 1,
        "type": "terrier",
        "nickname": null,
        "field_added_next_year": { "deep": [1, 2] }
    }))
    .unwrap();
    assert_eq!(p.kind, Some(PetKind::Cat));
    assert_eq!(p.r#type.as_deref(), Some("terrier"));
    assert_eq!(p.nickname, None);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({
            "name": "rex",
            "kind": 1,
            "id": "6f1c1a62-5f0b-4b7e-9a52-5f6a1e0e9b1d",
            "status": "sold",
            "type": "terrier"
        })
    );
}

#[test]
fn merge_patch_has_three_states_on_the_wire() {
    let patch = PetPatch {
        name: Patch::Value("max".into()),
        tags: Patch::Null,
        ..PetPatch::default()
    };
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({ "name": "max", "tags": null })
    );
    assert_eq!(serde_json::to_string(&PetPatch::default()).unwrap(), "{}");

    let back: PetPatch = serde_json::from_value(json!({ "tags": null, "age": 3 })).unwrap();
    assert_eq!(back.name, Patch::Absent);
    assert_eq!(back.tags, Patch::Null);
    assert_eq!(back.age, Patch::Value(3));
}

#[test]
fn validation_errors_name_the_field_path() {
    pet().validate().unwrap();

    let mut p = pet();
    p.name = "Rex!".into();
    assert_eq!(field_of(p.validate()), "name");

    let mut p = pet();
    p.tags = Some(vec!["ok".into(), String::new()]);
    assert_eq!(field_of(p.validate()), "tags[1]");
    p.tags = Some(vec!["a".into(); 6]);
    assert_eq!(field_of(p.validate()), "tags");

    let mut p = pet();
    p.attributes = Some(BTreeMap::from([("color".to_string(), "x".repeat(65))]));
    assert_eq!(field_of(p.validate()), "attributes.color");

    let mut p = pet();
    p.owner = Some(PetOwner {
        email: "a".into(),
        phone: None,
    });
    assert_eq!(field_of(p.validate()), "owner.email");
    assert_eq!(field_of(p.validate_at("body")), "body.owner.email");

    let mut p = pet();
    p.age = Some(101);
    assert_eq!(field_of(p.validate()), "age");
    p.age = Some(100);
    p.weight = Some(0.0);
    assert_eq!(field_of(p.validate()), "weight", "the minimum is exclusive");
    p.weight = Some(0.1);
    p.validate().unwrap();

    // A struct that holds itself (boxed by the generator), checked all the way down.
    let mut p = pet();
    p.category = Some(models::Category {
        name: "dogs".into(),
        parent: Some(Box::new(models::Category {
            name: "x".repeat(33),
            parent: None,
        })),
    });
    assert_eq!(field_of(p.validate()), "category.parent.name");

    // Nested models in lists and maps of lists.
    let mut bad = pet();
    bad.name = String::new();
    let list = PetList {
        items: vec![pet(), bad.clone()],
        ..PetList::default()
    };
    assert_eq!(field_of(list.validate()), "items[1].name");
    let list = PetList {
        by_owner: Some(BTreeMap::from([("ann".to_string(), vec![bad])])),
        ..PetList::default()
    };
    assert_eq!(field_of(list.validate()), "by_owner.ann[0].name");

    // Patch: only a set value is checked; null and absent pass.
    let patch = PetPatch {
        name: Patch::Value("UPPER".into()),
        tags: Patch::Null,
        ..PetPatch::default()
    };
    assert_eq!(field_of(patch.validate()), "name");
    PetPatch {
        name: Patch::Null,
        ..PetPatch::default()
    }
    .validate()
    .unwrap();
}

#[test]
fn integer_enum_decodes_from_integer_and_name() {
    for (input, want) in [
        (json!(2), PetKind::HouseBird),
        (json!("house_bird"), PetKind::HouseBird),
        (json!("HouseBird"), PetKind::HouseBird),
        (json!("HOUSEBIRD"), PetKind::HouseBird),
        (json!("2"), PetKind::HouseBird),
        (json!(0), PetKind::Dog),
        (json!("dog"), PetKind::Dog),
        (json!(7), PetKind::from(7)),
    ] {
        let got: PetKind = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(got, want, "from {input}");
    }
    // Always sent as the integer, unknown ones included.
    assert_eq!(serde_json::to_value(PetKind::HouseBird).unwrap(), json!(2));
    assert_eq!(serde_json::to_value(PetKind::from(7)).unwrap(), json!(7));
    // A name it does not know is kept too, and sent back as that name.
    let k: PetKind = serde_json::from_value(json!("parrot")).unwrap();
    assert_eq!(k, PetKind::from("parrot"));
    assert_eq!(k.as_i64(), None);
    assert_eq!(serde_json::to_value(&k).unwrap(), json!("parrot"));
    assert_eq!(PetKind::from("House_Bird"), PetKind::HouseBird);
    assert_eq!(PetKind::HouseBird.as_i64(), Some(2));
    // Neither an integer nor a string: a decode error, not a panic.
    assert!(serde_json::from_value::<PetKind>(json!(true)).is_err());
}

#[test]
fn swagger2_models_decode_open_docker_style_json() {
    let c: swagger2::ContainerInspectResponse = serde_json::from_value(json!({
        "Id": "abc",
        "State": null,
        "HostConfig": {
            "Memory": 1024,
            "RestartPolicy": { "Name": "" },
            "PortBindings": { "80/tcp": [{ "PrivatePort": 80, "Type": "tcp" }], "81/tcp": null }
        },
        "Labels": { "a": "b" },
        "Config": { "anything": [1, "x"] },
        "Mounts": [{ "Source": "/data", "RW": true, "Propagation": "rprivate" }],
        "SomethingNew": 1
    }))
    .unwrap();
    assert_eq!(c.id.as_deref(), Some("abc"));
    assert_eq!(c.state, None);
    let hc = c.host_config.as_ref().unwrap();
    assert_eq!(hc.memory, Some(1024));
    assert_eq!(
        hc.restart_policy.as_ref().unwrap().name,
        Some(swagger2::RestartPolicyName::Empty)
    );
    let bindings = hc.port_bindings.as_ref().unwrap();
    assert_eq!(
        bindings["80/tcp"].as_ref().unwrap()[0].r#type,
        swagger2::PortType::Tcp
    );
    assert_eq!(bindings["81/tcp"], None);
    assert_eq!(c.mounts.as_ref().unwrap()[0].rw, Some(true));

    let mut bad = hc.clone();
    bad.memory = Some(-1);
    assert_eq!(field_of(bad.validate()), "Memory");
}
