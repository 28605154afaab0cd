//! Share links: a sponsor lets people without an account open one shortlist's report,
//! read-only, until the link expires or is revoked. The token is shown once; only its
//! hash is stored. Unknown, expired and revoked tokens are answered alike (404), and
//! every successful opening is counted and recorded in the owner's audit trail.

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, CreatedShareLink, NewShareLink, Page, PageParams, ShareLink,
};
use chrono::Duration;

use super::matching::own_programs;
use super::pagination::PageRequest;
use super::reports::{ReportFile, ReportFormat, ReportReader, render_report};
use super::{audit, views};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::auth::share_tokens;
use crate::db::audit::{Actor, NewAuditEvent};
use crate::db::share_links::{self, ShareLinkRow};
use crate::db::{self, new_id, now, programs};
use crate::domain::share_links::ShareTerms;
use crate::error::ApiError;
use crate::startup::AppState;

/// Cursor kind of a shortlist's links: they page newest first, by id.
const CURSOR_KIND: &str = "before";

/// The path of the public report a token opens.
pub fn shared_report_path(token: &str) -> String {
    format!("/v1/shared/{token}/report")
}

/// Creates a link to one of the caller's shortlists' reports; `base_url` is the
/// server's address as the caller reached it (`https://cdmx.example`), for the link's
/// `url`.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    request: NewShareLink,
    base_url: &str,
) -> Result<CreatedShareLink, ApiError> {
    own_programs(principal, Action::ShareReports)?;
    let terms = ShareTerms::parse(request)?;
    let token = share_tokens::generate()?;
    let at = now();
    let row = ShareLinkRow {
        id: new_id(),
        shortlist_id,
        organization_id: principal.organization_id.clone(),
        token_hash: token.hash,
        label: terms.label,
        created_by: principal.id.clone(),
        created_at: at,
        expires_at: at + Duration::days(i64::from(terms.days)),
        revoked_at: None,
        open_count: 0,
        last_opened_at: None,
    };
    let mut event = audit::by(
        principal,
        &principal.organization_id,
        AuditAction::ShareLinkCreated,
        AuditObjectKind::ShareLink,
        &row.id,
    );
    event.detail = Some(format!(
        "shortlist {}, expires {}",
        row.shortlist_id,
        row.expires_at.format("%Y-%m-%d %H:%M UTC")
    ));
    let row = state
        .db
        .write(move |c| {
            // Another organisation's shortlist does not exist for the caller (404).
            programs::find_shortlist(c, &row.organization_id, &row.shortlist_id)?;
            share_links::insert(c, &row)?;
            db::audit::record(c, event)?;
            Ok(row)
        })
        .await?;
    Ok(CreatedShareLink {
        share_link: views::share_link(row)?,
        url: format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            shared_report_path(&token.token)
        ),
    })
}

/// A page of one of the caller's shortlists' links, newest first, without tokens.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    params: PageParams,
) -> Result<Page<ShareLink>, ApiError> {
    own_programs(principal, Action::ShareReports)?;
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let before = page.id_position(CURSOR_KIND)?;
    let fetch = page.fetch();
    let organization_id = principal.organization_id.clone();
    let rows = state
        .db
        .run(move |c| {
            programs::find_shortlist(c, &organization_id, &shortlist_id)?;
            share_links::list(c, &shortlist_id, before, fetch)
        })
        .await?;
    page.page_by(
        rows,
        |r| format!("{CURSOR_KIND}:{}", r.id),
        views::share_link,
    )
}

/// Revokes one of the caller's organisation's links; revoking again changes nothing.
pub async fn revoke(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<ShareLink, ApiError> {
    own_programs(principal, Action::ShareReports)?;
    let organization_id = principal.organization_id.clone();
    let event = audit::by(
        principal,
        &organization_id,
        AuditAction::ShareLinkRevoked,
        AuditObjectKind::ShareLink,
        &id,
    );
    let row = state
        .db
        .write(move |c| {
            let before = share_links::find(c, &organization_id, &id)?;
            let row = share_links::revoke(c, &organization_id, &id, now())?;
            if before.revoked_at.is_none() {
                db::audit::record(c, event)?;
            }
            Ok(row)
        })
        .await?;
    views::share_link(row)
}

/// Renders the report a share link opens, for anyone holding its token, and counts the
/// opening. Unknown, expired and revoked tokens are all [`ApiError::NotFound`], so the
/// answer tells nothing about which it was.
pub async fn open_report(
    state: &AppState,
    token: String,
    format: ReportFormat,
    client: String,
) -> Result<ReportFile, ApiError> {
    // Before the look-up: a flood of guesses costs no query either.
    state.limits.shared_reports_per_address.check(&client)?;
    let hash = share_tokens::lookup_hash(&token).ok_or(ApiError::NotFound)?;
    let at = now();
    let (link, shortlist) = state
        .db
        .run(move |c| {
            let Some(link) = share_links::find_by_token_hash(c, &hash)? else {
                return Ok(None);
            };
            if !link.opens_at(at) {
                return Ok(None);
            }
            let shortlist = programs::find_shortlist(c, &link.organization_id, &link.shortlist_id)?;
            Ok(Some((link, shortlist)))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let file = render_report(
        state,
        views::shortlist(shortlist)?,
        format,
        ReportReader::LinkHolder,
    )
    .await?;
    let event = NewAuditEvent {
        organization_id: link.organization_id.clone(),
        action: AuditAction::ShareLinkOpened,
        actor: Actor::default(),
        object_kind: AuditObjectKind::ShareLink,
        object_id: link.id.clone(),
        client_address: Some(client).filter(|c| !c.is_empty()),
        detail: Some(format!("shortlist {}", link.shortlist_id)),
    };
    state
        .db
        .write(move |c| {
            share_links::record_open(c, &link.id, now())?;
            db::audit::record(c, event)
        })
        .await?;
    Ok(file)
}
