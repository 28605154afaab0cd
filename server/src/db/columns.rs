//! Column types the two backends do not share natively.
//!
//! Calendar dates are stored as `YYYY-MM-DD` text, which sorts and compares correctly as
//! text on both backends (the capacity search compares periods in SQL). Closed sets are
//! stored as their wire names through the SDK's own types (its `diesel` feature).

use std::io::Write;

use chrono::NaiveDate;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use diesel::{AsExpression, FromSqlRow};

use super::MultiBackend;

/// The stored form: what every date column holds and every comparison binds.
const FORMAT: &str = "%Y-%m-%d";

/// A calendar date in a TEXT column. Reading one that is not a valid `YYYY-MM-DD` date
/// is an error naming the stored text: a corrupt expiry must never read as "no expiry".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct IsoDate(pub NaiveDate);

impl From<NaiveDate> for IsoDate {
    fn from(date: NaiveDate) -> Self {
        Self(date)
    }
}

impl From<IsoDate> for NaiveDate {
    fn from(date: IsoDate) -> Self {
        date.0
    }
}

impl<DB> FromSql<Text, DB> for IsoDate
where
    DB: diesel::backend::Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        NaiveDate::parse_from_str(&text, FORMAT)
            .map(Self)
            .map_err(|_| format!("stored date `{text}` is not a YYYY-MM-DD date").into())
    }
}

// The text is formatted on the fly, so it cannot be lent to the backend-independent
// `str` impl (the multi-backend binds text by reference): each backend gets it owned.
impl ToSql<Text, Sqlite> for IsoDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.format(FORMAT).to_string());
        Ok(IsNull::No)
    }
}

impl ToSql<Text, Pg> for IsoDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        write!(out, "{}", self.0.format(FORMAT))?;
        Ok(IsNull::No)
    }
}

impl ToSql<Text, MultiBackend> for IsoDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;
    use crate::db::Database;

    #[test]
    fn a_date_is_stored_as_sortable_text_and_a_corrupt_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&url, 1).unwrap();
        let mut conn = db.blocking_connection().unwrap();
        let date = IsoDate(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
        // Through the multi-backend connection, as every query binds it.
        let text: String = diesel::select(date.into_sql::<Text>().concat(""))
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(text, "2027-01-04");
        let read: IsoDate = diesel::select("2027-01-04".into_sql::<Text>())
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(read, date);
        for corrupt in ["2027-13-01", "04/01/2027", ""] {
            let read = diesel::select(corrupt.into_sql::<Text>()).get_result::<IsoDate>(&mut *conn);
            let error = read
                .map(|d| d.0)
                .map_err(|e| crate::error::Chain(&e).to_string());
            let expected = format!("stored date `{corrupt}` is not a YYYY-MM-DD date");
            assert!(
                error.as_ref().is_err_and(|e| e.ends_with(&expected)),
                "{error:?}"
            );
        }
    }
}
