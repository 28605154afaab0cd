//! The audit trail: each recorded action appears in its organisation's trail, with who
//! did it to what, newest first; only admins read it, and only their own.

use cdmx_e2e::{PASSWORD, TestApp, base_profile};
use cdmx_sdk::types::*;
use chrono::NaiveDate;

fn block() -> NewCapacityBlock {
    NewCapacityBlock {
        site_key: "main".into(),
        suite: "Suite 2".into(),
        slot_kind: SlotKind::ClinicalGmpBatch,
        donor_sources: vec![DonorSource::Autologous],
        modalities: vec![Modality::CarT],
        period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        period_end: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
        slots: 4,
        lead_time_days: 30,
        price_band: None,
    }
}

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

#[tokio::test]
async fn each_recorded_action_appears_in_the_organisations_trail() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    let admin_id = cdmo.admin_user.id.clone();

    // Capacity: published, changed, withdrawn.
    let published = cdmo
        .admin
        .create_capacity_block(&profile.id, &block())
        .await
        .unwrap();
    cdmo.admin
        .change_capacity_block(
            &published.id,
            &CapacityBlockChange {
                slots: Some(6),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    cdmo.admin
        .delete_capacity_block(&published.id)
        .await
        .unwrap();
    // Evidence deleted.
    let evidence = cdmo
        .admin
        .add_cdmo_evidence(
            &profile.id,
            &NewEvidence {
                subject: "/qc".into(),
                kind: EvidenceKind::Document,
                reference: "SOP-QC-7".into(),
                url: None,
                expires_on: None,
            },
        )
        .await
        .unwrap();
    cdmo.admin
        .delete_cdmo_evidence(&profile.id, &evidence.id)
        .await
        .unwrap();
    // Unlisted, relisted.
    cdmo.admin
        .unlist_cdmo_profile(
            &profile.id,
            &UnlistRequest {
                reason: UnlistReason::IntakePaused,
                note: None,
                relist_on: None,
            },
        )
        .await
        .unwrap();
    cdmo.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    // A member is refused an admin action, then refused the trail itself.
    cdmo.admin
        .create_user(
            cdmo.id(),
            &CreateUserRequest {
                email: "tech@helix.example".into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    let member = app
        .client
        .login("tech@helix.example", PASSWORD)
        .await
        .unwrap();
    assert_eq!(status(member.relist_cdmo_profile(&profile.id).await), 403);
    assert_eq!(
        status(member.list_audit_events(&Default::default()).await),
        403
    );

    let trail = cdmo
        .admin
        .list_audit_events(&AuditEventFilter::default())
        .await
        .unwrap()
        .items;
    let got: Vec<(AuditAction, AuditObjectKind, &str)> = trail
        .iter()
        .filter(|e| e.action != AuditAction::UserCreated && e.action != AuditAction::LoginSucceeded)
        .map(|e| (e.action, e.object_kind, e.object_id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                AuditAction::AuthorizationDenied,
                AuditObjectKind::Request,
                "GET /v1/audit-events"
            ),
            (
                AuditAction::AuthorizationDenied,
                AuditObjectKind::Request,
                "POST /v1/cdmos/{id}/relist"
            ),
            (
                AuditAction::ProfileRelisted,
                AuditObjectKind::Profile,
                profile.id.as_str()
            ),
            (
                AuditAction::ProfileUnlisted,
                AuditObjectKind::Profile,
                profile.id.as_str()
            ),
            (
                AuditAction::EvidenceDeleted,
                AuditObjectKind::Evidence,
                evidence.id.as_str()
            ),
            (
                AuditAction::CapacityWithdrawn,
                AuditObjectKind::CapacityBlock,
                published.id.as_str()
            ),
            (
                AuditAction::CapacityChanged,
                AuditObjectKind::CapacityBlock,
                published.id.as_str()
            ),
            (
                AuditAction::CapacityPublished,
                AuditObjectKind::CapacityBlock,
                published.id.as_str()
            ),
        ]
    );
    // Who did it: the admin for the changes, the member for the refusals.
    let refusals: Vec<&AuditEvent> = trail
        .iter()
        .filter(|e| e.action == AuditAction::AuthorizationDenied)
        .collect();
    assert!(
        refusals
            .iter()
            .all(|e| e.actor_kind == Some(PrincipalKind::User)
                && e.actor_id.as_deref() != Some(admin_id.as_str())),
        "{refusals:?}"
    );
    let relisted = trail
        .iter()
        .find(|e| e.action == AuditAction::ProfileRelisted)
        .unwrap();
    assert_eq!(relisted.actor_id.as_deref(), Some(admin_id.as_str()));
    assert_eq!(relisted.actor_organization_id, None);

    // Filters and paging: by action, by object; pages of two follow each other.
    let capacity = cdmo
        .admin
        .list_audit_events(&AuditEventFilter {
            action: Some(
                vec![
                    AuditAction::CapacityPublished,
                    AuditAction::CapacityWithdrawn,
                ]
                .into(),
            ),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(capacity.len(), 2);
    let about_evidence = cdmo
        .admin
        .list_audit_events(&AuditEventFilter {
            object_id: Some(evidence.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(about_evidence.len(), 1);
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = cdmo
            .admin
            .list_audit_events(&AuditEventFilter {
                limit: Some(2),
                cursor,
                ..Default::default()
            })
            .await
            .unwrap();
        paged.extend(page.items.into_iter().map(|e| e.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let all: Vec<String> = cdmo
        .admin
        .list_audit_events(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(paged, all);

    // Another organisation's admin sees none of it.
    let other = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let theirs = other
        .admin
        .list_audit_events(&Default::default())
        .await
        .unwrap()
        .items;
    assert!(
        theirs
            .iter()
            .all(|e| e.object_id != profile.id && e.action != AuditAction::AuthorizationDenied),
        "{theirs:?}"
    );
}

#[tokio::test]
async fn sign_ins_users_keys_and_verification_are_in_the_trail() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    // A failed sign-in naming the admin, then users and keys changing.
    assert!(
        app.client
            .login(&cdmo.admin_user.email, "not the password at all")
            .await
            .is_err()
    );
    let member = cdmo
        .admin
        .create_user(
            cdmo.id(),
            &CreateUserRequest {
                email: "tech@helix.example".into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    cdmo.admin
        .deactivate_user(cdmo.id(), &member.id)
        .await
        .unwrap();
    let key = cdmo
        .admin
        .create_api_key(cdmo.id(), &CreateApiKeyRequest::new("erp"))
        .await
        .unwrap();
    cdmo.admin
        .revoke_api_key(cdmo.id(), &key.api_key.id)
        .await
        .unwrap();
    app.verify(cdmo.id()).await;

    let trail = cdmo
        .admin
        .list_audit_events(&AuditEventFilter::default())
        .await
        .unwrap()
        .items;
    let got: Vec<(AuditAction, &str)> = trail
        .iter()
        .map(|e| (e.action, e.object_id.as_str()))
        .collect();
    let admin = cdmo.admin_user.id.as_str();
    assert_eq!(
        got,
        [
            (AuditAction::OrganizationVerified, cdmo.id()),
            (AuditAction::ApiKeyRevoked, key.api_key.id.as_str()),
            (AuditAction::ApiKeyCreated, key.api_key.id.as_str()),
            (AuditAction::UserDeactivated, member.id.as_str()),
            (AuditAction::UserCreated, member.id.as_str()),
            (AuditAction::LoginFailed, admin),
            (AuditAction::LoginSucceeded, admin),
        ]
    );
    // A failed sign-in has no actor but the client address; the verification names the
    // platform operator's organisation.
    let failed = &trail[5];
    assert_eq!(
        (failed.actor_kind, failed.actor_id.as_deref()),
        (None, None)
    );
    assert_eq!(failed.client_address.as_deref(), Some("127.0.0.1"));
    assert!(trail[0].actor_organization_id.is_some());
    assert_eq!(trail[0].actor_kind, Some(PrincipalKind::User));
}
