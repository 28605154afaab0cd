//! Reading a request into its type while collecting every problem at once, in plain words.
//!
//! serde stops at the first error. To report all of them in one answer, a body that fails
//! its typed parse is read as a `serde_json::Value` and parsed again and again: each
//! error is recorded, then repaired in the value (an unknown field removed, a missing or
//! mistyped one replaced by a placeholder of the type serde asked for), until the parse
//! succeeds. The types themselves decide what is wrong, so the answer cannot disagree with
//! what the server accepts. Errors inside a placeholder are the server's own and are not
//! reported. Unknown fields are found with `serde_ignored`, so they are rejected whether or
//! not the type denies unknown fields itself.

use std::fmt;

use cdmx_sdk::types::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Enough for a body with dozens of mistakes; a pathological body stops early with the
/// errors found so far.
const MAX_PASSES: usize = 400;
/// Placeholders tried for a field whose type serde did not name.
const FALLBACKS: usize = 6;

/// One step of a field path: an object member or an array element.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where a field is, written as clients write it: `sites[0].colour`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Vec<Step>);

impl FieldPath {
    fn child(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Self(steps)
    }

    fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The path serde was at; `None` when it went through something it cannot name.
    pub fn from_serde(path: &serde_path_to_error::Path) -> Option<Self> {
        use serde_path_to_error::Segment;
        let mut steps = Vec::new();
        for segment in path.iter() {
            match segment {
                Segment::Seq { index } => steps.push(Step::Index(*index)),
                Segment::Map { key } => steps.push(Step::Key(key.clone())),
                Segment::Enum { .. } => {}
                Segment::Unknown => return None,
            }
        }
        Some(Self(steps))
    }

    pub fn from_ignored(path: &serde_ignored::Path) -> Self {
        fn walk(path: &serde_ignored::Path, steps: &mut Vec<Step>) {
            use serde_ignored::Path;
            match path {
                Path::Root => {}
                Path::Seq { parent, index } => {
                    walk(parent, steps);
                    steps.push(Step::Index(*index));
                }
                Path::Map { parent, key } => {
                    walk(parent, steps);
                    steps.push(Step::Key(key.clone()));
                }
                Path::Some { parent }
                | Path::NewtypeStruct { parent }
                | Path::NewtypeVariant { parent } => walk(parent, steps),
            }
        }
        let mut steps = Vec::new();
        walk(path, &mut steps);
        Self(steps)
    }

    /// The value at this path, if the path exists.
    fn locate<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        self.0.iter().try_fold(value, |v, step| match step {
            Step::Key(key) => v.as_object_mut()?.get_mut(key),
            Step::Index(i) => v.as_array_mut()?.get_mut(*i),
        })
    }

    /// Sets the value at this path (creating the last member of an object); false when
    /// the path does not lead there.
    fn set(&self, root: &mut Value, new: Value) -> bool {
        let Some((last, parent)) = self.0.split_last() else {
            return false;
        };
        let Some(parent) = FieldPath(parent.to_vec()).locate(root) else {
            return false;
        };
        match (last, parent) {
            (Step::Key(key), Value::Object(map)) => {
                map.insert(key.clone(), new);
                true
            }
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(slot) => {
                    *slot = new;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn remove(&self, root: &mut Value) -> bool {
        let Some((Step::Key(key), parent)) = self.0.split_last() else {
            return false;
        };
        FieldPath(parent.to_vec())
            .locate(root)
            .and_then(Value::as_object_mut)
            .and_then(|map| map.remove(key))
            .is_some()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("body");
        }
        for (n, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if n == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Why a field is refused, which decides the status: a request that cannot be read as its
/// type at all (wrong JSON type, unknown or missing field) is 400; one that reads but names
/// a value outside a closed set (a platform or modality the server does not know) is 422,
/// as an out-of-range number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unreadable,
    UnknownValue,
}

/// A refused field: where, why in plain words, and which kind of refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub error: FieldError,
    pub refusal: Refusal,
}

/// The status-deciding kind of a set of problems: 422 only when every problem is an
/// unknown value, so that a request with any unreadable field stays a 400.
pub fn refusal_of(problems: &[FieldProblem]) -> Refusal {
    if !problems.is_empty() && problems.iter().all(|p| p.refusal == Refusal::UnknownValue) {
        Refusal::UnknownValue
    } else {
        Refusal::Unreadable
    }
}

/// What a serde error message says, recovered from its standard wording.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Complaint {
    MissingField(String),
    UnknownField(String),
    UnknownVariant(Vec<String>),
    /// Wrong type or value; carries serde's "expected ..." phrase.
    Expected(String),
    DuplicateField(String),
    Other(String),
}

/// The words between backticks, in order.
fn quoted(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

impl Complaint {
    fn refusal(&self) -> Refusal {
        match self {
            Self::UnknownVariant(_) => Refusal::UnknownValue,
            _ => Refusal::Unreadable,
        }
    }
}

fn classify(message: &str) -> Complaint {
    let message = without_position(message);
    let first_quoted = || quoted(message).into_iter().next().unwrap_or_default();
    if message.starts_with("missing field `") {
        Complaint::MissingField(first_quoted())
    } else if message.starts_with("unknown field `") {
        Complaint::UnknownField(first_quoted())
    } else if message.starts_with("duplicate field `") {
        Complaint::DuplicateField(first_quoted())
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        let allowed = rest
            .split_once(", expected ")
            .map(|(_, expected)| quoted(expected))
            .unwrap_or_default();
        Complaint::UnknownVariant(allowed)
    } else if (message.starts_with("invalid type: ")
        || message.starts_with("invalid value: ")
        || message.starts_with("invalid length "))
        && message.contains(", expected ")
    {
        let expected = message
            .rsplit_once(", expected ")
            .map(|(_, e)| e.to_owned())
            .unwrap_or_default();
        Complaint::Expected(expected)
    } else {
        Complaint::Other(message.to_owned())
    }
}

/// serde_json appends "at line 1 column 17"; the field path says more to an API user.
pub fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

fn whole_number(min: impl fmt::Display, max: impl fmt::Display) -> String {
    format!("must be a whole number from {min} to {max}")
}

/// serde's "expected ..." phrase (a Rust type or a description) in plain words.
fn expected_in_words(expected: &str) -> String {
    match expected {
        "u8" => whole_number(0, u8::MAX),
        "u16" => whole_number(0, u16::MAX),
        "u32" => whole_number(0, u32::MAX),
        "u64" | "usize" => whole_number(0, u64::MAX),
        "i8" => whole_number(i8::MIN, i8::MAX),
        "i16" => whole_number(i16::MIN, i16::MAX),
        "i32" => whole_number(i32::MIN, i32::MAX),
        "i64" | "isize" => whole_number(i64::MIN, i64::MAX),
        "f32" | "f64" => "must be a number".to_owned(),
        "a boolean" => "must be true or false".to_owned(),
        "a string" | "a borrowed string" | "a string or bytes" => "must be a string".to_owned(),
        "a character" | "a char" => "must be a single character".to_owned(),
        "a sequence" | "a set" => "must be a list (a JSON array)".to_owned(),
        "unit" => "must be null".to_owned(),
        e if e.starts_with("struct ") || e.starts_with("a map") || e == "map" => {
            "must be an object".to_owned()
        }
        e if e.starts_with("a tuple") || e.starts_with("tuple") => {
            "must be a list (a JSON array)".to_owned()
        }
        e if e.contains("date and time") || e.contains("datetime") => {
            "must be a date and time, e.g. 2026-03-01T09:00:00Z".to_owned()
        }
        e if e.contains("date") => "must be a date, e.g. 2026-03-01".to_owned(),
        e if e.starts_with("variant identifier")
            || e.starts_with("enum ")
            || e == "string or map" =>
        {
            "is not one of the allowed values".to_owned()
        }
        e if e.starts_with("a ") || e.starts_with("an ") => format!("must be {e}"),
        e => format!("must be {e}"),
    }
}

/// A placeholder of the type serde asked for, so that parsing can go on past a mistake.
fn placeholder_for(expected: &str) -> Option<Value> {
    let value = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32"
        | "f64" => json!(0),
        "a boolean" => json!(false),
        "a string" | "a borrowed string" | "a string or bytes" | "a character" | "a char" => {
            json!("")
        }
        "a sequence" | "a set" => json!([]),
        "unit" => Value::Null,
        e if e.starts_with("struct ") || e.starts_with("a map") || e == "map" => json!({}),
        e if e.contains("date and time") || e.contains("datetime") => json!("2000-01-01T00:00:00Z"),
        e if e.contains("date") => json!("2000-01-01"),
        _ => return None,
    };
    Some(value)
}

fn fallback(attempt: usize) -> Value {
    match attempt {
        0 => json!(""),
        1 => json!(0),
        2 => json!(false),
        3 => json!([]),
        4 => json!({}),
        _ => Value::Null,
    }
}

/// Custom messages from common deserializers (chrono, number parsing in query strings).
fn other_in_words(message: &str) -> String {
    match message {
        "input contains invalid characters"
        | "premature end of input"
        | "trailing input"
        | "input is out of range"
        | "input is not enough for unique date and time"
        | "no possible date and time matching input"
        | "bad or unsupported format string" => {
            "is not a valid date (e.g. 2026-03-01) or date and time (e.g. 2026-03-01T09:00:00Z)"
                .to_owned()
        }
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "must be a whole number".to_owned()
        }
        "number too large to fit in target type" => "is too large".to_owned(),
        "number too small to fit in target type" => "is too small".to_owned(),
        "invalid float literal" => "must be a number".to_owned(),
        "provided string was not `true` or `false`" => "must be true or false".to_owned(),
        other => other.to_owned(),
    }
}

/// A serde error message (from the JSON body or the query string) in plain words, the
/// field it is about relative to the path where serde stopped, and the kind of refusal.
pub fn in_plain_words(message: &str) -> (Option<String>, String, Refusal) {
    let complaint = classify(message);
    let refusal = complaint.refusal();
    let (field, words) = match complaint {
        Complaint::MissingField(name) => (Some(name), "is required".to_owned()),
        Complaint::UnknownField(name) => (Some(name), UNKNOWN_FIELD.to_owned()),
        Complaint::DuplicateField(name) => (Some(name), "is given more than once".to_owned()),
        Complaint::UnknownVariant(allowed) => (None, one_of(&allowed)),
        Complaint::Expected(expected) => (None, expected_in_words(&expected)),
        Complaint::Other(message) => (None, other_in_words(&message)),
    };
    (field, words, refusal)
}

pub const UNKNOWN_FIELD: &str = "is not a known field";

fn one_of(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "is not one of the allowed values".to_owned()
    } else {
        format!("must be one of: {}", allowed.join(", "))
    }
}

/// Reads a `T` as every request is read: noting in `ignored` the paths of fields `T` does
/// not know, refusing an array wherever `T` has an object (serde would take a struct's
/// fields by position), and keeping the path of the first error.
pub fn read_strictly<'de, D, T>(
    deserializer: D,
    ignored: &mut Vec<FieldPath>,
) -> Result<T, serde_path_to_error::Error<D::Error>>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let mut note = |path: serde_ignored::Path| ignored.push(FieldPath::from_ignored(&path));
    serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        super::objects_only::Deserializer::new(deserializer),
        &mut note,
    ))
}

/// Parses `value` as `T`, noting the paths of fields `T` ignored.
fn typed<T: DeserializeOwned>(
    value: &Value,
    ignored: &mut Vec<FieldPath>,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    read_strictly(value, ignored)
}

/// Reads a JSON value that is already in memory (a merged document) as strictly as a
/// request body: `T`, or every problem at once.
pub fn parse_value<T: DeserializeOwned>(value: Value) -> Result<T, Vec<FieldProblem>> {
    let mut ignored = Vec::new();
    match typed::<T>(&value, &mut ignored) {
        Ok(parsed) if ignored.is_empty() => Ok(parsed),
        _ => Err(collect::<T>(value)),
    }
}

/// Every problem that keeps `value` from being read as `T`, in document order, unknown
/// fields included. Empty when `value` reads as `T` with no field ignored.
/// Request bodies are objects (serde would otherwise read an array as a struct's fields
/// in order, and report them by index).
pub fn collect<T: DeserializeOwned>(mut value: Value) -> Vec<FieldProblem> {
    if !value.is_object() {
        return vec![FieldProblem {
            error: FieldError {
                field: FieldPath::default().to_string(),
                message: "must be a JSON object".to_owned(),
            },
            refusal: Refusal::Unreadable,
        }];
    }
    let mut errors: Vec<(FieldPath, String, Refusal)> = Vec::new();
    // Values put in by the repair: errors at or under them are not the client's.
    let mut placeholders: Vec<(FieldPath, usize)> = Vec::new();
    let report = |errors: &mut Vec<(FieldPath, String, Refusal)>,
                  field: FieldPath,
                  words: String,
                  refusal: Refusal| {
        if !errors.iter().any(|(f, _, _)| *f == field) {
            errors.push((field, words, refusal));
        }
    };
    for _ in 0..MAX_PASSES {
        let mut ignored = Vec::new();
        let result = typed::<T>(&value, &mut ignored);
        for field in ignored {
            if !placeholders.iter().any(|(p, _)| field.starts_with(p)) {
                report(
                    &mut errors,
                    field,
                    UNKNOWN_FIELD.to_owned(),
                    Refusal::Unreadable,
                );
            }
        }
        let error = match result {
            Ok(_) => break,
            Err(error) => error,
        };
        let Some(at) = FieldPath::from_serde(error.path()) else {
            break;
        };
        let message = error.into_inner().to_string();
        let complaint = classify(&message);
        let field = match &complaint {
            Complaint::MissingField(name) => at.child(name),
            // serde_path_to_error has already stepped into the offending key.
            Complaint::UnknownField(name) | Complaint::DuplicateField(name) => {
                if at.0.last() == Some(&Step::Key(name.clone())) {
                    at.clone()
                } else {
                    at.child(name)
                }
            }
            _ => at.clone(),
        };
        // A placeholder of the wrong type: try the type serde names, else the next guess.
        if let Some(index) = placeholders.iter().position(|(p, _)| *p == field) {
            let attempt = placeholders[index].1;
            if attempt > FALLBACKS {
                break;
            }
            placeholders[index].1 += 1;
            let next = match &complaint {
                Complaint::Expected(expected) => placeholder_for(expected),
                Complaint::UnknownVariant(allowed) => allowed.first().map(|v| json!(v)),
                _ => None,
            }
            .unwrap_or_else(|| fallback(attempt));
            if !field.set(&mut value, next) {
                break;
            }
            continue;
        }
        let own = !placeholders.iter().any(|(p, _)| field.starts_with(p));
        let (repaired, words) = match &complaint {
            Complaint::UnknownField(_) => (field.remove(&mut value), UNKNOWN_FIELD.to_owned()),
            Complaint::MissingField(_) => {
                (field.set(&mut value, fallback(0)), "is required".to_owned())
            }
            Complaint::UnknownVariant(allowed) => {
                let first = allowed.first().map(|v| json!(v)).unwrap_or(Value::Null);
                (
                    !field.is_root() && field.set(&mut value, first),
                    one_of(allowed),
                )
            }
            Complaint::Expected(expected) => {
                let next = placeholder_for(expected).unwrap_or_else(|| fallback(0));
                (
                    !field.is_root() && field.set(&mut value, next),
                    expected_in_words(expected),
                )
            }
            Complaint::DuplicateField(_) => (false, "is given more than once".to_owned()),
            Complaint::Other(message) => (
                !field.is_root() && field.set(&mut value, fallback(0)),
                other_in_words(message),
            ),
        };
        if own && (!field.is_root() || errors.is_empty()) {
            report(&mut errors, field.clone(), words, complaint.refusal());
        }
        if !repaired {
            break;
        }
        if !matches!(complaint, Complaint::UnknownField(_)) {
            placeholders.push((field, 1));
        }
    }
    errors
        .into_iter()
        .map(|(field, message, refusal)| FieldProblem {
            error: FieldError {
                field: field.to_string(),
                message,
            },
            refusal,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Site {
        name: String,
        slots: u32,
        #[serde(default)]
        gmp: bool,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Sponsor,
        Cdmo,
    }

    /// Deliberately without `deny_unknown_fields`: unknown fields must still be found.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Lenient {
        name: String,
        kind: Kind,
        sites: Vec<Site>,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
        kind: Kind,
        sites: Vec<Site>,
    }

    fn fields(problems: &[FieldProblem]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.error.field.as_str(), p.error.message.as_str()))
            .collect()
    }

    #[test]
    fn only_unknown_values_alone_are_a_422_kind_of_refusal() {
        let unknown_kind = collect::<Strict>(json!({"name": "A", "kind": "hospital", "sites": []}));
        assert_eq!(
            fields(&unknown_kind),
            [("kind", "must be one of: sponsor, cdmo")]
        );
        assert_eq!(refusal_of(&unknown_kind), Refusal::UnknownValue);
        let with_a_wrong_type =
            collect::<Strict>(json!({"name": 7, "kind": "hospital", "sites": []}));
        assert_eq!(with_a_wrong_type.len(), 2);
        assert_eq!(refusal_of(&with_a_wrong_type), Refusal::Unreadable);
        let unknown_field =
            collect::<Strict>(json!({"name": "A", "kind": "cdmo", "sites": [], "x": 1}));
        assert_eq!(refusal_of(&unknown_field), Refusal::Unreadable);
        assert_eq!(refusal_of(&[]), Refusal::Unreadable);
    }

    #[test]
    fn every_mistake_is_reported_once_in_plain_words() {
        let body = json!({
            "kind": "hospital",
            "sites": [
                {"name": "A", "slots": "ten", "colour": "red"},
                {"name": 7, "slots": 1, "gmp": "yes"}
            ],
            "verified": true
        });
        for errors in [collect::<Lenient>(body.clone()), collect::<Strict>(body)] {
            let mut got = fields(&errors);
            got.sort();
            assert_eq!(
                got,
                [
                    ("kind", "must be one of: sponsor, cdmo"),
                    ("name", "is required"),
                    ("sites[0].colour", UNKNOWN_FIELD),
                    (
                        "sites[0].slots",
                        "must be a whole number from 0 to 4294967295"
                    ),
                    ("sites[1].gmp", "must be true or false"),
                    ("sites[1].name", "must be a string"),
                    ("verified", UNKNOWN_FIELD),
                ],
                "{errors:?}"
            );
        }
    }

    #[test]
    fn a_missing_nested_object_is_one_error_not_its_fields() {
        let errors = collect::<Lenient>(json!({"name": "A", "kind": "cdmo"}));
        assert_eq!(fields(&errors), [("sites", "is required")]);
        let errors = collect::<Lenient>(json!({"name": "A", "kind": "cdmo", "sites": [7]}));
        assert_eq!(fields(&errors), [("sites[0]", "must be an object")]);
    }

    #[test]
    fn an_object_given_as_an_array_is_reported_with_the_other_mistakes() {
        // Plain serde reads `["A", 1]` as a Site, its fields by position.
        let body = json!({"name": "A", "kind": "cdmo", "sites": [["A", 1]], "note": 5});
        let lenient = collect::<Lenient>(body.clone());
        let mut lenient = fields(&lenient);
        lenient.sort();
        assert_eq!(
            lenient,
            [
                ("note", "must be a string"),
                ("sites[0]", "must be an object")
            ]
        );
        let strict = collect::<Strict>(body.clone());
        let mut strict = fields(&strict);
        strict.sort();
        assert_eq!(
            strict,
            [("note", UNKNOWN_FIELD), ("sites[0]", "must be an object")]
        );
        let errors = parse_value::<Lenient>(body).unwrap_err();
        let mut errors = fields(&errors);
        errors.sort();
        assert_eq!(errors, lenient);
    }

    #[test]
    fn a_valid_value_has_no_errors_and_a_wrong_root_one() {
        assert!(collect::<Lenient>(json!({"name": "A", "kind": "cdmo", "sites": []})).is_empty());
        let errors = collect::<Lenient>(json!([1, 2]));
        assert_eq!(fields(&errors), [("body", "must be a JSON object")]);
    }

    #[test]
    fn paths_read_like_client_code() {
        let path = FieldPath(vec![
            Step::Key("sites".into()),
            Step::Index(0),
            Step::Key("colour".into()),
        ]);
        assert_eq!(path.to_string(), "sites[0].colour");
        assert_eq!(FieldPath::default().to_string(), "body");
    }
}
