//! The audit trail: who did what to which object of an organisation, and when. Security
//! events (sign-ins, refused requests) and changes to users, keys, evidence, capacity and
//! listing are recorded in the same transaction as what they record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CommaSeparated, PrincipalKind};

closed_set! {
    /// What an audit event records.
    AuditAction {
        /// A user signed in with their password.
        LoginSucceeded = "login_succeeded",
        /// A sign-in with this user's email failed (wrong password, or the user cannot
        /// sign in). Sign-ins naming no known user are logged, not recorded here.
        LoginFailed = "login_failed",
        /// An API key was exchanged for a token.
        ApiKeyUsed = "api_key_used",
        /// A request by a member of the organisation was refused (403).
        AuthorizationDenied = "authorization_denied",
        /// A user was added to the organisation.
        UserCreated = "user_created",
        /// A user was deactivated.
        UserDeactivated = "user_deactivated",
        /// A user was reactivated.
        UserReactivated = "user_reactivated",
        /// A user was deleted.
        UserDeleted = "user_deleted",
        /// A user changed their password.
        PasswordChanged = "password_changed",
        /// A user signed out (revoking their tokens).
        LoggedOut = "logged_out",
        /// An API key was created.
        ApiKeyCreated = "api_key_created",
        /// An API key was revoked.
        ApiKeyRevoked = "api_key_revoked",
        /// The platform verified the organisation.
        OrganizationVerified = "organization_verified",
        /// Evidence was deleted from a profile.
        EvidenceDeleted = "evidence_deleted",
        /// A capacity block was published.
        CapacityPublished = "capacity_published",
        /// A capacity block was changed.
        CapacityChanged = "capacity_changed",
        /// A capacity block was withdrawn.
        CapacityWithdrawn = "capacity_withdrawn",
        /// A profile was unlisted (or its unlisting changed).
        ProfileUnlisted = "profile_unlisted",
        /// A profile was relisted by hand.
        ProfileRelisted = "profile_relisted",
        /// A decision was recorded on a shortlist (`detail` names the decision and its
        /// outcome).
        DecisionRecorded = "decision_recorded",
        /// A share link to a shortlist's report was created.
        ShareLinkCreated = "share_link_created",
        /// A share link was revoked.
        ShareLinkRevoked = "share_link_revoked",
        /// A shortlist's report was opened through a share link (no actor: whoever
        /// holds the link).
        ShareLinkOpened = "share_link_opened",
        /// A webhook endpoint was registered (`detail` is its URL).
        WebhookEndpointCreated = "webhook_endpoint_created",
        /// A webhook endpoint's URL, event types or enabled flag was changed (`detail`
        /// says what).
        WebhookEndpointChanged = "webhook_endpoint_changed",
        /// A webhook endpoint was deleted.
        WebhookEndpointDeleted = "webhook_endpoint_deleted",
        /// A webhook endpoint's signing secret was rotated (`detail` gives the overlap).
        WebhookSecretRotated = "webhook_secret_rotated",
        /// The exchange disabled a webhook endpoint whose delivery kept failing (no
        /// actor; `detail` says why).
        WebhookEndpointDisabled = "webhook_endpoint_disabled",
    }
}

closed_set! {
    /// The kind of object an audit event is about.
    AuditObjectKind {
        /// A user (`object_id` is the user id).
        User = "user",
        /// An API key.
        ApiKey = "api_key",
        /// The organisation itself.
        Organization = "organization",
        /// A capability profile.
        Profile = "profile",
        /// A piece of evidence on a profile.
        Evidence = "evidence",
        /// A capacity block.
        CapacityBlock = "capacity_block",
        /// A shortlist.
        Shortlist = "shortlist",
        /// A share link (`object_id` is its id, never its token).
        ShareLink = "share_link",
        /// A webhook endpoint.
        WebhookEndpoint = "webhook_endpoint",
        /// A request path (for refused requests: `object_id` is the route template).
        Request = "request",
    }
}

/// One entry of an organisation's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Event id (time-ordered).
    pub id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub action: AuditAction,
    /// Who did it; absent for a failed sign-in (nobody was authenticated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_kind: Option<PrincipalKind>,
    /// The user or API key id of who did it (absent with `actor_kind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// The organisation of who did it, when not this one (a platform operator verifying
    /// this organisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_organization_id: Option<String>,
    /// What it was done to.
    pub object_kind: AuditObjectKind,
    /// The object's id (a route template for refused requests).
    pub object_id: String,
    /// The client address the request came from, where recorded (sign-ins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    /// More in plain words (the refusal's reason, a key's name...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Filters and paging of `GET /v1/audit-events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditEventFilter {
    /// Only these actions (comma-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<AuditAction>>, style = Form, explode = false))]
    pub action: Option<CommaSeparated<AuditAction>>,
    /// Only events about this object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
