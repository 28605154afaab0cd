//! Decision records on shortlists, and archiving programmes and shortlists.

use cdmx_e2e::{TestApp, expect_problem};
use cdmx_sdk::types::*;

use crate::reports::shortlist;

fn award(ids: &[&str], rationale: &str) -> NewDecision {
    NewDecision {
        outcome: DecisionOutcome::Award,
        selected_profile_ids: ids.iter().map(|id| id.to_string()).collect(),
        rationale: rationale.into(),
    }
}

fn invalid_fields(error: cdmx_sdk::Error) -> Vec<String> {
    assert_eq!(error.status(), Some(422), "{error:?}");
    error
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.clone())
        .collect()
}

#[tokio::test]
async fn a_decision_is_recorded_listed_and_superseded_by_the_next() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let ranked = &saved.result.candidates;
    assert!(ranked.len() >= 2, "{ranked:?}");
    let none = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &PageParams::default())
        .await
        .unwrap();
    assert!(none.items.is_empty());

    let first = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &award(
                &[&ranked[1].profile_id, &ranked[0].profile_id],
                "  Dual sourcing: both pass QC.\nSigned off by the board.  ",
            ),
        )
        .await
        .unwrap();
    assert_eq!(first.shortlist_id, saved.id);
    assert_eq!(first.outcome, DecisionOutcome::Award);
    assert_eq!(
        first.rationale,
        "Dual sourcing: both pass QC.\nSigned off by the board."
    );
    let selected: Vec<(&str, &str, u32, u32)> = first
        .selected
        .iter()
        .map(|s| (s.profile_id.as_str(), s.name.as_str(), s.rank, s.revision))
        .collect();
    assert_eq!(
        selected,
        [
            (
                ranked[1].profile_id.as_str(),
                ranked[1].name.as_str(),
                2,
                ranked[1].revision
            ),
            (
                ranked[0].profile_id.as_str(),
                ranked[0].name.as_str(),
                1,
                ranked[0].revision
            ),
        ]
    );
    assert_eq!(first.decided_by.kind, PrincipalKind::User);
    assert_eq!(first.decided_by.id, sponsor.admin_user.id);
    assert_eq!(
        first.decided_by.name.as_deref(),
        Some(sponsor.admin_user.email.as_str())
    );
    assert_eq!(first.supersedes, None);
    assert!(first.current);

    let second = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &NewDecision {
                outcome: DecisionOutcome::NoAward,
                selected_profile_ids: Vec::new(),
                rationale: "Budget withdrawn; no award this round.".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.supersedes.as_deref(), Some(first.id.as_str()));
    assert!(second.current && second.selected.is_empty());

    let listed = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &PageParams::default())
        .await
        .unwrap();
    let ids: Vec<(&str, bool)> = listed
        .items
        .iter()
        .map(|d| (d.id.as_str(), d.current))
        .collect();
    assert_eq!(
        ids,
        [(second.id.as_str(), true), (first.id.as_str(), false)],
        "newest first, only the latest current"
    );
    assert_eq!(
        listed.items[1],
        Decision {
            current: false,
            ..first.clone()
        }
    );

    // Paged one at a time, in the same order.
    let page = PageParams {
        limit: Some(1),
        cursor: None,
    };
    let one = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &page)
        .await
        .unwrap();
    assert_eq!(one.items[0].id, second.id);
    let two = sponsor
        .admin
        .list_shortlist_decisions(
            &saved.id,
            &PageParams {
                limit: Some(1),
                cursor: one.next_cursor,
            },
        )
        .await
        .unwrap();
    assert_eq!(two.items[0].id, first.id);
    assert_eq!(two.next_cursor, None);

    // The trail names the decisions.
    let trail = sponsor
        .admin
        .list_audit_events(&AuditEventFilter {
            action: Some(vec![AuditAction::DecisionRecorded].into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(trail.items.len(), 2);
    assert!(
        trail.items[0]
            .detail
            .as_deref()
            .unwrap()
            .contains(&second.id)
    );
}

#[tokio::test]
async fn selections_must_be_ranked_candidates_and_no_award_selects_none() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let ranked = &saved.result.candidates[0].profile_id;
    let excluded = &saved.result.excluded[0].profile_id;
    let error = sponsor
        .admin
        .create_shortlist_decision(&saved.id, &award(&[ranked, excluded], "the cold one"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["selected_profile_ids[1]"]);
    let error = sponsor
        .admin
        .create_shortlist_decision(&saved.id, &award(&[ranked, ranked], "twice"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["selected_profile_ids[1]"]);
    let error = sponsor
        .admin
        .create_shortlist_decision(&saved.id, &award(&[], "nobody"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["selected_profile_ids"]);
    let error = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &NewDecision {
                outcome: DecisionOutcome::NoAward,
                selected_profile_ids: vec![ranked.clone()],
                rationale: "   ".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(error), ["rationale", "selected_profile_ids"]);
    let listed = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &PageParams::default())
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "nothing refused was recorded");
}

#[tokio::test]
async fn decisions_are_the_owners_and_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let decision = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &award(&[&saved.result.candidates[0].profile_id], "best"),
        )
        .await
        .unwrap();

    // Another sponsor: the shortlist does not exist for it (404). A CDMO keeps no
    // shortlists: refused for its kind (403), as for programmes.
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Cells").await;
    for (client, expected) in [(&other.admin, 404), (&cdmo.admin, 403)] {
        let error = client
            .create_shortlist_decision(&saved.id, &award(&[], "x"))
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(expected));
        let error = client
            .list_shortlist_decisions(&saved.id, &PageParams::default())
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(expected));
    }

    // No route updates or deletes a decision.
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let collection = app.url(&format!("/v1/shortlists/{}/decisions", saved.id));
    let item = format!("{collection}/{}", decision.id);
    for (method, url) in [
        (reqwest::Method::PUT, &collection),
        (reqwest::Method::PATCH, &collection),
        (reqwest::Method::DELETE, &collection),
        (reqwest::Method::GET, &item),
        (reqwest::Method::PUT, &item),
        (reqwest::Method::PATCH, &item),
        (reqwest::Method::DELETE, &item),
    ] {
        let response = http
            .request(method.clone(), url.as_str())
            .bearer_auth(&token)
            .json(&serde_json::json!({"rationale": "changed"}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(status == 404 || status == 405, "{method} {url}: {status}");
    }
    let listed = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items, [decision]);
}

#[tokio::test]
async fn a_retried_decision_with_its_idempotency_key_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let url = app.url(&format!("/v1/shortlists/{}/decisions", saved.id));
    let body = award(&[&saved.result.candidates[0].profile_id], "best");
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = http
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", "decision-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let replayed = response.headers().get("idempotent-replayed").is_some();
        answers.push((replayed, response.json::<Decision>().await.unwrap()));
    }
    assert!(!answers[0].0 && answers[1].0);
    assert_eq!(answers[0].1, answers[1].1);
    let other_body = award(&[&saved.result.candidates[1].profile_id], "other");
    let response = http
        .post(&url)
        .bearer_auth(&token)
        .header("Idempotency-Key", "decision-1")
        .json(&other_body)
        .send()
        .await
        .unwrap();
    expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    let listed = sponsor
        .admin
        .list_shortlist_decisions(&saved.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn archiving_hides_from_default_lists_and_unarchiving_restores() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let client = &sponsor.admin;
    let archived_only = ArchivableListParams {
        archived: Some(true),
        ..Default::default()
    };
    let shortlist_ids = |page: Page<ShortlistSummary>| -> Vec<String> {
        page.items.into_iter().map(|s| s.id).collect()
    };
    let program_ids =
        |page: Page<Program>| -> Vec<String> { page.items.into_iter().map(|p| p.id).collect() };

    let archived = client.archive_shortlist(&saved.id).await.unwrap();
    let since = archived.archived_at.expect("archived_at is set");
    assert_eq!(
        Shortlist {
            archived_at: None,
            ..archived.clone()
        },
        saved,
        "archiving changes nothing else"
    );
    let again = client.archive_shortlist(&saved.id).await.unwrap();
    assert_eq!(
        again.archived_at,
        Some(since),
        "archiving again keeps the date"
    );
    assert!(shortlist_ids(client.list_shortlists(&Default::default()).await.unwrap()).is_empty());
    let listed = client.list_shortlists(&archived_only).await.unwrap();
    assert_eq!(listed.items[0].archived_at, Some(since));
    assert_eq!(shortlist_ids(listed), [saved.id.as_str()]);
    // Still readable by id, and its report still renders.
    assert_eq!(client.get_shortlist(&saved.id).await.unwrap(), archived);
    let csv = ReportParams {
        format: Some("csv".into()),
        table: None,
    };
    assert!(client.get_shortlist_report(&saved.id, &csv).await.is_ok());
    let restored = client.unarchive_shortlist(&saved.id).await.unwrap();
    assert_eq!(restored, saved);
    assert_eq!(
        shortlist_ids(client.list_shortlists(&Default::default()).await.unwrap()),
        [saved.id.as_str()]
    );
    assert!(shortlist_ids(client.list_shortlists(&archived_only).await.unwrap()).is_empty());
    assert_eq!(client.unarchive_shortlist(&saved.id).await.unwrap(), saved);

    // Programmes alike.
    let program = client.get_program(&saved.program_id).await.unwrap();
    let archived = client.archive_program(&program.id).await.unwrap();
    assert!(archived.archived_at.is_some());
    assert_eq!(archived.version, program.version);
    assert!(program_ids(client.list_programs(&Default::default()).await.unwrap()).is_empty());
    assert_eq!(
        program_ids(client.list_programs(&archived_only).await.unwrap()),
        [program.id.as_str()]
    );
    assert_eq!(client.get_program(&program.id).await.unwrap(), archived);
    assert_eq!(
        client.unarchive_program(&program.id).await.unwrap(),
        program
    );
    assert_eq!(
        program_ids(client.list_programs(&Default::default()).await.unwrap()),
        [program.id.as_str()]
    );

    // Another organisation cannot archive them; a CDMO is refused too.
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    assert_eq!(
        other
            .admin
            .archive_shortlist(&saved.id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(
        other
            .admin
            .archive_program(&program.id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

/// The current decision appears in the shortlist's report, in words, with what it
/// supersedes.
#[tokio::test]
async fn the_current_decision_is_in_the_report() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let html = |file: cdmx_sdk::ReportFile| String::from_utf8(file.bytes).unwrap();
    let params = ReportParams {
        format: Some("html".into()),
        table: None,
    };
    let before = html(
        sponsor
            .admin
            .get_shortlist_report(&saved.id, &params)
            .await
            .unwrap(),
    );
    assert!(!before.contains("Supersedes decision"));
    let first = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &award(&[&saved.result.candidates[0].profile_id], "First pick."),
        )
        .await
        .unwrap();
    let second = sponsor
        .admin
        .create_shortlist_decision(
            &saved.id,
            &NewDecision {
                outcome: DecisionOutcome::NoAward,
                selected_profile_ids: Vec::new(),
                rationale: "Budget withdrawn by the steering committee.".into(),
            },
        )
        .await
        .unwrap();
    let after = html(
        sponsor
            .admin
            .get_shortlist_report(&saved.id, &params)
            .await
            .unwrap(),
    );
    for text in [
        "No award",
        "Budget withdrawn by the steering committee.",
        second.id.as_str(),
        first.id.as_str(),
        "Supersedes decision",
    ] {
        assert!(after.contains(text), "{text} missing from the report");
    }
    assert!(
        !after.contains("First pick."),
        "only the current decision is shown"
    );
}
