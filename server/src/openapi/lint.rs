//! The spec lint: the document is checked against the types the server really speaks
//! and against the conventions every operation follows. A failure names the place.

use std::collections::BTreeSet;

use cdmx_sdk::types::*;
use serde::Serialize;
use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(super::document()).expect("the document serialises")
}

fn wire_names<T: Serialize>(all: &[T]) -> Vec<String> {
    all.iter()
        .map(|value| match serde_json::to_value(value) {
            Ok(Value::String(name)) => name,
            other => panic!("a closed set serialises to a string, got {other:?}"),
        })
        .collect()
}

/// Every `$ref` in `value`, with where it was found.
fn references(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(reference)) => out.push((at.to_owned(), reference.to_owned())),
                    _ => references(inner, &format!("{at}/{key}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                references(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let document = document();
    let mut found = Vec::new();
    references(&document, "", &mut found);
    assert!(found.len() > 100, "the document has references to check");
    let dangling: Vec<_> = found
        .iter()
        .filter(|(_, reference)| {
            let pointer = reference.trim_start_matches('#');
            !reference.starts_with("#/") || document.pointer(pointer).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "dangling references: {dangling:#?}");
}

#[test]
fn every_closed_set_lists_its_wire_names() {
    let document = document();
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let mut checked = BTreeSet::new();
    macro_rules! check {
        ($($set:ident),+ $(,)?) => {$(
            let schema = schemas
                .get(stringify!($set))
                .unwrap_or_else(|| panic!("{} is not in the document", stringify!($set)));
            let listed: Vec<String> = schema["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{} has no enum", stringify!($set)))
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(listed, wire_names($set::ALL), "{}: the schema's enum is not what serde writes", stringify!($set));
            for name in &listed {
                let parsed: $set = serde_json::from_value(Value::String(name.clone()))
                    .unwrap_or_else(|e| panic!("{}: the server rejects its own value {name}: {e}", stringify!($set)));
                assert_eq!(parsed.as_str(), name);
            }
            checked.insert(stringify!($set).to_owned());
        )+};
    }
    check!(
        PrincipalKind,
        ApiKeyScope,
        SlotKind,
        ReservationState,
        Criterion,
        MissingDataPolicy,
        OrganizationKind,
        Role,
        CdmoType,
        CleanroomGrade,
        Authority,
        LicenceKind,
        LicensedActivity,
        AcceptedBatches,
        AcceptabilityMethod,
        InspectionOutcome,
        DonorSource,
        Modality,
        GeneModificationMethod,
        VectorSupply,
        Phase,
        Platform,
        FillAutomation,
        QcAssay,
        Region,
        HubScope,
        ProfileSection,
        Confidence,
        EvidenceKind,
        EvidenceStatus,
        ProfileSort,
        DatabaseBackend,
        ConstraintCode,
        ConstraintClass,
        Unit,
        ListingStatus,
        UnlistReason,
        ListingEventKind,
        AuditAction,
        AuditObjectKind,
        DecisionOutcome,
        EventType,
        EventObjectKind,
        RfiState,
        QuoteState,
        WebhookDeliveryState,
    );
    // Every enum in the document is one of the closed sets checked above.
    let enums: BTreeSet<String> = schemas
        .iter()
        .filter(|(_, schema)| schema.get("enum").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(enums, checked, "an enum schema is not covered by this test");
}

#[test]
fn every_operation_is_named_tagged_described_and_lists_its_errors() {
    let document = document();
    let declared_tags: BTreeSet<&str> = document["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|tag| {
            let name = tag["name"].as_str().unwrap_or_default();
            assert!(
                tag["description"].as_str().is_some_and(|d| !d.is_empty()),
                "tag {name} has no description"
            );
            name
        })
        .collect();
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            operations += 1;
            let at = format!("{} {path}", method.to_uppercase());
            assert!(
                op["operationId"].as_str().is_some_and(|id| !id.is_empty()),
                "{at}: no operationId"
            );
            let tags = op["tags"].as_array().cloned().unwrap_or_default();
            assert!(!tags.is_empty(), "{at}: no tag");
            for tag in &tags {
                let tag = tag.as_str().unwrap_or_default();
                assert!(
                    declared_tags.contains(tag),
                    "{at}: tag {tag} is not declared"
                );
            }
            assert!(
                op["description"].as_str().is_some_and(|d| d.len() > 10),
                "{at}: no description"
            );
            assert!(
                op["summary"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty() && !s.contains('\n')),
                "{at}: the summary should be one line"
            );
            let responses = op["responses"].as_object().expect("responses");
            let has = |status: &str| responses.contains_key(status);
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{at}: no success response"
            );
            assert!(has("500"), "{at}: no 500");
            let secured = op.get("security").is_none();
            if secured {
                assert!(has("401") && has("403"), "{at}: secured but no 401/403");
            }
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            if parameters.iter().any(|p| p["in"] == "path") {
                assert!(has("404"), "{at}: has a path parameter but no 404");
            }
            if parameters.iter().any(|p| p["in"] == "query") {
                assert!(has("400"), "{at}: has query parameters but no 400");
            }
            if let Some(body) = op.get("requestBody") {
                for status in ["400", "413", "415", "422"] {
                    assert!(has(status), "{at}: has a body but no {status}");
                }
                let content = body["content"].as_object().expect("body content");
                for (media, content) in content {
                    assert!(
                        content.get("example").is_some_and(|e| !e.is_null()),
                        "{at}: the {media} request body has no example"
                    );
                }
            }
            for (status, response) in responses {
                let response = match response.get("$ref").and_then(Value::as_str) {
                    Some(reference) => document
                        .pointer(reference.trim_start_matches('#'))
                        .unwrap_or_else(|| panic!("{at} {status}: dangling")),
                    None => response,
                };
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{at} {status}: no description"
                );
                if status != "204" && status != "304" {
                    assert!(
                        response["content"]
                            .as_object()
                            .is_some_and(|c| !c.is_empty()),
                        "{at} {status}: no content"
                    );
                }
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{at} {status}: an error that is not a problem document"
                    );
                }
            }
        }
    }
    assert!(operations >= 48, "only {operations} operations");
}

#[test]
fn binary_bodies_are_binary_strings_under_their_media_types() {
    let document = document();
    let content =
        &document["paths"]["/v1/shortlists/{id}/report"]["get"]["responses"]["200"]["content"];
    for media in [
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
        "text/html",
    ] {
        let schema = &content[media]["schema"];
        assert_eq!(schema["type"], "string", "{media}: {schema}");
        assert_eq!(schema["format"], "binary", "{media}: {schema}");
    }
}

#[test]
fn composed_schemas_accept_the_fields_of_both_parts() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    for name in ["CapacityBlock", "Program"] {
        let schema = &schemas[name];
        assert!(schema.get("allOf").is_none(), "{name} is still an allOf");
        let properties = schema["properties"].as_object().expect("properties");
        assert!(properties.contains_key("id"), "{name} lacks its own fields");
    }
    assert!(
        schemas["CapacityBlock"]["properties"]
            .get("slot_kind")
            .is_some()
    );
    assert!(
        schemas["Program"]["properties"]
            .get("requirements")
            .is_some()
    );
    // Request schemas are closed, as the server's parsing is.
    assert_eq!(schemas["NewCapacityBlock"]["additionalProperties"], false);
    assert_eq!(schemas["CapabilityProfile"]["additionalProperties"], false);
}
