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
        token_version -> Integer,
        deactivated_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
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
        scopes -> Text,
        created_by_key -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(api_keys -> organizations (organization_id));

diesel::table! {
    cdmo_profiles (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        current_revision -> Integer,
        document -> Text,
        change_seq -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cdmo_profile_revisions (profile_id, revision) {
        profile_id -> Text,
        revision -> Integer,
        document -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    change_counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    profile_evidence (id) {
        id -> Text,
        profile_id -> Text,
        subject -> Text,
        section -> Text,
        kind -> Text,
        reference -> Text,
        url -> Nullable<Text>,
        expires_on -> Nullable<Text>,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        verification_reset_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    profile_unlistings (profile_id) {
        profile_id -> Text,
        reason -> Text,
        note -> Nullable<Text>,
        relist_on -> Nullable<Text>,
        unlisted_by -> Text,
        unlisted_at -> Timestamp,
    }
}

diesel::table! {
    profile_listing_events (id) {
        id -> Text,
        profile_id -> Text,
        event -> Text,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        relist_on -> Nullable<Text>,
        actor -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        organization_id -> Text,
        occurred_at -> Timestamp,
        action -> Text,
        actor_kind -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_organization_id -> Nullable<Text>,
        object_kind -> Text,
        object_id -> Text,
        client_address -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(cdmo_profiles -> organizations (organization_id));
diesel::joinable!(profile_unlistings -> cdmo_profiles (profile_id));
diesel::joinable!(profile_listing_events -> cdmo_profiles (profile_id));
diesel::joinable!(cdmo_profile_revisions -> cdmo_profiles (profile_id));
diesel::joinable!(profile_evidence -> cdmo_profiles (profile_id));
diesel::allow_tables_to_appear_in_same_query!(
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
    organizations,
    users,
    api_keys,
    cdmo_profiles,
    cdmo_profile_revisions,
    change_counters,
    profile_evidence,
    profile_unlistings,
    profile_listing_events,
    programs,
    shortlists,
    shortlist_decisions,
    share_links,
    capacity_blocks,
    reservations,
    reservation_events,
    idempotency_keys
);

diesel::table! {
    programs (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        version -> Integer,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shortlists (id) {
        id -> Text,
        organization_id -> Text,
        program_id -> Text,
        program_version -> Integer,
        name -> Text,
        program -> Text,
        result -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shortlist_decisions (id) {
        id -> Text,
        shortlist_id -> Text,
        organization_id -> Text,
        sequence -> Integer,
        outcome -> Text,
        selected -> Text,
        rationale -> Text,
        decided_by_kind -> Text,
        decided_by -> Text,
        decided_by_name -> Nullable<Text>,
        decided_at -> Timestamp,
        supersedes -> Nullable<Text>,
    }
}

diesel::table! {
    share_links (id) {
        id -> Text,
        shortlist_id -> Text,
        organization_id -> Text,
        token_hash -> Text,
        label -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        open_count -> Integer,
        last_opened_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(programs -> organizations (organization_id));
diesel::joinable!(shortlists -> programs (program_id));
diesel::joinable!(shortlist_decisions -> shortlists (shortlist_id));
diesel::joinable!(share_links -> shortlists (shortlist_id));

diesel::table! {
    capacity_blocks (id) {
        id -> Text,
        profile_id -> Text,
        organization_id -> Text,
        site_key -> Text,
        country -> Text,
        suite -> Text,
        slot_kind -> Text,
        donor_sources -> Text,
        modalities -> Text,
        period_start -> Text,
        period_end -> Text,
        slots_total -> Integer,
        slots_held -> Integer,
        slots_confirmed -> Integer,
        lead_time_days -> Integer,
        price_min_usd -> Nullable<BigInt>,
        price_max_usd -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reservations (id) {
        id -> Text,
        capacity_id -> Text,
        sponsor_organization_id -> Text,
        cdmo_organization_id -> Text,
        program_id -> Nullable<Text>,
        slots -> Integer,
        state -> Text,
        expires_at -> Timestamp,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        shared_summary -> Nullable<Text>,
    }
}

diesel::table! {
    reservation_events (id) {
        id -> Text,
        reservation_id -> Text,
        event -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        actor -> Text,
        at -> Timestamp,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (organization_id, idempotency_key) {
        organization_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
        response_headers -> Nullable<Text>,
    }
}

diesel::joinable!(capacity_blocks -> cdmo_profiles (profile_id));
diesel::joinable!(reservations -> capacity_blocks (capacity_id));
diesel::joinable!(reservation_events -> reservations (reservation_id));

diesel::table! {
    events (id) {
        id -> Text,
        organization_id -> Text,
        sequence -> BigInt,
        event_type -> Text,
        occurred_at -> Timestamp,
        actor_kind -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_organization_id -> Nullable<Text>,
        object_kind -> Text,
        object_id -> Text,
        payload -> Text,
    }
}

diesel::table! {
    event_sequences (organization_id) {
        organization_id -> Text,
        last_sequence -> BigInt,
    }
}

diesel::table! {
    capacity_watches (id) {
        id -> Text,
        organization_id -> Text,
        program_id -> Nullable<Text>,
        requirements -> Text,
        slot_kind -> Text,
        slots -> Integer,
        window_start -> Text,
        window_end -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    watch_firings (watch_id, cdmo_organization_id) {
        watch_id -> Text,
        cdmo_organization_id -> Text,
        fired_at -> Timestamp,
    }
}

diesel::table! {
    watch_checks (cdmo_organization_id) {
        cdmo_organization_id -> Text,
        queued_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        organization_id -> Text,
        url -> Text,
        event_types -> Text,
        enabled -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        object_id -> Text,
        event_sequence -> BigInt,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        attempt -> Integer,
        attempted_at -> Timestamp,
        success -> Bool,
        response_status -> Nullable<Integer>,
        latency_ms -> BigInt,
        error -> Nullable<Text>,
        delivery_state -> Text,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));

diesel::table! {
    rfis (id) {
        id -> Text,
        request_id -> Text,
        sponsor_organization_id -> Text,
        cdmo_organization_id -> Text,
        program_id -> Text,
        disclosure -> Text,
        program -> Text,
        sponsor_name_withheld -> Bool,
        message -> Nullable<Text>,
        response_deadline -> Timestamp,
        state -> Text,
        confidentiality_accepted_at -> Nullable<Timestamp>,
        confidentiality_accepted_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quotes (id) {
        id -> Text,
        rfi_id -> Text,
        request_id -> Text,
        sponsor_organization_id -> Text,
        cdmo_organization_id -> Text,
        program_id -> Text,
        price_per_batch -> BigInt,
        currency -> Text,
        tech_transfer_cost -> Nullable<BigInt>,
        tech_transfer_weeks -> Nullable<Integer>,
        slots_offered -> Text,
        valid_until -> Timestamp,
        assumptions -> Nullable<Text>,
        attachments -> Text,
        state -> Text,
        decline_reason -> Nullable<Text>,
        reservation_ids -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rfi_awards (request_id) {
        request_id -> Text,
        quote_id -> Text,
        awarded_at -> Timestamp,
    }
}
