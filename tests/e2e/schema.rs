//! `server/src/db/schema.rs` against the migrations: every table and column the
//! migrations create, with its nullability and type family, must be what diesel is
//! told, on the backend this suite runs on (SQLite, or PostgreSQL with
//! `CDMX_TEST_DATABASE_URL`). A drifted schema.rs otherwise compiles and fails only
//! when a query reaches the column.

use std::collections::{BTreeMap, BTreeSet};

use cdmx::db::schema::*;
use cdmx::db::{Database, DbConnection};
use cdmx_e2e::TestDatabase;
use diesel::sql_types::{BigInt, Bool, Double, Float, Integer, Nullable, Text, Timestamp};
use diesel::{Column, Expression, QueryableByName, RunQueryDsl, Table};

/// How a column's type compares across the two sides: the family its values belong to
/// (`bigint` apart from `integer`: PostgreSQL will not read one as the other).
trait Family {
    const FAMILY: &'static str;
    const NULLABLE: bool = false;
}

impl Family for Text {
    const FAMILY: &'static str = "text";
}
impl Family for Integer {
    const FAMILY: &'static str = "integer";
}
impl Family for BigInt {
    const FAMILY: &'static str = "bigint";
}
impl Family for Bool {
    const FAMILY: &'static str = "bool";
}
impl Family for Timestamp {
    const FAMILY: &'static str = "timestamp";
}
impl Family for Double {
    const FAMILY: &'static str = "float";
}
impl Family for Float {
    const FAMILY: &'static str = "float";
}
impl<T: Family + diesel::sql_types::SqlType> Family for Nullable<T> {
    const FAMILY: &'static str = T::FAMILY;
    const NULLABLE: bool = true;
}

/// (type family, nullable) of each (table, column).
type Columns = BTreeMap<(String, String), (String, bool)>;

/// A table's columns as diesel knows them, read from the `table!` types themselves.
trait DescribeColumns {
    fn describe(table: &str, into: &mut Columns);
}

macro_rules! describe_tuples {
    () => {};
    ($first:ident $(, $rest:ident)*) => {
        impl<$first: Column + Expression $(, $rest: Column + Expression)*> DescribeColumns
            for ($first, $($rest,)*)
        where
            <$first as Expression>::SqlType: Family,
            $(<$rest as Expression>::SqlType: Family,)*
        {
            fn describe(table: &str, into: &mut Columns) {
                describe_column::<$first>(table, into);
                $(describe_column::<$rest>(table, into);)*
            }
        }
        describe_tuples!($($rest),*);
    };
}

describe_tuples!(
    C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17, C18, C19, C20, C21,
    C22, C23, C24
);

fn describe_column<C: Column + Expression>(table: &str, into: &mut Columns)
where
    C::SqlType: Family,
{
    into.insert(
        (table.to_owned(), C::NAME.to_owned()),
        (
            <C::SqlType as Family>::FAMILY.to_owned(),
            <C::SqlType as Family>::NULLABLE,
        ),
    );
}

fn describe_table<T: Table>(name: &str, into: &mut Columns)
where
    T::AllColumns: DescribeColumns,
{
    T::AllColumns::describe(name, into);
}

/// Every table of schema.rs. The count is checked against the file, so a table added
/// there and not here fails the test too.
fn schema_rs() -> Columns {
    let mut columns = Columns::new();
    macro_rules! tables {
        ($($table:ident),+ $(,)?) => {
            $(describe_table::<$table::table>(stringify!($table), &mut columns);)+
            let listed = [$(stringify!($table)),+].len();
            let declared = include_str!("../../server/src/db/schema.rs")
                .matches("diesel::table!")
                .count();
            assert_eq!(listed, declared, "list every table of schema.rs in schema_rs()");
        };
    }
    tables!(
        organizations,
        users,
        api_keys,
        cdmo_profiles,
        cdmo_profile_revisions,
        change_counters,
        profile_evidence,
        profile_unlistings,
        profile_listing_events,
        audit_events,
        events,
        event_sequences,
        capacity_watches,
        watch_firings,
        watch_checks,
        webhook_endpoints,
        webhook_deliveries,
        webhook_attempts,
        rfis,
        quotes,
        rfi_awards,
        programs,
        shortlists,
        shortlist_decisions,
        share_links,
        capacity_blocks,
        reservations,
        reservation_events,
        idempotency_keys,
    );
    columns
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

#[derive(QueryableByName)]
struct PostgresColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

fn sqlite_family(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "TEXT" => "text",
        "INTEGER" => "integer",
        "BIGINT" => "bigint",
        "BOOLEAN" => "bool",
        "TIMESTAMP" => "timestamp",
        "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" => "float",
        other => return format!("unmapped SQLite type {other}"),
    }
    .to_owned()
}

fn postgres_family(data_type: &str) -> String {
    match data_type {
        "text" => "text",
        "integer" => "integer",
        "bigint" => "bigint",
        "boolean" => "bool",
        "timestamp without time zone" => "timestamp",
        "double precision" | "real" => "float",
        other => return format!("unmapped PostgreSQL type {other}"),
    }
    .to_owned()
}

/// The tables and columns the migrations created, from the database's own catalogue.
fn migrated(conn: &mut DbConnection) -> Columns {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS declared_type, \
                    p.\"notnull\" AS not_null \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
               AND m.name <> '__diesel_schema_migrations'",
        )
        .load::<SqliteColumn>(c)
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (r.table_name, r.column_name),
                (sqlite_family(&r.declared_type), !r.not_null),
            )
        })
        .collect(),
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    data_type::text AS data_type, is_nullable::text AS is_nullable \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() \
               AND table_name <> '__diesel_schema_migrations'",
        )
        .load::<PostgresColumn>(c)
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (r.table_name, r.column_name),
                (postgres_family(&r.data_type), r.is_nullable == "YES"),
            )
        })
        .collect(),
    }
}

/// What differs between the two sides, one line per column, empty when they agree.
fn differences(schema: &Columns, database: &Columns) -> Vec<String> {
    let keys: BTreeSet<_> = schema.keys().chain(database.keys()).collect();
    let show = |(family, nullable): &(String, bool)| {
        if *nullable {
            format!("Nullable<{family}>")
        } else {
            family.clone()
        }
    };
    keys.into_iter()
        .filter_map(
            |key @ (table, column)| match (schema.get(key), database.get(key)) {
                (Some(s), Some(d)) if s == d => None,
                (Some(s), Some(d)) => Some(format!(
                    "{table}.{column}: schema.rs says {}, the migrations make {}",
                    show(s),
                    show(d)
                )),
                (Some(_), None) => Some(format!(
                    "{table}.{column}: in schema.rs, not made by the migrations"
                )),
                (None, Some(_)) => Some(format!(
                    "{table}.{column}: made by the migrations, missing from schema.rs"
                )),
                (None, None) => None,
            },
        )
        .collect()
}

#[test]
fn schema_rs_matches_the_migrations() {
    let database = TestDatabase::create();
    let db = Database::connect(&database.url(), 1).unwrap();
    let mut conn = db.blocking_connection().unwrap();
    let migrated = migrated(&mut conn);
    let schema = schema_rs();
    assert!(
        migrated.len() >= schema.len() / 2,
        "the catalogue query found too little"
    );
    let differences = differences(&schema, &migrated);
    assert!(
        differences.is_empty(),
        "server/src/db/schema.rs does not match migrations/{}:\n  {}",
        if database.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        },
        differences.join("\n  ")
    );
}

#[test]
fn a_difference_is_named_by_table_and_column() {
    let column = |t: &str, c: &str, f: &str, n| ((t.to_owned(), c.to_owned()), (f.to_owned(), n));
    let schema: Columns = [
        column("users", "email", "text", false),
        column("users", "role", "text", false),
        column("users", "seen_at", "timestamp", true),
    ]
    .into();
    let database: Columns = [
        column("users", "email", "text", false),
        column("users", "role", "text", true),
        column("users", "created_at", "timestamp", false),
    ]
    .into();
    assert_eq!(
        differences(&schema, &database),
        [
            "users.created_at: made by the migrations, missing from schema.rs",
            "users.role: schema.rs says text, the migrations make Nullable<text>",
            "users.seen_at: in schema.rs, not made by the migrations",
        ]
    );
}
