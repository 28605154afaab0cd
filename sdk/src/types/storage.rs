//! Closed sets as database columns (feature `diesel`): stored as their wire name in a
//! TEXT column, on any backend.
//!
//! Reading is strict, as the server's request parsing is: a stored value this release
//! does not know is a deserialization error naming it, never `Unknown` and never a
//! default, so one corrupt row fails loudly instead of reading as something else.
//! `Unknown` itself cannot be stored.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// Writes a closed-set value: `known` is its wire name, or `None` for `Unknown`.
pub fn to_sql<'b, DB>(
    known: Option<&'static str>,
    set: &str,
    out: &mut Output<'b, '_, DB>,
) -> serialize::Result
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    match known {
        Some(wire) => wire.to_sql(out),
        None => Err(format!("an unknown {set} cannot be stored").into()),
    }
}

/// Reads a closed-set value with `parse`; anything else is an error naming the value.
pub fn from_sql<DB, T>(
    bytes: DB::RawValue<'_>,
    parse: fn(&str) -> Option<T>,
    set: &str,
) -> deserialize::Result<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    let text = String::from_sql(bytes)?;
    parse(&text).ok_or_else(|| format!("unknown {set} `{text}` in storage").into())
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::types::{EvidenceKind, Role};

    fn sqlite() -> SqliteConnection {
        SqliteConnection::establish(":memory:").unwrap_or_else(|e| panic!("sqlite: {e}"))
    }

    diesel::define_sql_function!(fn lower(x: Text) -> Text);

    #[test]
    fn a_closed_set_round_trips_as_its_wire_name() {
        let mut conn = sqlite();
        let stored: String = diesel::select(lower(EvidenceKind::InspectionReport))
            .get_result(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored, "inspection_report");
        let read: EvidenceKind = diesel::select("inspection_report".into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, EvidenceKind::InspectionReport);
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_naming_it() {
        let mut conn = sqlite();
        let read = diesel::select("owner".into_sql::<Text>()).get_result::<Role>(&mut conn);
        let Err(error) = read else {
            panic!("an unknown role was read as {read:?}");
        };
        // diesel names the field; the cause, ours, is further down the chain.
        let mut causes = Vec::new();
        let mut cause: Option<&dyn std::error::Error> = Some(&error);
        while let Some(c) = cause {
            causes.push(c.to_string());
            cause = c.source();
        }
        assert!(
            causes
                .iter()
                .any(|c| c == "unknown Role `owner` in storage"),
            "{causes:?}"
        );
    }

    #[test]
    fn unknown_cannot_be_stored() {
        let mut conn = sqlite();
        let written = diesel::select(lower(Role::Unknown)).get_result::<String>(&mut conn);
        assert!(written.is_err(), "{written:?}");
    }
}
