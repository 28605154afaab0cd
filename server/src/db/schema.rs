//! The tables, written to match `migrations/sqlite` and `migrations/postgres`.
//!
//! Only types both backends share: text (ids are UUID text), integers, booleans and
//! UTC timestamps.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organization_id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        role -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(api_keys -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, users, api_keys);
