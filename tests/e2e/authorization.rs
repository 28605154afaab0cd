//! Authorization on every route, across two organisations: no token is 401, another
//! organisation's private object is 404, the wrong role is 403.

use std::collections::BTreeSet;

use cdmx_e2e::TestApp;
use cdmx_sdk::types::{
    ArchivableListParams, CreateApiKeyRequest, CreateUserRequest, OrganizationFilter,
    OrganizationKind, PageParams, Role,
};

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

/// Operation ids of the document, with whether each requires a token.
fn operations() -> Vec<(String, String, String, bool)> {
    let document = serde_json::to_value(cdmx::openapi::document()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op.get("security").is_none();
            operations.push((
                op["operationId"].as_str().unwrap().to_owned(),
                method.to_uppercase(),
                path.clone(),
                secured,
            ));
        }
    }
    operations
}

#[tokio::test]
async fn every_secured_route_refuses_missing_and_invalid_tokens() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let secured: Vec<_> = operations().into_iter().filter(|o| o.3).collect();
    assert!(secured.len() >= 9, "{secured:?}");
    for (id, method, path, _) in secured {
        let url = app.url(
            &path
                .replace("{id}", "x")
                .replace("{key_id}", "y")
                .replace("{user_id}", "z"),
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for token in [None, Some("not-a-jwt")] {
            let mut request = http
                .request(method.clone(), &url)
                .json(&serde_json::json!({}));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{id} with token {token:?}");
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"cdmx\""
            );
        }
    }
}

#[tokio::test]
async fn organisations_cannot_see_or_touch_each_other() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let b = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let a_key = a
        .admin
        .create_api_key(
            a.id(),
            &CreateApiKeyRequest {
                name: "erp".into(),
                role: None,
                scopes: None,
            },
        )
        .await
        .unwrap();
    let new_user = CreateUserRequest {
        email: "intruder@acme.example".into(),
        password: cdmx_e2e::PASSWORD.into(),
        role: Role::Admin,
    };
    let mut covered = BTreeSet::new();
    let mut check = |operation: &str, got: u16, expected: u16| {
        assert_eq!(got, expected, "{operation}");
        covered.insert(operation.to_owned());
    };

    // Public operations, reachable without a token.
    check(
        "get_health",
        if app.client.get_health().await.is_ok() {
            200
        } else {
            0
        },
        200,
    );
    check(
        "get_readiness",
        if app.client.get_readiness().await.is_ok() {
            200
        } else {
            0
        },
        200,
    );
    let signed_up = app
        .client
        .create_organization(&cdmx_sdk::types::SignUpRequest {
            name: "Newcomer".into(),
            kind: OrganizationKind::Sponsor,
            admin: cdmx_sdk::types::NewUser {
                email: "newcomer@matrix.example".into(),
                password: cdmx_e2e::PASSWORD.into(),
            },
        })
        .await;
    check(
        "create_organization",
        if signed_up.is_ok() { 201 } else { 0 },
        201,
    );
    let token = b.token().await;
    check(
        "issue_token",
        if b.admin.with_token(token).get_me().await.is_ok() {
            200
        } else {
            0
        },
        200,
    );

    // Each organisation sees itself only.
    let me = b.admin.get_me().await.unwrap();
    check(
        "get_me",
        if me.organization.id == b.organization.id {
            200
        } else {
            0
        },
        200,
    );
    let listed = b
        .admin
        .list_organizations(&OrganizationFilter::default())
        .await
        .unwrap();
    let ids: Vec<&str> = listed.items.iter().map(|o| o.id.as_str()).collect();
    check(
        "list_organizations",
        if ids == [b.id()] { 200 } else { 0 },
        200,
    );

    // Another organisation's objects do not exist for B.
    check(
        "get_organization",
        status(b.admin.get_organization(a.id()).await),
        404,
    );
    check(
        "create_user",
        status(b.admin.create_user(a.id(), &new_user).await),
        404,
    );
    check(
        "list_users",
        status(b.admin.list_users(a.id(), &PageParams::default()).await),
        404,
    );
    check(
        "create_api_key",
        status(
            b.admin
                .create_api_key(
                    a.id(),
                    &CreateApiKeyRequest {
                        name: "x".into(),
                        role: None,
                        scopes: None,
                    },
                )
                .await,
        ),
        404,
    );
    check(
        "list_api_keys",
        status(b.admin.list_api_keys(a.id(), &PageParams::default()).await),
        404,
    );
    check(
        "revoke_api_key",
        status(b.admin.revoke_api_key(a.id(), &a_key.api_key.id).await),
        404,
    );
    // ...nor through B's own path.
    assert_eq!(
        status(b.admin.revoke_api_key(b.id(), &a_key.api_key.id).await),
        404
    );
    // Verification is a platform action: the wrong role, whatever the target.
    check(
        "verify_organization",
        status(b.admin.verify_organization(a.id()).await),
        403,
    );

    // CDMO profiles are public to read; only their owner changes them.
    let mut profile = cdmx_e2e::base_profile("Helix");
    let created = a.admin.create_cdmo_profile(&profile).await.unwrap();
    profile.qc.release_turnaround_days = Some(3);
    a.admin
        .replace_cdmo_profile(&created.id, 1, &profile)
        .await
        .unwrap();
    let evidence = cdmx_sdk::types::NewEvidence {
        subject: "/qc".into(),
        kind: cdmx_sdk::types::EvidenceKind::Document,
        reference: "SOP".into(),
        url: None,
        expires_on: None,
    };
    let a_evidence = a
        .admin
        .add_cdmo_evidence(&created.id, &evidence)
        .await
        .unwrap();
    let ok = |r: bool| if r { 200 } else { 0 };
    check(
        "create_cdmo_profile",
        status(b.admin.create_cdmo_profile(&profile).await),
        403,
    );
    let hits = b.admin.search_cdmos(&Default::default()).await.unwrap();
    check(
        "search_cdmos",
        ok(hits.items.iter().any(|h| h.id == created.id)),
        200,
    );
    check(
        "get_cdmo_profile",
        ok(b.admin.get_cdmo_profile(&created.id).await.is_ok()),
        200,
    );
    check(
        "list_cdmo_revisions",
        ok(b.admin
            .list_cdmo_revisions(&created.id, &PageParams::default())
            .await
            .is_ok()),
        200,
    );
    check(
        "get_cdmo_revision",
        ok(b.admin.get_cdmo_revision(&created.id, 1).await.is_ok()),
        200,
    );
    check(
        "diff_cdmo_revisions",
        ok(b.admin
            .diff_cdmo_revisions(&created.id, 2, &Default::default())
            .await
            .is_ok()),
        200,
    );
    check(
        "list_cdmo_evidence",
        ok(b.admin.list_cdmo_evidence(&created.id).await.is_ok()),
        200,
    );
    check(
        "replace_cdmo_profile",
        status(b.admin.replace_cdmo_profile(&created.id, 2, &profile).await),
        403,
    );
    check(
        "patch_cdmo_profile",
        status(
            b.admin
                .patch_cdmo_profile(&created.id, 2, &serde_json::json!({"modalities": ["nk"]}))
                .await,
        ),
        403,
    );
    check(
        "add_cdmo_evidence",
        status(b.admin.add_cdmo_evidence(&created.id, &evidence).await),
        403,
    );
    check(
        "verify_cdmo_evidence",
        status(
            b.admin
                .verify_cdmo_evidence(&created.id, &a_evidence.id)
                .await,
        ),
        403,
    );
    check(
        "delete_cdmo_evidence",
        status(
            b.admin
                .delete_cdmo_evidence(&created.id, &a_evidence.id)
                .await,
        ),
        403,
    );
    // A profile's listing is its owner's business: it does not exist for others.
    let pause = cdmx_sdk::types::UnlistRequest {
        reason: cdmx_sdk::types::UnlistReason::IntakePaused,
        note: None,
        relist_on: None,
    };
    check(
        "unlist_cdmo_profile",
        status(b.admin.unlist_cdmo_profile(&created.id, &pause).await),
        404,
    );
    check(
        "relist_cdmo_profile",
        status(b.admin.relist_cdmo_profile(&created.id).await),
        404,
    );
    check(
        "list_cdmo_listing_history",
        status(
            b.admin
                .list_cdmo_listing_history(&created.id, &PageParams::default())
                .await,
        ),
        404,
    );
    assert_eq!(
        a.admin
            .get_cdmo_profile(&created.id)
            .await
            .unwrap()
            .revision,
        2
    );
    assert_eq!(
        a.admin
            .list_cdmo_evidence(&created.id)
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // Programmes and shortlists are the sponsor's alone.
    let c = app.sign_up(OrganizationKind::Sponsor, "Cobalt").await;
    let program = cdmx_sdk::types::ProgramRequest {
        name: "Allo CAR-T".into(),
        product: cdmx_sdk::types::Product {
            modality: cdmx_sdk::types::Modality::CarT,
            donor_source: cdmx_sdk::types::DonorSource::Autologous,
            gene_modification: cdmx_sdk::types::GeneModificationMethod::Lentiviral,
        },
        target_phase: cdmx_sdk::types::Phase::Phase1,
        target_markets: vec![],
        timeline: Default::default(),
        requirements: cdmx_sdk::types::RequirementSet {
            criteria: vec![cdmx_sdk::types::WeightedCriterion {
                weight_range: None,
                criterion: cdmx_sdk::types::Criterion::SuccessRate,
                weight: 1.0,
                scale: None,
                missing: None,
                origin: None,
                authorities: vec![],
                platforms: Vec::new(),
            }],
            ..Default::default()
        },
    };
    let c_program = c.admin.create_program(&program).await.unwrap();
    let shortlist_request = cdmx_sdk::types::CreateShortlistRequest {
        rank_acceptability: None,
        program_id: c_program.id.clone(),
        name: None,
        limit: None,
    };
    let c_shortlist = c.admin.create_shortlist(&shortlist_request).await.unwrap();
    check(
        "create_program",
        status(a.admin.create_program(&program).await),
        403,
    );
    check(
        "list_programs",
        ok(b.admin
            .list_programs(&ArchivableListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()),
        200,
    );
    check(
        "get_program",
        status(b.admin.get_program(&c_program.id).await),
        404,
    );
    check(
        "replace_program",
        status(b.admin.replace_program(&c_program.id, 1, &program).await),
        404,
    );
    check(
        "match_program",
        status(
            b.admin
                .match_program(&c_program.id, &Default::default())
                .await,
        ),
        404,
    );
    let adhoc = cdmx_sdk::types::MatchRequest {
        split_allocation: None,
        rank_acceptability: None,
        requirements: program.requirements.clone(),
        target_phase: None,
        limit: None,
        excluded_cursor: None,
    };
    check(
        "create_match",
        ok(b.admin.create_match(&adhoc).await.is_ok()),
        200,
    );
    check(
        "create_shortlist",
        status(b.admin.create_shortlist(&shortlist_request).await),
        422,
    );
    check(
        "list_shortlists",
        ok(b.admin
            .list_shortlists(&ArchivableListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()),
        200,
    );
    check(
        "get_shortlist",
        status(b.admin.get_shortlist(&c_shortlist.id).await),
        404,
    );
    let csv = cdmx_sdk::types::ReportParams {
        format: Some("csv".into()),
        table: None,
    };
    check(
        "get_shortlist_report",
        status(b.admin.get_shortlist_report(&c_shortlist.id, &csv).await),
        404,
    );
    // Archiving, decisions and share links are the owning sponsor's business.
    check(
        "archive_program",
        status(b.admin.archive_program(&c_program.id).await),
        404,
    );
    check(
        "unarchive_program",
        status(b.admin.unarchive_program(&c_program.id).await),
        404,
    );
    check(
        "archive_shortlist",
        status(b.admin.archive_shortlist(&c_shortlist.id).await),
        404,
    );
    check(
        "unarchive_shortlist",
        status(b.admin.unarchive_shortlist(&c_shortlist.id).await),
        404,
    );
    let no_award = cdmx_sdk::types::NewDecision {
        outcome: cdmx_sdk::types::DecisionOutcome::NoAward,
        selected_profile_ids: Vec::new(),
        rationale: "none".into(),
    };
    check(
        "create_shortlist_decision",
        status(
            b.admin
                .create_shortlist_decision(&c_shortlist.id, &no_award)
                .await,
        ),
        404,
    );
    check(
        "list_shortlist_decisions",
        status(
            b.admin
                .list_shortlist_decisions(&c_shortlist.id, &PageParams::default())
                .await,
        ),
        404,
    );
    check(
        "create_share_link",
        status(
            b.admin
                .create_share_link(&c_shortlist.id, &Default::default())
                .await,
        ),
        404,
    );
    check(
        "list_share_links",
        status(
            b.admin
                .list_share_links(&c_shortlist.id, &PageParams::default())
                .await,
        ),
        404,
    );
    let c_link = c
        .admin
        .create_share_link(&c_shortlist.id, &Default::default())
        .await
        .unwrap();
    check(
        "revoke_share_link",
        status(b.admin.revoke_share_link(&c_link.share_link.id).await),
        404,
    );
    // The shared report is public: its token is the credential, no account needed.
    let c_token = c_link
        .url
        .split("/v1/shared/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap();
    check(
        "get_shared_report",
        ok(app.client.get_shared_report(c_token, &csv).await.is_ok()),
        200,
    );
    assert!(
        c.admin
            .list_share_links(&c_shortlist.id, &PageParams::default())
            .await
            .unwrap()
            .items[0]
            .revoked_at
            .is_none()
    );
    assert_eq!(c.admin.get_program(&c_program.id).await.unwrap().version, 1);

    // Capacity watches are the sponsor's own: another's is invisible, its programme
    // cannot be watched by anyone else.
    let mut watched = c_program.program.requirements.clone();
    watched.capacity = Some(cdmx_sdk::types::CapacityNeed {
        slot_kind: cdmx_sdk::types::SlotKind::ClinicalGmpBatch,
        slots: 1,
        window_start: chrono::Utc::now().date_naive(),
        window_end: chrono::Utc::now().date_naive() + chrono::Days::new(365),
        required: true,
    });
    let c_watch = c
        .admin
        .create_capacity_watch(&cdmx_sdk::types::NewCapacityWatch {
            program_id: None,
            requirements: Some(watched),
        })
        .await
        .unwrap();
    check(
        "create_capacity_watch",
        status(
            b.admin
                .create_capacity_watch(&cdmx_sdk::types::NewCapacityWatch {
                    program_id: Some(c_program.id.clone()),
                    requirements: None,
                })
                .await,
        ),
        422,
    );
    check(
        "get_capacity_watch",
        status(b.admin.get_capacity_watch(&c_watch.id).await),
        404,
    );
    check(
        "delete_capacity_watch",
        status(b.admin.delete_capacity_watch(&c_watch.id).await),
        404,
    );
    let b_watches = b
        .admin
        .list_capacity_watches(&PageParams::default())
        .await
        .unwrap();
    check("list_capacity_watches", 200, 200);
    assert!(b_watches.items.is_empty(), "{b_watches:?}");
    assert_eq!(
        c.admin.get_capacity_watch(&c_watch.id).await.unwrap().id,
        c_watch.id
    );

    // Capacity is public to read; only its CDMO changes it. Reservations are private to
    // their two parties.
    let mut capacity = cdmx_sdk::types::NewCapacityBlock {
        site_key: "main".into(),
        suite: "Suite 1".into(),
        slot_kind: cdmx_sdk::types::SlotKind::ClinicalGmpBatch,
        donor_sources: vec![cdmx_sdk::types::DonorSource::Autologous],
        modalities: vec![cdmx_sdk::types::Modality::CarT],
        period_start: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        period_end: chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
        slots: 4,
        lead_time_days: 10,
        price_band: None,
    };
    let a_block = a
        .admin
        .create_capacity_block(&created.id, &capacity)
        .await
        .unwrap();
    capacity.suite = "Suite 2".into();
    let a_block_2 = a
        .admin
        .create_capacity_block(&created.id, &capacity)
        .await
        .unwrap();
    let c_hold = cdmx_sdk::types::NewReservation {
        capacity_id: a_block.id.clone(),
        slots: 1,
        program_id: None,
        note: None,
        shared_summary: None,
    };
    let c_reservation = c
        .admin
        .create_reservation(&c_hold, "c-key-1")
        .await
        .unwrap();
    check(
        "create_capacity_block",
        status(b.admin.create_capacity_block(&created.id, &capacity).await),
        403,
    );
    check(
        "search_capacity",
        ok(b.admin
            .search_capacity(&Default::default())
            .await
            .unwrap()
            .items
            .len()
            == 2),
        200,
    );
    check(
        "get_capacity_block",
        ok(b.admin.get_capacity_block(&a_block.id).await.is_ok()),
        200,
    );
    let grow = cdmx_sdk::types::CapacityBlockChange {
        slots: Some(9),
        ..Default::default()
    };
    check(
        "change_capacity_block",
        status(b.admin.change_capacity_block(&a_block.id, &grow).await),
        403,
    );
    check(
        "delete_capacity_block",
        status(b.admin.delete_capacity_block(&a_block_2.id).await),
        403,
    );
    check(
        "create_reservation",
        status(a.admin.create_reservation(&c_hold, "a-key-1").await),
        403,
    );
    let allocation = cdmx_sdk::types::NewAllocationHold {
        blocks: vec![cdmx_sdk::types::SlotOffer {
            capacity_id: a_block.id.clone(),
            slots: 1,
        }],
        program_id: None,
        note: None,
        shared_summary: None,
    };
    check(
        "create_allocation_hold",
        status(a.admin.create_allocation_hold(&allocation, "a-key-2").await),
        403,
    );
    check(
        "list_reservations",
        ok(b.admin
            .list_reservations(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()),
        200,
    );
    check(
        "get_reservation",
        status(b.admin.get_reservation(&c_reservation.id).await),
        404,
    );
    check(
        "list_reservation_events",
        status(b.admin.list_reservation_events(&c_reservation.id).await),
        404,
    );
    check(
        "confirm_reservation",
        status(b.admin.confirm_reservation(&c_reservation.id).await),
        404,
    );
    check(
        "decline_reservation",
        status(b.admin.decline_reservation(&c_reservation.id).await),
        404,
    );
    check(
        "cancel_reservation",
        status(b.admin.cancel_reservation(&c_reservation.id).await),
        404,
    );
    let elsewhere = cdmx_sdk::types::RescheduleRequest {
        capacity_id: a_block_2.id.clone(),
    };
    check(
        "reschedule_reservation",
        status(
            b.admin
                .reschedule_reservation(&c_reservation.id, &elsewhere)
                .await,
        ),
        404,
    );
    assert_eq!(
        c.admin
            .get_reservation(&c_reservation.id)
            .await
            .unwrap()
            .capacity_id,
        a_block.id
    );

    // RFIs and quotes are their sponsor's and their CDMO's only: B sees none of C's.
    let c_rfis = c
        .admin
        .create_rfi(&cdmx_sdk::types::NewRfi {
            program_id: c_program.id.clone(),
            cdmo_organization_ids: vec![a.organization.id.clone()],
            disclose: Default::default(),
            summary: None,
            withhold_sponsor_name: true,
            response_deadline: chrono::Utc::now() + chrono::Duration::days(7),
            message: None,
        })
        .await
        .unwrap();
    let c_rfi = c_rfis.rfis[0].id.clone();
    check(
        "create_rfi",
        status(
            b.admin
                .create_rfi(&cdmx_sdk::types::NewRfi {
                    program_id: c_program.id.clone(),
                    cdmo_organization_ids: vec![a.organization.id.clone()],
                    disclose: Default::default(),
                    summary: None,
                    withhold_sponsor_name: false,
                    response_deadline: chrono::Utc::now() + chrono::Duration::days(7),
                    message: None,
                })
                .await,
        ),
        422,
    );
    check(
        "list_rfis",
        ok(b.admin
            .list_rfis(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()),
        200,
    );
    check("get_rfi", status(b.admin.get_rfi(&c_rfi).await), 404);
    check(
        "accept_rfi_confidentiality",
        status(b.admin.accept_rfi_confidentiality(&c_rfi).await),
        404,
    );
    let reason = cdmx_sdk::types::DeclineRequest {
        reason: "not ours".into(),
    };
    check(
        "decline_rfi",
        status(b.admin.decline_rfi(&c_rfi, &reason).await),
        404,
    );
    let offer = cdmx_sdk::types::NewQuote {
        price_per_batch: 100_000,
        currency: "EUR".into(),
        tech_transfer_cost: None,
        tech_transfer_weeks: None,
        slots_offered: vec![cdmx_sdk::types::SlotOffer {
            capacity_id: a_block_2.id.clone(),
            slots: 1,
        }],
        valid_until: chrono::Utc::now() + chrono::Duration::days(7),
        assumptions: None,
        attachments: Vec::new(),
    };
    check(
        "create_quote",
        status(b.admin.create_quote(&c_rfi, &offer).await),
        404,
    );
    let c_quote = a.admin.create_quote(&c_rfi, &offer).await.unwrap();
    check(
        "get_quote",
        status(b.admin.get_quote(&c_quote.id).await),
        404,
    );
    check(
        "accept_quote",
        status(b.admin.accept_quote(&c_quote.id).await),
        404,
    );
    check(
        "decline_quote",
        status(b.admin.decline_quote(&c_quote.id, &reason).await),
        404,
    );
    check(
        "list_program_quotes",
        status(
            b.admin
                .list_program_quotes(&c_program.id, &PageParams::default())
                .await,
        ),
        404,
    );
    assert_eq!(
        c.admin.get_quote(&c_quote.id).await.unwrap().state,
        cdmx_sdk::types::QuoteState::Submitted
    );
    assert_eq!(
        a.admin
            .get_capacity_block(&a_block.id)
            .await
            .unwrap()
            .block
            .slots,
        4
    );

    // Another organisation's users are not B's to manage, through A's path or its own.
    let a_admin = a.admin_user.id.as_str();
    check(
        "deactivate_user",
        status(b.admin.deactivate_user(a.id(), a_admin).await),
        404,
    );
    check(
        "reactivate_user",
        status(b.admin.reactivate_user(a.id(), a_admin).await),
        404,
    );
    check(
        "delete_user",
        status(b.admin.delete_user(a.id(), a_admin).await),
        404,
    );
    assert_eq!(status(b.admin.delete_user(b.id(), a_admin).await), 404);

    // Signing out and changing a password concern the caller's own account only.
    let solo = app.sign_up(OrganizationKind::Sponsor, "Solo").await;
    check(
        "logout",
        if solo.admin.logout().await.is_ok() {
            204
        } else {
            0
        },
        204,
    );
    let change = cdmx_sdk::types::ChangePasswordRequest {
        current_password: cdmx_e2e::PASSWORD.into(),
        new_password: "another long passphrase".into(),
    };
    check(
        "change_password",
        if solo.admin.change_password(&change).await.is_ok() {
            204
        } else {
            0
        },
        204,
    );

    // A's data is intact: its key still works and no user was added.
    assert!(
        app.client
            .with_api_key(&a_key.secret)
            .get_me()
            .await
            .is_ok()
    );
    assert_eq!(
        a.admin
            .list_users(a.id(), &PageParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // The audit trail is always the caller's own: B's names nothing of A's.
    let trail = b
        .admin
        .list_audit_events(&Default::default())
        .await
        .unwrap();
    check("list_audit_events", 200, 200);
    assert!(
        trail
            .items
            .iter()
            .all(|e| e.actor_organization_id.is_none() && e.object_id != a.id()),
        "{trail:?}"
    );
    // The feed is the caller's own: B's names nothing of A's or C's.
    let feed = b.admin.list_events(&Default::default()).await.unwrap();
    check("list_events", 200, 200);
    assert!(
        feed.items
            .iter()
            .all(|e| e.actor.as_ref().is_none_or(|a| a.organization_id == b.id())),
        "{feed:?}"
    );
    // Webhook endpoints are the organisation's own: another's is invisible, and so are
    // another organisation's events. (Members get 403: the policy table test.)
    let a_hook = a
        .admin
        .create_webhook(&cdmx_sdk::types::NewWebhookEndpoint {
            url: "https://203.0.113.10/hooks".into(),
            event_types: Vec::new(),
            enabled: Some(false),
        })
        .await
        .unwrap();
    let a_event = a
        .admin
        .list_events(&Default::default())
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    check(
        "create_webhook",
        status(
            b.admin
                .create_webhook(&cdmx_sdk::types::NewWebhookEndpoint {
                    url: "http://127.0.0.1:9/hooks".into(),
                    event_types: Vec::new(),
                    enabled: None,
                })
                .await,
        ),
        422,
    );
    check(
        "get_webhook",
        status(b.admin.get_webhook(&a_hook.id).await),
        404,
    );
    check(
        "update_webhook",
        status(
            b.admin
                .update_webhook(
                    &a_hook.id,
                    &cdmx_sdk::types::WebhookEndpointChange::default(),
                )
                .await,
        ),
        404,
    );
    check(
        "rotate_webhook_secret",
        status(
            b.admin
                .rotate_webhook_secret(&a_hook.id, &Default::default())
                .await,
        ),
        404,
    );
    check(
        "list_webhook_deliveries",
        status(
            b.admin
                .list_webhook_deliveries(&a_hook.id, &PageParams::default())
                .await,
        ),
        404,
    );
    check(
        "redeliver_webhook_event",
        status(b.admin.redeliver_webhook_event(&a_hook.id, &a_event).await),
        404,
    );
    check(
        "delete_webhook",
        status(b.admin.delete_webhook(&a_hook.id).await),
        404,
    );
    let b_hooks = b.admin.list_webhooks(&PageParams::default()).await.unwrap();
    check("list_webhooks", 200, 200);
    assert!(b_hooks.items.is_empty(), "{b_hooks:?}");
    assert_eq!(a.admin.get_webhook(&a_hook.id).await.unwrap().secret, None);
    // Metrics are off unless a metrics token is configured.
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap();
    check("get_metrics", metrics.status().as_u16(), 404);

    // Every operation in the document is covered above: a new route fails this test
    // until its cross-organisation behaviour is written down here.
    let all: BTreeSet<String> = operations().into_iter().map(|o| o.0).collect();
    assert_eq!(covered, all);
}

#[tokio::test]
async fn platform_operators_read_organisations_but_do_not_manage_them() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let platform = app.platform_admin().await;
    assert_eq!(
        platform.get_organization(a.id()).await.unwrap().id,
        a.organization.id
    );
    assert_eq!(
        status(platform.list_api_keys(a.id(), &PageParams::default()).await),
        404
    );
    assert_eq!(
        status(platform.list_users(a.id(), &PageParams::default()).await),
        404
    );
}
