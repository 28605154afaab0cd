//! Share links: a shortlist's report for people without an account, through an
//! expiring, revocable link whose token is stored only as a hash.

use cdmx_e2e::{TestApp, expect_problem};
use cdmx_sdk::types::*;
use diesel::prelude::*;

use crate::reports::shortlist;

fn report(format: &str) -> ReportParams {
    ReportParams {
        format: Some(format.into()),
        table: None,
    }
}

/// The token part of a link's URL.
pub(crate) fn token_of(link: &CreatedShareLink) -> String {
    let rest = link
        .url
        .split("/v1/shared/")
        .nth(1)
        .expect("the URL names the shared report");
    let (token, tail) = rest.split_once('/').unwrap();
    assert_eq!(tail, "report");
    token.to_owned()
}

/// The problem an unusable link gets, without what differs per request.
async fn refused(app: &TestApp, token: &str) -> (String, String, Option<String>) {
    let response = reqwest::get(app.url(&format!("/v1/shared/{token}/report?format=csv")))
        .await
        .unwrap();
    let problem = expect_problem(response, reqwest::StatusCode::NOT_FOUND).await;
    assert!(
        !problem.instance.clone().unwrap_or_default().contains(token),
        "the token is not echoed"
    );
    (problem.problem_type, problem.title, problem.detail)
}

#[tokio::test]
async fn a_link_opens_the_report_without_an_account_and_counts_each_opening() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let created = sponsor
        .admin
        .create_share_link(
            &saved.id,
            &NewShareLink {
                label: Some(" Steering committee ".into()),
                expires_in_days: None,
            },
        )
        .await
        .unwrap();
    let link = &created.share_link;
    assert_eq!(link.label.as_deref(), Some("Steering committee"));
    assert_eq!(link.shortlist_id, saved.id);
    assert_eq!(link.created_by, sponsor.admin_user.id);
    assert_eq!(
        link.expires_at - link.created_at,
        chrono::Duration::days(14)
    );
    assert_eq!((link.open_count, link.last_opened_at), (0, None));
    assert!(created.url.starts_with(&app.base_url), "{}", created.url);
    let token = token_of(&created);
    assert_eq!(token.len(), 43);

    // Anyone with the URL reads the report, in every format the owner can export.
    let csv = app
        .client
        .get_shared_report(&token, &report("csv"))
        .await
        .unwrap();
    let owners = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap();
    assert_eq!(csv, owners, "the same file the owner exports");
    let pdf = app
        .client
        .get_shared_report(&token, &report("pdf"))
        .await
        .unwrap();
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let xlsx = app
        .client
        .get_shared_report(&token, &report("xlsx"))
        .await
        .unwrap();
    assert!(xlsx.bytes.starts_with(b"PK"));
    let response = reqwest::get(&created.url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );

    // Each opening is counted; the list never shows the token.
    let listed = sponsor
        .admin
        .list_share_links(&saved.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].open_count, 4);
    assert!(listed.items[0].last_opened_at.is_some());
    let token_for_raw = sponsor.token().await;
    let raw = reqwest::Client::new()
        .get(app.url(&format!("/v1/shortlists/{}/share-links", saved.id)))
        .bearer_auth(token_for_raw)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!raw.contains(&token), "{raw}");
    let trail = sponsor
        .admin
        .list_audit_events(&AuditEventFilter {
            action: Some(vec![AuditAction::ShareLinkOpened].into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(trail.items.len(), 4);
    assert!(
        trail
            .items
            .iter()
            .all(|e| e.object_id == link.id && e.actor_id.is_none())
    );

    // Only the token's SHA-256 is stored.
    use cdmx::db::schema::share_links;
    let mut conn = app.db.blocking_connection().unwrap();
    let stored: Vec<(String, String)> = share_links::table
        .select((share_links::id, share_links::token_hash))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, link.id);
    assert_ne!(stored[0].1, token);
    assert!(!stored[0].1.contains(&token));
    assert_eq!(stored[0].1, cdmx::auth::api_keys::digest(&token));
}

#[tokio::test]
async fn unknown_expired_and_revoked_links_get_the_same_404() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let unknown = refused(&app, &"A".repeat(43)).await;
    assert_eq!(refused(&app, "not-a-token").await, unknown);

    // Expired: its expiry moved into the past in the database.
    let expiring = sponsor
        .admin
        .create_share_link(&saved.id, &Default::default())
        .await
        .unwrap();
    let expiring_token = token_of(&expiring);
    assert!(
        app.client
            .get_shared_report(&expiring_token, &report("csv"))
            .await
            .is_ok()
    );
    {
        use cdmx::db::schema::share_links;
        let mut conn = app.db.blocking_connection().unwrap();
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
        diesel::update(share_links::table.find(&expiring.share_link.id))
            .set(share_links::expires_at.eq(past))
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(refused(&app, &expiring_token).await, unknown);

    // Revoked: at once; revoking again changes nothing.
    let revoked = sponsor
        .admin
        .create_share_link(&saved.id, &Default::default())
        .await
        .unwrap();
    let revoked_token = token_of(&revoked);
    sponsor
        .admin
        .revoke_share_link(&revoked.share_link.id)
        .await
        .unwrap();
    sponsor
        .admin
        .revoke_share_link(&revoked.share_link.id)
        .await
        .unwrap();
    assert_eq!(refused(&app, &revoked_token).await, unknown);
    let error = app
        .client
        .get_shared_report(&revoked_token, &report("pdf"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));

    let listed = sponsor
        .admin
        .list_share_links(&saved.id, &PageParams::default())
        .await
        .unwrap();
    let states: Vec<(&str, bool, u32)> = listed
        .items
        .iter()
        .map(|l| (l.id.as_str(), l.revoked_at.is_some(), l.open_count))
        .collect();
    assert_eq!(
        states,
        [
            (revoked.share_link.id.as_str(), true, 0),
            (expiring.share_link.id.as_str(), false, 1)
        ],
        "newest first; refused openings are not counted"
    );
}

#[tokio::test]
async fn only_the_owner_shares_lists_and_revokes_links() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Cells").await;
    let link = sponsor
        .admin
        .create_share_link(&saved.id, &Default::default())
        .await
        .unwrap();
    // Another sponsor: the shortlist and the link do not exist for it (404). A CDMO
    // keeps no shortlists: refused for its kind (403).
    for (client, expected) in [(&other.admin, Some(404)), (&cdmo.admin, Some(403))] {
        let status = |e: cdmx_sdk::Error| e.status();
        assert_eq!(
            client
                .create_share_link(&saved.id, &Default::default())
                .await
                .map_err(status)
                .unwrap_err(),
            expected,
            "another organisation's shortlist cannot be shared"
        );
        assert_eq!(
            client
                .list_share_links(&saved.id, &PageParams::default())
                .await
                .map_err(status)
                .unwrap_err(),
            expected
        );
        assert_eq!(
            client
                .revoke_share_link(&link.share_link.id)
                .await
                .map_err(status)
                .unwrap_err(),
            expected
        );
    }
    // Still working: nobody else revoked it.
    assert!(
        app.client
            .get_shared_report(&token_of(&link), &report("csv"))
            .await
            .is_ok()
    );

    // Lifetimes and labels are bounded.
    for (request, field) in [
        (
            NewShareLink {
                label: None,
                expires_in_days: Some(91),
            },
            "expires_in_days",
        ),
        (
            NewShareLink {
                label: None,
                expires_in_days: Some(0),
            },
            "expires_in_days",
        ),
        (
            NewShareLink {
                label: Some("x".repeat(201)),
                expires_in_days: None,
            },
            "label",
        ),
    ] {
        let error = sponsor
            .admin
            .create_share_link(&saved.id, &request)
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(422));
        assert_eq!(error.problem().unwrap().errors[0].field, field);
    }
}
