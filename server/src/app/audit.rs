//! The audit trail: recording what happened to an organisation's objects, and reading it.

use cdmx_sdk::types::{
    AuditAction, AuditEvent, AuditEventFilter, AuditObjectKind, Page, PrincipalKind,
};

use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::accounts::UserRow;
use crate::db::audit::{self, Actor, AuditQuery, NewAuditEvent};
use crate::error::ApiError;
use crate::startup::AppState;

/// Cursor kind of the trail: it pages newest first, by event id.
const CURSOR_KIND: &str = "before";

/// The caller as the trail records it.
pub fn actor(principal: &Principal) -> Actor {
    Actor {
        kind: Some(principal.kind),
        id: Some(principal.id.clone()),
        organization_id: Some(principal.organization_id.clone()),
    }
}

/// An event done by `principal` to an object of `organization_id`, for
/// [`audit::record`] inside the transaction of the change.
pub fn by(
    principal: &Principal,
    organization_id: &str,
    action: AuditAction,
    object_kind: AuditObjectKind,
    object_id: &str,
) -> NewAuditEvent {
    NewAuditEvent {
        organization_id: organization_id.to_owned(),
        action,
        actor: actor(principal),
        object_kind,
        object_id: object_id.to_owned(),
        client_address: None,
        detail: None,
    }
}

/// Records a password sign-in naming `user`, with the client address: the user is the
/// object; a failed sign-in has no actor (nobody was authenticated).
pub async fn record_sign_in(
    state: &AppState,
    user: &UserRow,
    action: AuditAction,
    client: &str,
) -> Result<(), ApiError> {
    let actor = match action {
        AuditAction::LoginSucceeded => Actor {
            kind: Some(PrincipalKind::User),
            id: Some(user.id.clone()),
            organization_id: Some(user.organization_id.clone()),
        },
        _ => Actor::default(),
    };
    let event = NewAuditEvent {
        organization_id: user.organization_id.clone(),
        action,
        actor,
        object_kind: AuditObjectKind::User,
        object_id: user.id.clone(),
        client_address: Some(client.to_owned()).filter(|c| !c.is_empty()),
        detail: None,
    };
    state.db.write(move |c| audit::record(c, event)).await?;
    Ok(())
}

/// Records that a request of `principal` was refused (403), in its organisation's trail:
/// `route` is the method and route template (`DELETE /v1/capacity/{id}`), never the
/// path with its ids, which may name another organisation's objects.
pub async fn record_refusal(
    state: &AppState,
    principal: &Principal,
    route: String,
) -> Result<(), ApiError> {
    let event = by(
        principal,
        &principal.organization_id,
        AuditAction::AuthorizationDenied,
        AuditObjectKind::Request,
        &route,
    );
    tracing::warn!(
        principal = %principal.id,
        organization = %principal.organization_id,
        route = %route,
        "request refused (403)"
    );
    state.db.write(move |c| audit::record(c, event)).await?;
    Ok(())
}

/// The caller's organisation's audit trail, newest first (organisation admins).
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: AuditEventFilter,
) -> Result<Page<AuditEvent>, ApiError> {
    let organization_id = principal.organization_id.clone();
    authorize(
        principal,
        Action::ReadAuditTrail,
        Resource::OwnedBy(&organization_id),
    )?;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let query = AuditQuery {
        organization_id,
        actions: filter.action.map(|list| list.0),
        object_id: filter.object_id,
        before: page.id_position(CURSOR_KIND)?,
        fetch: page.fetch(),
    };
    let rows = state.db.run(move |c| audit::list(c, &query)).await?;
    page.page_by(
        rows,
        |r| format!("{CURSOR_KIND}:{}", r.id),
        views::audit_event,
    )
}
