//! CDMO capability profiles: creation, validation, revisions with If-Match, merge patch,
//! cross-organisation edits, evidence.

use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::{
    Confidence, CreateUserRequest, DiffParams, EvidenceKind, EvidenceStatus, NewEvidence,
    OrganizationKind, PageParams, ProfileSection, Role,
};
use serde_json::json;

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

fn confidence(profile: &cdmx_sdk::types::CdmoProfile, section: ProfileSection) -> Confidence {
    profile
        .confidence
        .iter()
        .find(|c| c.section == section)
        .unwrap()
        .confidence
}

async fn cdmo_with_profile(
    app: &TestApp,
    name: &str,
) -> (OrgFixture, cdmx_sdk::types::CdmoProfile) {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    let profile = org
        .admin
        .create_cdmo_profile(&base_profile(name))
        .await
        .unwrap();
    (org, profile)
}

#[tokio::test]
async fn a_cdmo_admin_creates_one_profile_at_revision_1() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix Cell Works").await;
    assert_eq!(profile.revision, 1);
    assert_eq!(profile.organization_id, org.organization.id);
    assert!(
        !profile.organization_verified,
        "unverified CDMOs are flagged"
    );
    assert_eq!(profile.profile, base_profile("Helix Cell Works"));
    assert!(
        profile
            .confidence
            .iter()
            .all(|c| c.confidence == Confidence::SelfDeclared)
    );
    assert_eq!(
        status(org.admin.create_cdmo_profile(&base_profile("Again")).await),
        409
    );

    // The ETag header carries the revision.
    let token = org.token().await;
    let response = reqwest::Client::new()
        .get(app.url(&format!("/v1/cdmos/{}", profile.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
}

#[tokio::test]
async fn only_cdmo_admins_create_profiles() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    assert_eq!(
        status(
            sponsor
                .admin
                .create_cdmo_profile(&base_profile("Acme"))
                .await
        ),
        403
    );
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    cdmo.admin
        .create_user(
            cdmo.id(),
            &CreateUserRequest {
                email: "m@helix.example".into(),
                password: cdmx_e2e::PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    let member = app
        .client
        .login("m@helix.example", cdmx_e2e::PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        status(member.create_cdmo_profile(&base_profile("Helix")).await),
        403
    );
}

#[tokio::test]
async fn invalid_profiles_are_422_naming_every_bad_field() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let mut profile = base_profile("Helix");
    profile.sites[0].country = "FRA".into();
    profile.sites[0].latitude = 123.0;
    profile.performance.success_rate_percent = Some(140.0);
    profile.tech_transfer.cost_usd_min = Some(9_000_000);
    profile.modalities.clear();
    let err = org.admin.create_cdmo_profile(&profile).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    let fields: Vec<&str> = err
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "sites[0].country",
            "sites[0].latitude",
            "modalities",
            "performance.success_rate_percent",
            "tech_transfer.cost_usd_max"
        ]
    );
    // Nothing was stored.
    assert!(
        org.admin
            .create_cdmo_profile(&base_profile("Helix"))
            .await
            .is_ok()
    );

    // A nested unknown field or a wrong type is a 400 naming its path.
    let mut raw = serde_json::to_value(base_profile("X")).unwrap();
    raw["sites"][0]["grade"] = json!("a");
    let other = app.sign_up(OrganizationKind::Cdmo, "Other").await;
    let token = other.token().await;
    let problem: cdmx_sdk::types::Problem = reqwest::Client::new()
        .post(app.url("/v1/cdmos"))
        .bearer_auth(&token)
        .json(&raw)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(problem.status, 400);
    assert_eq!(
        problem.errors[0].message, "is not a known field",
        "{problem:?}"
    );
    assert_eq!(problem.errors[0].field, "sites[0].grade");
}

#[tokio::test]
async fn updates_need_if_match_and_stale_revisions_are_refused() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix").await;
    let token = org.token().await;
    let url = app.url(&format!("/v1/cdmos/{}", profile.id));
    let http = reqwest::Client::new();
    let without = http
        .put(&url)
        .bearer_auth(&token)
        .json(&base_profile("Helix"))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 428);
    assert_eq!(
        without.headers()["content-type"],
        "application/problem+json"
    );
    let patch_without = http
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch_without.status(), 428);

    let mut edited = base_profile("Helix");
    edited.qc.release_turnaround_days = Some(5);
    let v2 = org
        .admin
        .replace_cdmo_profile(&profile.id, 1, &edited)
        .await
        .unwrap();
    assert_eq!(v2.revision, 2);
    assert_eq!(v2.profile.qc.release_turnaround_days, Some(5));
    // A second editor still on revision 1 is refused, whichever way it writes.
    let err = org
        .admin
        .replace_cdmo_profile(&profile.id, 1, &base_profile("Helix"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("revision 2")
    );
    assert_eq!(
        status(
            org.admin
                .patch_cdmo_profile(&profile.id, 1, &json!({"qc": {"qp_release": false}}))
                .await
        ),
        412
    );
    let current = org.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(current.revision, 2);
    assert_eq!(current.profile, v2.profile, "nothing was overwritten");
}

#[tokio::test]
async fn concurrent_editors_of_one_revision_yield_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix").await;
    let mut editors = Vec::new();
    for i in 0..8u32 {
        let client = org.admin.clone();
        let id = profile.id.clone();
        editors.push(tokio::spawn(async move {
            client
                .patch_cdmo_profile(&id, 1, &json!({"qc": {"release_turnaround_days": 10 + i}}))
                .await
        }));
    }
    let mut winners = Vec::new();
    let mut refused = 0;
    for editor in editors {
        match editor.await.unwrap() {
            Ok(profile) => winners.push(profile),
            Err(err) => {
                assert_eq!(err.status(), Some(412), "{err}");
                refused += 1;
            }
        }
    }
    assert_eq!((winners.len(), refused), (1, 7));
    let revisions = org
        .admin
        .list_cdmo_revisions(&profile.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(
        revisions
            .items
            .iter()
            .map(|r| r.revision)
            .collect::<Vec<_>>(),
        [2, 1]
    );
    let current = org.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(current.profile, winners[0].profile);
}

#[tokio::test]
async fn revisions_are_immutable_and_diffable() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix").await;
    let v2 = org
        .admin
        .patch_cdmo_profile(
            &profile.id,
            1,
            &json!({"cryo": {"min_storage_temp_c": -190}, "modalities": ["car_t", "nk"]}),
        )
        .await
        .unwrap();
    assert_eq!(v2.profile.cryo.min_storage_temp_c, Some(-190));
    assert_eq!(
        v2.profile.cryo.storage_positions,
        Some(1500),
        "merge patch keeps what it does not name"
    );
    let first = org.admin.get_cdmo_revision(&profile.id, 1).await.unwrap();
    assert_eq!(first.profile, base_profile("Helix"));
    assert_eq!(first.created_by, org.admin_user.id);
    let second = org.admin.get_cdmo_revision(&profile.id, 2).await.unwrap();
    assert_eq!(second.profile, v2.profile);
    assert_eq!(
        status(org.admin.get_cdmo_revision(&profile.id, 3).await),
        404
    );

    let diff = org
        .admin
        .diff_cdmo_revisions(&profile.id, 2, &DiffParams::default())
        .await
        .unwrap();
    let paths: Vec<&str> = diff.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/cryo/min_storage_temp_c", "/modalities/1"]);
    assert_eq!(diff.changes[0].before, Some(json!(-180)));
    assert_eq!(diff.changes[0].after, Some(json!(-190)));
    assert_eq!(
        status(
            org.admin
                .diff_cdmo_revisions(&profile.id, 1, &DiffParams::default())
                .await
        ),
        422
    );

    // Revisions page newest first.
    let page = org
        .admin
        .list_cdmo_revisions(
            &profile.id,
            &PageParams {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].revision, 2);
    let next = org
        .admin
        .list_cdmo_revisions(
            &profile.id,
            &PageParams {
                limit: Some(1),
                cursor: page.next_cursor,
            },
        )
        .await
        .unwrap();
    assert_eq!(next.items[0].revision, 1);
    assert!(next.next_cursor.is_none());
}

#[tokio::test]
async fn merge_patches_that_break_the_profile_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix").await;
    let err = org
        .admin
        .patch_cdmo_profile(
            &profile.id,
            1,
            &json!({"qc": {"release_turnaround_days": "soon"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(
        err.problem().unwrap().errors[0].field,
        "qc.release_turnaround_days"
    );
    let err = org
        .admin
        .patch_cdmo_profile(&profile.id, 1, &json!({"organization": null}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let err = org
        .admin
        .patch_cdmo_profile(&profile.id, 1, &json!({"sites": []}))
        .await
        .unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].field, "sites");
    assert_eq!(
        org.admin
            .get_cdmo_profile(&profile.id)
            .await
            .unwrap()
            .revision,
        1
    );
}

#[tokio::test]
async fn profiles_are_public_to_read_but_only_their_owner_edits() {
    let app = TestApp::spawn().await;
    let (_, profile) = cdmo_with_profile(&app, "Helix").await;
    let (rival, _) = cdmo_with_profile(&app, "Rival").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    assert_eq!(
        sponsor
            .admin
            .get_cdmo_profile(&profile.id)
            .await
            .unwrap()
            .id,
        profile.id
    );
    assert_eq!(
        sponsor
            .admin
            .get_cdmo_revision(&profile.id, 1)
            .await
            .unwrap()
            .revision,
        1
    );
    for outsider in [&rival.admin, &sponsor.admin] {
        assert_eq!(
            status(
                outsider
                    .replace_cdmo_profile(&profile.id, 1, &base_profile("Mine now"))
                    .await
            ),
            403
        );
        assert_eq!(
            status(
                outsider
                    .patch_cdmo_profile(&profile.id, 1, &json!({"modalities": ["nk"]}))
                    .await
            ),
            403
        );
        let evidence = NewEvidence {
            subject: "/qc".into(),
            kind: EvidenceKind::Document,
            reference: "x".into(),
            url: None,
            expires_on: None,
        };
        assert_eq!(
            status(outsider.add_cdmo_evidence(&profile.id, &evidence).await),
            403
        );
    }
    assert_eq!(
        status(sponsor.admin.get_cdmo_profile("no-such-profile").await),
        404
    );
    let unchanged = sponsor.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(unchanged.revision, 1);
}

#[tokio::test]
async fn evidence_is_verified_by_platform_admins_only_and_reset_when_its_fact_changes() {
    let app = TestApp::spawn().await;
    let (org, profile) = cdmo_with_profile(&app, "Helix").await;
    let platform = app.platform_admin().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;

    let licence = org
        .admin
        .add_cdmo_evidence(
            &profile.id,
            &NewEvidence {
                subject: "/sites/0/licences/0".into(),
                kind: EvidenceKind::Certificate,
                reference: "FR-MIA-2020-0042".into(),
                url: Some("https://registry.example/FR-MIA-2020-0042".into()),
                expires_on: Some(chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap()),
            },
        )
        .await
        .unwrap();
    assert_eq!(licence.status, EvidenceStatus::Unverified);
    assert_eq!(licence.section, ProfileSection::Sites);
    let qc = org
        .admin
        .add_cdmo_evidence(
            &profile.id,
            &NewEvidence {
                subject: "/qc".into(),
                kind: EvidenceKind::Document,
                reference: "QC-SOP-7".into(),
                url: None,
                expires_on: None,
            },
        )
        .await
        .unwrap();

    for not_platform in [&org.admin, &sponsor.admin] {
        assert_eq!(
            status(
                not_platform
                    .verify_cdmo_evidence(&profile.id, &licence.id)
                    .await
            ),
            403
        );
    }
    let verified = platform
        .verify_cdmo_evidence(&profile.id, &licence.id)
        .await
        .unwrap();
    assert_eq!(verified.status, EvidenceStatus::Verified);
    assert!(verified.verified_at.is_some());
    platform
        .verify_cdmo_evidence(&profile.id, &qc.id)
        .await
        .unwrap();
    let current = sponsor.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(
        confidence(&current, ProfileSection::Sites),
        Confidence::Verified
    );
    assert_eq!(
        confidence(&current, ProfileSection::Qc),
        Confidence::Verified
    );
    assert_eq!(
        confidence(&current, ProfileSection::Cryo),
        Confidence::SelfDeclared
    );

    // Editing the licence resets its verification; the untouched QC evidence stays.
    let mut edited = base_profile("Helix");
    edited.sites[0].licences[0].scope = "ATMP manufacture and QC testing".into();
    let v2 = org
        .admin
        .replace_cdmo_profile(&profile.id, 1, &edited)
        .await
        .unwrap();
    assert_eq!(
        confidence(&v2, ProfileSection::Sites),
        Confidence::SelfDeclared
    );
    assert_eq!(confidence(&v2, ProfileSection::Qc), Confidence::Verified);
    let evidence = sponsor
        .admin
        .list_cdmo_evidence(&profile.id)
        .await
        .unwrap()
        .items;
    let licence_now = evidence.iter().find(|e| e.id == licence.id).unwrap();
    assert_eq!(licence_now.status, EvidenceStatus::Unverified);
    assert!(licence_now.verification_reset_at.is_some());
    assert_eq!(
        evidence.iter().find(|e| e.id == qc.id).unwrap().status,
        EvidenceStatus::Verified
    );

    // Expired evidence cannot be verified; verified evidence that expired shows as such.
    let stale = org
        .admin
        .add_cdmo_evidence(
            &profile.id,
            &NewEvidence {
                subject: "/cryo".into(),
                kind: EvidenceKind::InspectionReport,
                reference: "old".into(),
                url: None,
                expires_on: Some(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            },
        )
        .await
        .unwrap();
    assert_eq!(stale.status, EvidenceStatus::Expired);
    assert_eq!(
        status(platform.verify_cdmo_evidence(&profile.id, &stale.id).await),
        409
    );

    // Subjects must exist; soft factors carry no evidence.
    for subject in ["/sites/5", "/soft_factors", "qc"] {
        let bad = NewEvidence {
            subject: subject.into(),
            kind: EvidenceKind::Document,
            reference: "r".into(),
            url: None,
            expires_on: None,
        };
        let err = org
            .admin
            .add_cdmo_evidence(&profile.id, &bad)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422), "{subject}");
        assert_eq!(err.problem().unwrap().errors[0].field, "subject");
    }

    // Only the owner removes evidence.
    assert_eq!(
        status(
            sponsor
                .admin
                .delete_cdmo_evidence(&profile.id, &qc.id)
                .await
        ),
        403
    );
    org.admin
        .delete_cdmo_evidence(&profile.id, &qc.id)
        .await
        .unwrap();
    assert_eq!(
        status(org.admin.delete_cdmo_evidence(&profile.id, &qc.id).await),
        404
    );
    let after = org.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(
        confidence(&after, ProfileSection::Qc),
        Confidence::SelfDeclared
    );
}
