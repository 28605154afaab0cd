//! The ranges and lengths the document states are the server's own. Every `minimum`,
//! `maximum`, `minLength`, `maxLength` and `minItems` on a request body field (reached
//! from the operation's example) or on a query parameter is read from the checked-in
//! `openapi/cdmx.json`; a live server with the demo data must accept the boundary value
//! and refuse the value one past it with 400 or 422 naming the field. A bound the
//! document states and this test cannot reach fails the test, so the document and the
//! validation cannot drift apart unnoticed.

use std::collections::BTreeSet;

use reqwest::header::{ETAG, HeaderMap};
use serde_json::{Value, json};

use crate::openapi_examples::{World, demo_world, document, example_webhook, path_as_given};

const KEYWORDS: [&str; 6] = [
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
];

/// Bounds this test does not send, with the reason.
const NOT_SENT: &[(&str, &str)] = &[
    // A weight range's ends bound each other (min ≤ max) and the ranges together must
    // admit weights summing to 1, so a boundary value alone can make the set invalid;
    // `acceptability::bad_weight_regions_are_422_naming_the_field` sends ends past the
    // bounds.
    ("/components/schemas/WeightRange/properties/min", "minimum"),
    ("/components/schemas/WeightRange/properties/min", "maximum"),
    ("/components/schemas/WeightRange/properties/max", "minimum"),
    ("/components/schemas/WeightRange/properties/max", "maximum"),
    (
        // Revisions start at 1: `against=0` names a revision that does not exist (404).
        "diff_cdmo_revisions?against",
        "minimum",
    ),
    // A password change that is accepted revokes the token that sent it, and every case
    // after it would be refused (401). The new password is read by the rule of every
    // password (`Password::parse`), whose bounds are sent with `create_user`; the e2e
    // test `sessions::password_changes_check_the_current_and_the_new_password` sends
    // these ones.
    (
        "/components/schemas/ChangePasswordRequest/properties/new_password",
        "minLength",
    ),
    (
        "/components/schemas/ChangePasswordRequest/properties/new_password",
        "maxLength",
    ),
    (
        // The hold limits (10 slots per block by default) refuse 10,000 slots with 409
        // first; `edges::out_of_range_numbers_and_dates_are_422_naming_the_field` sends
        // the value past the bound.
        "/components/schemas/NewReservation/properties/slots",
        "maximum",
    ),
    // An RFI takes one answer: the demo RFI the example quotes on is answered by the
    // first accepted case, and every later one is 409. `rfis::a_bad_offer_is_refused_
    // naming_the_field_and_writes_nothing` sends offers past the bounds.
    (
        "/components/schemas/NewQuote/properties/price_per_batch",
        "minimum",
    ),
    (
        "/components/schemas/NewQuote/properties/tech_transfer_cost",
        "minimum",
    ),
    (
        "/components/schemas/NewQuote/properties/tech_transfer_weeks",
        "minimum",
    ),
    ("/components/schemas/SlotOffer/properties/slots", "minimum"),
    (
        // Each block at most once, and the demo has two blocks of one CDMO: 20 copies of
        // the example's block are 422 for the repeats, not the count.
        // `allocations::bad_split_settings_and_allocation_holds_are_422_naming_the_field`
        // sends 21 blocks.
        "/components/schemas/NewAllocationHold/properties/blocks",
        "maxItems",
    ),
];

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The field as the server names it in problem documents: `sites[0].latitude`.
fn field_name(path: &[Step]) -> String {
    let mut name = String::new();
    for step in path {
        match step {
            Step::Key(key) if name.is_empty() => name.push_str(key),
            Step::Key(key) => name.push_str(&format!(".{key}")),
            Step::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    name
}

/// Sets the value at `path`, adding the last member of an object when it is absent.
fn set(root: &mut Value, path: &[Step], value: Value) {
    let (last, parents) = path.split_last().expect("a field, not the whole body");
    let mut parent = root;
    for step in parents {
        parent = match step {
            Step::Key(key) => &mut parent[key.as_str()],
            Step::Index(i) => &mut parent[*i],
        };
    }
    match last {
        Step::Key(key) => parent[key.as_str()] = value,
        Step::Index(i) => parent[*i] = value,
    }
}

fn get<'v>(root: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, step| match step {
        Step::Key(key) => v.get(key.as_str()),
        Step::Index(i) => v.get(*i),
    })
}

/// The schema a `$ref` chain ends at, with its JSON pointer in the document.
fn resolve<'d>(document: &'d Value, pointer: String, schema: &'d Value) -> (String, &'d Value) {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = reference.trim_start_matches('#').to_owned();
            let schema = document
                .pointer(&target)
                .unwrap_or_else(|| panic!("dangling {reference}"));
            resolve(document, target, schema)
        }
        None => (pointer, schema),
    }
}

/// The schema and the branches of its compositions, resolved.
fn branches<'d>(
    document: &'d Value,
    pointer: String,
    schema: &'d Value,
) -> Vec<(String, &'d Value)> {
    let (pointer, schema) = resolve(document, pointer, schema);
    let mut out = vec![(pointer.clone(), schema)];
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, sub) in schema[key].as_array().into_iter().flatten().enumerate() {
            out.extend(branches(document, format!("{pointer}/{key}/{i}"), sub));
        }
    }
    out
}

fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A string of `length` characters shaped like `example` (an email stays an email, a
/// URL a URL), or `None` when no such string is that short.
fn string_of_length(example: &str, length: usize) -> Option<String> {
    if let Some((_, domain)) = example.split_once('@') {
        let domain = format!("@{domain}");
        let local = length.checked_sub(domain.len()).filter(|n| *n > 0)?;
        return Some(format!("{}{domain}", "a".repeat(local)));
    }
    if example.starts_with("http") {
        let base = "https://a.example/";
        let rest = length.checked_sub(base.len())?;
        return Some(format!("{base}{}", "a".repeat(rest)));
    }
    Some("a".repeat(length))
}

fn number(limit: f64) -> Value {
    if limit.fract() == 0.0 {
        json!(limit as i64)
    } else {
        json!(limit)
    }
}

/// One value to send for one documented bound.
#[derive(Debug, Clone)]
struct Case {
    /// Where the bound is stated: the schema's JSON pointer and the keyword.
    bound: (String, &'static str),
    path: Vec<Step>,
    value: Value,
    /// Whether the document says the value is valid.
    valid: bool,
}

/// The boundary value and the one past it for each bound of `schema`, given the value
/// the example has there (`None`: absent).
fn cases_for(
    pointer: &str,
    schema: &Value,
    example: Option<&Value>,
    path: &[Step],
    out: &mut Vec<Case>,
) {
    let kinds = types(schema);
    let last_key = match path.last() {
        Some(Step::Key(key)) => key.as_str(),
        _ => "",
    };
    for keyword in KEYWORDS {
        let Some(limit) = schema.get(keyword).and_then(Value::as_f64) else {
            continue;
        };
        let mut push = |value: Value, valid: bool| {
            out.push(Case {
                bound: (pointer.to_owned(), keyword),
                path: path.to_vec(),
                value,
                valid,
            })
        };
        let numeric = kinds.iter().any(|t| *t == "integer" || *t == "number");
        match keyword {
            "minimum" if numeric => {
                push(number(limit), true);
                push(number(limit - 1.0), false);
            }
            "maximum" if numeric => {
                push(number(limit), true);
                push(number(limit + 1.0), false);
            }
            "minLength" | "maxLength" if kinds.contains(&"string") => {
                let shape = match example {
                    Some(Value::String(text)) => text.clone(),
                    _ if matches!(last_key, "url" | "website") => "https://".to_owned(),
                    _ => String::new(),
                };
                let limit = limit as usize;
                let (inside, outside) = if keyword == "minLength" {
                    (Some(limit), limit.checked_sub(1))
                } else {
                    (Some(limit), Some(limit + 1))
                };
                for (length, valid) in [(inside, true), (outside, false)] {
                    if let Some(text) = length.and_then(|n| string_of_length(&shape, n)) {
                        push(json!(text), valid);
                    }
                }
            }
            "minItems" => {
                if let Some(Value::Array(items)) = example {
                    let limit = limit as usize;
                    if items.len() >= limit {
                        push(json!(items[..limit]), true);
                    }
                    if let Some(fewer) = limit.checked_sub(1) {
                        push(json!(items[..fewer.min(items.len())]), false);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Every case reachable from `example` under `schema` (the first element of each array
/// stands for all of them; absent scalar members are added).
fn walk(
    document: &Value,
    pointer: String,
    schema: &Value,
    example: Option<&Value>,
    path: &[Step],
    out: &mut Vec<Case>,
) {
    for (pointer, branch) in branches(document, pointer, schema) {
        let scalar = types(branch)
            .iter()
            .any(|t| matches!(*t, "integer" | "number" | "string"));
        if example.is_some() || scalar {
            cases_for(&pointer, branch, example, path, out);
        }
        if let (Some(Value::Object(members)), Some(properties)) =
            (example, branch["properties"].as_object())
        {
            for (name, sub) in properties {
                let mut at = path.to_vec();
                at.push(Step::Key(name.clone()));
                walk(
                    document,
                    format!(
                        "{pointer}/properties/{}",
                        name.replace('~', "~0").replace('/', "~1")
                    ),
                    sub,
                    members.get(name),
                    &at,
                    out,
                );
            }
        }
        if let (Some(Value::Array(items)), Some(sub)) = (example, branch.get("items"))
            && let Some(first) = items.first()
        {
            let mut at = path.to_vec();
            at.push(Step::Index(0));
            walk(
                document,
                format!("{pointer}/items"),
                sub,
                Some(first),
                &at,
                out,
            );
        }
    }
}

/// Every bound stated under `schema`, as (pointer, keyword), without an example.
fn all_bounds(
    document: &Value,
    pointer: String,
    schema: &Value,
    seen: &mut BTreeSet<String>,
    out: &mut BTreeSet<(String, &'static str)>,
) {
    for (pointer, branch) in branches(document, pointer, schema) {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        for keyword in KEYWORDS {
            if branch.get(keyword).is_some() {
                out.insert((pointer.clone(), keyword));
            }
        }
        for (name, sub) in branch["properties"].as_object().into_iter().flatten() {
            let at = format!(
                "{pointer}/properties/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            all_bounds(document, at, sub, seen, out);
        }
        if let Some(sub) = branch.get("items") {
            all_bounds(document, format!("{pointer}/items"), sub, seen, out);
        }
    }
}

/// Keeps a `_min`/`_max` pair consistent when one of them is set to a valid bound, so
/// that the only rule a valid case can break is the one under test.
fn keep_pair_ordered(body: &mut Value, path: &[Step], value: &Value) {
    let Some((Step::Key(key), parent)) = path.split_last() else {
        return;
    };
    let Some(value) = value.as_f64() else { return };
    let (other, value_is_min) = if let Some(stem) = key.strip_suffix("_min") {
        (format!("{stem}_max"), true)
    } else if let Some(stem) = key.strip_suffix("_max") {
        (format!("{stem}_min"), false)
    } else if let Some(stem) = key.strip_prefix("min_") {
        (format!("max_{stem}"), true)
    } else if let Some(stem) = key.strip_prefix("max_") {
        (format!("min_{stem}"), false)
    } else {
        return;
    };
    let mut sibling = parent.to_vec();
    sibling.push(Step::Key(other));
    if let Some(current) = get(body, &sibling).and_then(Value::as_f64)
        && ((value_is_min && current < value) || (!value_is_min && current > value))
    {
        set(body, &sibling, number(value));
    }
}

/// What the server answered one case, or what was wrong with the answer.
fn judge(case_at: &str, valid: bool, field: &str, status: u16, answer: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(answer);
    if valid {
        return (!(200..300).contains(&status))
            .then(|| format!("{case_at}: the boundary value was refused with {status}: {text}"));
    }
    if status != 400 && status != 422 {
        return Some(format!(
            "{case_at}: the value past the bound was answered {status}, not 400/422: {text}"
        ));
    }
    let problem: Value = serde_json::from_slice(answer).unwrap_or_default();
    let named = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["field"] == field);
    (!named).then(|| format!("{case_at}: refused without naming `{field}`: {text}"))
}

/// The document's operation ids with their method, path template and operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            out.push((method.clone(), template.clone(), operation.clone()));
        }
    }
    out
}

fn fresh_email() -> String {
    format!("bounds-{}@bounds.example", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn every_documented_bound_is_the_one_the_server_enforces() {
    let document = document();
    let world = demo_world().await;
    // A block without holds, so that its slots may drop to the documented minimum.
    let spare = spare_capacity_block(&world).await;
    let mut failures = Vec::new();
    let mut stated = BTreeSet::new();
    let mut sent = BTreeSet::new();

    for (method, template, operation) in operations(&document) {
        let operation_id = operation["operationId"].as_str().unwrap().to_owned();
        if let Some(request_body) = operation.get("requestBody") {
            let (media, content) = request_body["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .unwrap();
            let pointer = format!(
                "/paths/{}/{method}/requestBody/content/{}/schema",
                template.replace('~', "~0").replace('/', "~1"),
                media.replace('~', "~0").replace('/', "~1"),
            );
            all_bounds(
                &document,
                pointer.clone(),
                &content["schema"],
                &mut BTreeSet::new(),
                &mut stated,
            );
            if operation_id == "change_password" {
                // See NOT_SENT.
                continue;
            }
            if operation_id == "create_cdmo_profile" {
                // One profile per organisation: its schema is replace_cdmo_profile's,
                // whose bounds are sent below.
                let replace = &document["paths"]["/v1/cdmos/{id}"]["put"]["requestBody"];
                assert_eq!(
                    content["schema"], replace["content"][media]["schema"],
                    "create and replace take the same profile"
                );
                continue;
            }
            let token = world.token_for(&operation_id);
            let mut example = content["example"].clone();
            with_optional_parts(&mut example);
            let mut cases = Vec::new();
            walk(
                &document,
                pointer,
                &content["schema"],
                Some(&example),
                &[],
                &mut cases,
            );
            cases.retain(|c| !NOT_SENT.contains(&(c.bound.0.as_str(), c.bound.1)));
            // Examples name demo objects; a change of slots needs a block without holds.
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let path = if operation_id == "change_capacity_block" {
                template.replace("{id}", &spare)
            } else if template.starts_with("/v1/webhooks/{id}") {
                let token = world.token_for(&operation_id);
                template.replace("{id}", &example_webhook(&world, token).await)
            } else {
                path_as_given(&operation_id, &template, &parameters)
            };
            let email = match operation_id.as_str() {
                "create_organization" => {
                    Some(vec![Step::Key("admin".into()), Step::Key("email".into())])
                }
                "create_user" => Some(vec![Step::Key("email".into())]),
                _ => None,
            };
            let header = |name: &str| {
                operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["in"] == "header" && p["name"] == name)
            };
            for case in cases {
                let field = field_name(&case.path);
                let case_at = format!(
                    "{operation_id} {field} {} {}",
                    case.bound.1,
                    abbreviate(&case.value)
                );
                let mut body = example.clone();
                set(&mut body, &case.path, case.value.clone());
                if case.valid {
                    keep_pair_ordered(&mut body, &case.path, &case.value);
                }
                if let Some(email) = &email
                    && *email != case.path
                {
                    set(&mut body, email, json!(fresh_email()));
                }
                let mut headers = HeaderMap::new();
                if header("If-Match") {
                    let (status, read, _) = world
                        .send("get", &path, token, HeaderMap::new(), None)
                        .await;
                    assert_eq!(status, 200, "{case_at}: reading {path} for its ETag");
                    headers.insert("if-match", read[ETAG].clone());
                }
                if header("Idempotency-Key") {
                    headers.insert(
                        "idempotency-key",
                        uuid::Uuid::new_v4().to_string().parse().unwrap(),
                    );
                }
                let bytes = serde_json::to_vec(&body).unwrap();
                let (status, _, answer) = world
                    .send(&method, &path, token, headers, Some((media, bytes)))
                    .await;
                failures.extend(judge(&case_at, case.valid, &field, status, &answer));
                sent.insert(case.bound.clone());
                if operation_id == "unlist_cdmo_profile" {
                    // Back on the market, for the holds and matches sent after it.
                    let relist = path.replace("/unlist", "/relist");
                    let (status, _, _) = world
                        .send("post", &relist, token, HeaderMap::new(), None)
                        .await;
                    assert_eq!(status, 200, "{relist}");
                }
            }
        }

        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] != "query" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap();
            let pointer = format!("{operation_id}?{name}");
            let schema = &parameter["schema"];
            let mut cases = Vec::new();
            cases_for(
                &pointer,
                schema,
                None,
                &[Step::Key(name.to_owned())],
                &mut cases,
            );
            for keyword in KEYWORDS {
                if schema.get(keyword).is_some() {
                    stated.insert((pointer.clone(), keyword));
                }
            }
            cases.retain(|c| !NOT_SENT.contains(&(c.bound.0.as_str(), c.bound.1)));
            if cases.is_empty() {
                continue;
            }
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let path = if template.starts_with("/v1/webhooks/{id}") {
                let token = world.token_for(&operation_id);
                template.replace("{id}", &example_webhook(&world, token).await)
            } else {
                path_as_given(&operation_id, &template, &parameters)
            };
            // Reads go as whom the examples read as (the demo sponsor, or the demo CDMO
            // for what only it may read).
            let token = if operation_id.starts_with("create_") {
                Some(world.sponsor_token.as_str())
            } else {
                world.token_for(&operation_id)
            };
            for case in cases {
                let value = match &case.value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let query = format!("{path}?{name}={value}");
                let case_at = format!("{method} {query} ({operation_id})");
                let (status, _, answer) = world
                    .send(&method, &query, token, HeaderMap::new(), None)
                    .await;
                failures.extend(judge(&case_at, case.valid, name, status, &answer));
                sent.insert(case.bound.clone());
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let not_sent: Vec<_> = stated
        .iter()
        .filter(|(pointer, keyword)| {
            !sent.contains(&(pointer.clone(), *keyword))
                && !NOT_SENT.contains(&(pointer.as_str(), *keyword))
        })
        .collect();
    assert!(
        not_sent.is_empty(),
        "bounds the document states that no request exercised (give the example the \
         field, or list the bound in NOT_SENT with the reason): {not_sent:#?}"
    );
    assert!(sent.len() >= 40, "only {} bounds exercised", sent.len());
}

/// The examples leave out a requirement set's capacity need; it is added, and the
/// `distance` criterion (which has the origin) is put first, with its default scale
/// spelled out, since the first element of a list stands for all of them, so that their
/// bounds are sent too.
fn with_optional_parts(example: &mut Value) {
    let Some(requirements) = example.get_mut("requirements") else {
        return;
    };
    // An order of importance names every criterion, so it would not survive the cases
    // that add or drop criteria; it has no bounds of its own.
    if let Some(requirements) = requirements.as_object_mut() {
        requirements.remove("weight_order");
    }
    if requirements.get("capacity").is_none() {
        requirements["capacity"] = json!({
            "slot_kind": "clinical_gmp_batch", "slots": 2,
            "window_start": "2027-01-01", "window_end": "2027-12-31"
        });
    }
    let criteria = requirements["criteria"].as_array_mut().unwrap();
    let distance = match criteria.iter().position(|c| c["criterion"] == "distance") {
        Some(at) => criteria.remove(at),
        None => json!({
            "criterion": "distance", "weight": 1.0,
            "origin": {"latitude": 48.86, "longitude": 2.35}
        }),
    };
    let mut distance = distance;
    if distance.get("scale").is_none() {
        distance["scale"] = json!({"worst": 10000.0, "best": 0.0});
    }
    criteria.insert(0, distance);
}

fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 {
        format!(
            "({} characters)",
            value.as_str().map_or(text.len(), |s| s.chars().count())
        )
    } else {
        text
    }
}

async fn spare_capacity_block(world: &World) -> String {
    let example = document()["paths"]["/v1/cdmos/{id}/capacity"]["post"]["requestBody"]["content"]
        ["application/json"]["example"]
        .clone();
    let operation = &document()["paths"]["/v1/cdmos/{id}/capacity"]["post"];
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let path = path_as_given(
        "create_capacity_block",
        "/v1/cdmos/{id}/capacity",
        &parameters,
    );
    let (status, _, answer) = world
        .send(
            "post",
            &path,
            Some(&world.cdmo_token),
            HeaderMap::new(),
            Some(("application/json", serde_json::to_vec(&example).unwrap())),
        )
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
    let block: Value = serde_json::from_slice(&answer).unwrap();
    block["id"].as_str().unwrap().to_owned()
}
