//! One method per API operation. Plain operations are rows of the [`operations!`] table;
//! those with special headers or bodies (token issuance, `If-Match` writes,
//! `Idempotency-Key`, binary reports) are written out below it.

use reqwest::Method;

use super::{Client, Nothing, Replay, segment};
use crate::error::Error;
use crate::types::*;

/// Expands each row into a `pub async fn` on [`Client`].
///
/// A row reads `json|empty fn name(path params; query q: Q | body b: B) -> Out = METHOD
/// "path";`. Path parameters are percent-encoded and substituted by name into the path;
/// `json` decodes the response as `Out`, `empty` ignores the body (`Out` is `()`).
macro_rules! operations {
    (
        $(
            $(#[doc = $doc:literal])*
            $kind:ident fn $name:ident (
                $($param:ident : $param_type:ty),*
                $(; query $query:ident : $query_type:ty)?
                $(; body $body:ident : $body_type:ty)?
            ) -> $out:ty = $method:ident $path:literal;
        )*
    ) => {
        impl Client {
            $(
                $(#[doc = $doc])*
                pub async fn $name(
                    &self,
                    $($param: $param_type,)*
                    $($query: $query_type,)?
                    $($body: $body_type,)?
                ) -> Result<$out, Error> {
                    $(let $param = segment($param);)*
                    let path = format!($path);
                    let call = self.prepare(
                        Method::$method,
                        &path,
                        operations!(@optional $($query)?),
                        operations!(@optional $($body)?),
                    )?;
                    operations!(@$kind self, call)
                }
            )*
        }
    };
    (@optional) => { None::<&Nothing> };
    (@optional $value:ident) => { Some($value) };
    (@json $client:ident, $call:ident) => { $client.json($call).await };
    (@empty $client:ident, $call:ident) => { $client.empty($call).await };
}

operations! {
    // --- system ---

    /// Liveness: the process answers (`GET /healthz`). Anyone may call it; it does not
    /// touch the database.
    json fn get_health() -> Health = GET "/healthz";

    /// Readiness: the database answers (`GET /readyz`). Anyone may call it.
    ///
    /// Errors: `503` when the database does not answer.
    json fn get_readiness() -> Readiness = GET "/readyz";

    // --- auth ---

    /// Who the caller is: the user or API key, its organisation and role (`GET /v1/me`).
    /// Any authenticated caller.
    ///
    /// Errors: `401` without valid credentials.
    json fn get_me() -> Me = GET "/v1/me";

    /// Signs the calling user out everywhere (`POST /v1/auth/logout`): every token of
    /// the user stops working, not only this client's. Users only. A client built with
    /// [`Client::login`] signs in again by itself on its next call; use a client built
    /// with a bearer token to stay signed out.
    ///
    /// Errors: `401`, `403` for an API key (revoke the key instead).
    empty fn logout() -> () = POST "/v1/auth/logout";

    /// Changes the calling user's password (`POST /v1/me/password`), given the current
    /// one. Every token of the user stops working: sign in again with the new password
    /// (a client built with [`Client::login`] still holds the old one).
    ///
    /// Errors: `401`, `403` for an API key, `422` naming `current_password` when it is
    /// wrong or `new_password` when too short.
    empty fn change_password(; body request: &ChangePasswordRequest) -> ()
        = POST "/v1/me/password";

    // --- organisations ---

    /// Signs up: creates a sponsor or CDMO organisation and its first admin user
    /// (`POST /v1/organizations`). No credentials needed. New organisations start
    /// unverified until a platform admin verifies them.
    ///
    /// An email that is already registered gets the same answer, but nothing is
    /// stored (the answer does not reveal whether the address has an account).
    ///
    /// Errors: `422` for invalid fields (e.g. a short password), `429` when the client
    /// address or the email signed up too often lately.
    json fn create_organization(; body request: &SignUpRequest) -> SignUpResponse
        = POST "/v1/organizations";

    /// Lists organisations (`GET /v1/organizations`): platform admins see all of them
    /// (e.g. `kind=cdmo&verified=false` for those awaiting verification), everyone else
    /// only their own.
    ///
    /// Errors: `401`, `422` for an invalid filter or cursor.
    json fn list_organizations(; query filter: &OrganizationFilter) -> Page<Organization>
        = GET "/v1/organizations";

    /// Reads an organisation (`GET /v1/organizations/{id}`): its own members and
    /// platform admins.
    ///
    /// Errors: `403` for another organisation, `404` when there is none with that id.
    json fn get_organization(id: &str) -> Organization = GET "/v1/organizations/{id}";

    /// Verifies an organisation (`POST /v1/organizations/{id}/verify`). Platform admins
    /// only. Verifying again changes nothing.
    ///
    /// Errors: `403` for anyone else, `404`, `409` for a platform organisation (verified
    /// by construction).
    json fn verify_organization(id: &str) -> Organization
        = POST "/v1/organizations/{id}/verify";

    /// Adds a user to an organisation (`POST /v1/organizations/{id}/users`).
    /// Admins of that organisation.
    ///
    /// Errors: `403` for members and other organisations, `404`, `409` when the email is
    /// already registered, `422` for invalid fields.
    json fn create_user(organization_id: &str; body request: &CreateUserRequest) -> User
        = POST "/v1/organizations/{organization_id}/users";

    /// Lists an organisation's users, one page at a time
    /// (`GET /v1/organizations/{id}/users`). Members of that organisation.
    ///
    /// Errors: `403` for other organisations, `404`, `422` for an invalid cursor or limit.
    json fn list_users(organization_id: &str; query page: &PageParams) -> Page<User>
        = GET "/v1/organizations/{organization_id}/users";

    /// Deactivates a user (`POST /v1/organizations/{id}/users/{user_id}/deactivate`).
    /// Admins of that organisation. The user cannot sign in and its tokens stop working;
    /// deactivating again changes nothing.
    ///
    /// Errors: `403` for members, `404` for an unknown user or another organisation,
    /// `409` for the organisation's last active admin.
    json fn deactivate_user(organization_id: &str, user_id: &str) -> User
        = POST "/v1/organizations/{organization_id}/users/{user_id}/deactivate";

    /// Reactivates a deactivated user
    /// (`POST /v1/organizations/{id}/users/{user_id}/reactivate`). Admins of that
    /// organisation. The user may sign in again; its old tokens stay revoked.
    ///
    /// Errors: `403` for members, `404` for an unknown user or another organisation.
    json fn reactivate_user(organization_id: &str, user_id: &str) -> User
        = POST "/v1/organizations/{organization_id}/users/{user_id}/reactivate";

    /// Deletes a user (`DELETE /v1/organizations/{id}/users/{user_id}`). Admins of that
    /// organisation. Its email and password are erased and its tokens stop working.
    ///
    /// Errors: `403` for members, `404` for an unknown user or another organisation,
    /// `409` for the organisation's last active admin.
    empty fn delete_user(organization_id: &str, user_id: &str) -> ()
        = DELETE "/v1/organizations/{organization_id}/users/{user_id}";

    // --- API keys ---

    /// Creates an API key (`POST /v1/organizations/{id}/api-keys`). Admins of that
    /// organisation. The secret is in this response only: store it now. Its scopes
    /// default to every scope of its creator.
    ///
    /// Errors: `403` for members and other organisations, or a key granting a scope or
    /// role it lacks; `404`, `422` for invalid fields.
    json fn create_api_key(organization_id: &str; body request: &CreateApiKeyRequest)
        -> CreatedApiKey = POST "/v1/organizations/{organization_id}/api-keys";

    /// Lists an organisation's API keys, revoked ones included
    /// (`GET /v1/organizations/{id}/api-keys`). Admins of that organisation.
    ///
    /// Errors: `403` for members and other organisations, `404`, `422`.
    json fn list_api_keys(organization_id: &str; query page: &PageParams) -> Page<ApiKey>
        = GET "/v1/organizations/{organization_id}/api-keys";

    /// Your organisation's audit trail, newest first (`GET /v1/audit-events`), filtered
    /// by action and object. Organisation admins.
    ///
    /// Errors: `403` for members, `422` for an unknown action, an invalid cursor or limit.
    json fn list_audit_events(; query filter: &AuditEventFilter) -> Page<AuditEvent>
        = GET "/v1/audit-events";

    /// Your organisation's event feed, oldest first (`GET /v1/events`), filtered by type
    /// and object. Any member. Poll with `after_sequence` set to the last `sequence` you
    /// saw: positions are gap-free and in commit order.
    ///
    /// Errors: `422` for an unknown type, a negative `after_sequence`, an invalid cursor
    /// or limit.
    json fn list_events(; query filter: &EventFilter) -> Page<Event>
        = GET "/v1/events";

    /// Watches for capacity (`POST /v1/watches`): from one of your programmes or a
    /// requirement set, either with a `capacity` need. It fires `capacity.available` once
    /// per CDMO that a later capacity change leaves meeting the need. Sponsors.
    ///
    /// Errors: `403` for CDMOs, `422` naming `program_id` (unknown, or without a capacity
    /// need, or given with `requirements`) or the invalid requirement.
    json fn create_capacity_watch(; body watch: &NewCapacityWatch) -> CapacityWatch
        = POST "/v1/watches";

    /// Your organisation's capacity watches (`GET /v1/watches`).
    ///
    /// Errors: `403` for CDMOs, `422` for an invalid cursor or limit.
    json fn list_capacity_watches(; query page: &PageParams) -> Page<CapacityWatch>
        = GET "/v1/watches";

    /// One of your capacity watches, with the CDMOs it fired for (`GET /v1/watches/{id}`).
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's watch.
    json fn get_capacity_watch(id: &str) -> CapacityWatch = GET "/v1/watches/{id}";

    /// Deletes a capacity watch (`DELETE /v1/watches/{id}`): it fires no more.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's watch.
    empty fn delete_capacity_watch(id: &str) -> () = DELETE "/v1/watches/{id}";

    /// Registers a webhook endpoint (`POST /v1/webhooks`). Organisation admins. The
    /// answer's `secret` is shown this once: check deliveries with
    /// [`crate::webhooks::verify_webhook`].
    ///
    /// Errors: `403` for members, `422` naming `url` (not http(s), unresolvable, or a
    /// private address) or `event_types[i]`.
    json fn create_webhook(; body endpoint: &NewWebhookEndpoint) -> WebhookEndpoint
        = POST "/v1/webhooks";

    /// Your organisation's webhook endpoints (`GET /v1/webhooks`). Organisation admins.
    ///
    /// Errors: `403` for members, `422` for an invalid cursor or limit.
    json fn list_webhooks(; query page: &PageParams) -> Page<WebhookEndpoint>
        = GET "/v1/webhooks";

    /// One webhook endpoint, with `disabled_reason` if the exchange disabled it
    /// (`GET /v1/webhooks/{id}`). Organisation admins.
    ///
    /// Errors: `403` for members, `404` for an unknown or another organisation's endpoint.
    json fn get_webhook(id: &str) -> WebhookEndpoint = GET "/v1/webhooks/{id}";

    /// Changes a webhook endpoint's URL, event types or whether it is enabled
    /// (`PATCH /v1/webhooks/{id}`). Organisation admins.
    ///
    /// Errors: `403` for members, `404`, `422` naming `url` or `event_types[i]`.
    json fn update_webhook(id: &str; body change: &WebhookEndpointChange) -> WebhookEndpoint
        = PATCH "/v1/webhooks/{id}";

    /// Deletes a webhook endpoint (`DELETE /v1/webhooks/{id}`). Organisation admins.
    ///
    /// Errors: `403` for members, `404`.
    empty fn delete_webhook(id: &str) -> () = DELETE "/v1/webhooks/{id}";

    /// Rotates a webhook endpoint's secret (`POST /v1/webhooks/{id}/rotate-secret`); the
    /// previous one keeps signing for `overlap_seconds`. The new `secret` is shown once.
    ///
    /// Errors: `403` for members, `404`, `422` for an overlap out of range.
    json fn rotate_webhook_secret(id: &str; query params: &SecretRotationParams) -> WebhookEndpoint
        = POST "/v1/webhooks/{id}/rotate-secret";

    /// A webhook endpoint's delivery attempts, oldest first
    /// (`GET /v1/webhooks/{id}/deliveries`). Organisation admins.
    ///
    /// Errors: `403` for members, `404`, `422` for an invalid cursor or limit.
    json fn list_webhook_deliveries(id: &str; query page: &PageParams) -> Page<WebhookAttempt>
        = GET "/v1/webhooks/{id}/deliveries";

    /// Delivers one of your events to a webhook endpoint again
    /// (`POST /v1/webhooks/{id}/events/{event_id}/deliveries`). Organisation admins.
    ///
    /// Errors: `403` for members, `404` for an unknown endpoint or event.
    json fn redeliver_webhook_event(id: &str, event_id: &str) -> WebhookDelivery
        = POST "/v1/webhooks/{id}/events/{event_id}/deliveries";

    /// Revokes an API key (`DELETE /v1/organizations/{id}/api-keys/{key_id}`). Admins of
    /// that organisation. It stops working at once, and so do the keys created with it
    /// (and theirs); revoking again changes nothing.
    ///
    /// Errors: `403` for members and other organisations, `404` for an unknown key.
    empty fn revoke_api_key(organization_id: &str, key_id: &str) -> ()
        = DELETE "/v1/organizations/{organization_id}/api-keys/{key_id}";

    // --- CDMO capability profiles ---

    /// Creates the caller's organisation profile (`POST /v1/cdmos`). Admins of CDMO
    /// organisations; one profile per organisation. The profile starts at revision 1.
    ///
    /// Errors: `403` for sponsors and CDMO members, `409` when the organisation already
    /// has a profile, `422` listing every invalid field.
    json fn create_cdmo_profile(; body profile: &CapabilityProfile) -> CdmoProfile
        = POST "/v1/cdmos";

    /// Searches public CDMO profiles (`GET /v1/cdmos`). Any authenticated caller.
    /// Filters combine with AND across parameters and OR within a list; unverified CDMOs
    /// are included but flagged unless `verified_only` is set.
    ///
    /// Errors: `422` for an invalid filter, sort or cursor.
    json fn search_cdmos(; query search: &CdmoSearch) -> Page<CdmoSummary> = GET "/v1/cdmos";

    /// Reads a profile at its current revision (`GET /v1/cdmos/{id}`). Any authenticated
    /// caller: profiles are public while listed (see `listing`); an unlisted one only for
    /// its organisation, platform operators and sponsors with a reservation or saved
    /// shortlist naming it. Its `revision` is what [`Client::replace_cdmo_profile`] and
    /// [`Client::patch_cdmo_profile`] need.
    ///
    /// Errors: `404` when there is no such profile, or it is unlisted and not yours to read.
    json fn get_cdmo_profile(id: &str) -> CdmoProfile = GET "/v1/cdmos/{id}";

    /// Lists a profile's revisions, newest first (`GET /v1/cdmos/{id}/revisions`). Any
    /// authenticated caller.
    ///
    /// Errors: `404`, `422` for an invalid cursor or limit.
    json fn list_cdmo_revisions(id: &str; query page: &PageParams)
        -> Page<ProfileRevisionSummary> = GET "/v1/cdmos/{id}/revisions";

    /// Reads one immutable revision of a profile
    /// (`GET /v1/cdmos/{id}/revisions/{revision}`). Any authenticated caller.
    ///
    /// Errors: `404` for an unknown profile or revision.
    json fn get_cdmo_revision(id: &str, revision: u32) -> ProfileRevision
        = GET "/v1/cdmos/{id}/revisions/{revision}";

    /// Field-level differences between two revisions, by default against the one before
    /// (`GET /v1/cdmos/{id}/revisions/{revision}/diff`). Any authenticated caller.
    ///
    /// Errors: `404` for an unknown profile or revision, `422` for an invalid `against`.
    json fn diff_cdmo_revisions(id: &str, revision: u32; query params: &DiffParams)
        -> RevisionDiff = GET "/v1/cdmos/{id}/revisions/{revision}/diff";

    /// Attaches evidence (a certificate, an inspection report...) to a section or fact of
    /// a profile (`POST /v1/cdmos/{id}/evidence`). The CDMO that owns the profile. It
    /// starts unverified.
    ///
    /// Errors: `403` for other organisations, `404`, `422` when the field it covers does
    /// not exist or a date is invalid.
    json fn add_cdmo_evidence(id: &str; body evidence: &NewEvidence) -> Evidence
        = POST "/v1/cdmos/{id}/evidence";

    /// Lists all evidence of a profile with its verification state
    /// (`GET /v1/cdmos/{id}/evidence`). Any authenticated caller.
    ///
    /// Errors: `404` when there is no such profile.
    json fn list_cdmo_evidence(id: &str) -> Page<Evidence> = GET "/v1/cdmos/{id}/evidence";

    /// Marks evidence verified (`POST /v1/cdmos/{id}/evidence/{evidence_id}/verify`).
    /// Platform admins only. An edit of the fact it covers resets it to unverified.
    ///
    /// Errors: `403` for anyone else, `404`, `409` when the evidence has expired.
    json fn verify_cdmo_evidence(id: &str, evidence_id: &str) -> Evidence
        = POST "/v1/cdmos/{id}/evidence/{evidence_id}/verify";

    /// Removes evidence from a profile (`DELETE /v1/cdmos/{id}/evidence/{evidence_id}`).
    /// The CDMO that owns the profile.
    ///
    /// Errors: `403` for other organisations, `404` for an unknown profile or evidence.
    empty fn delete_cdmo_evidence(id: &str, evidence_id: &str) -> ()
        = DELETE "/v1/cdmos/{id}/evidence/{evidence_id}";

    /// Takes a profile off the market (`POST /v1/cdmos/{id}/unlist`), with a reason and
    /// optionally the day it comes back by itself. Admins of the CDMO that owns it. It
    /// leaves search and new matches at once; it stays readable to its organisation,
    /// platform operators and sponsors with a reservation or saved shortlist naming it.
    /// Unlisting again on the same terms changes nothing.
    ///
    /// Errors: `403` for CDMO members, `404` for an unknown profile or another
    /// organisation's, `422` for a relist day that is not after today, a note over 500
    /// characters, or a missing note with reason `other`.
    json fn unlist_cdmo_profile(id: &str; body request: &UnlistRequest) -> ProfileListing
        = POST "/v1/cdmos/{id}/unlist";

    /// Puts a profile back on the market (`POST /v1/cdmos/{id}/relist`). Admins of the
    /// CDMO that owns it. Relisting a listed profile changes nothing.
    ///
    /// Errors: `403` for CDMO members, `404` for an unknown profile or another
    /// organisation's.
    json fn relist_cdmo_profile(id: &str) -> ProfileListing = POST "/v1/cdmos/{id}/relist";

    /// A profile's unlistings and relistings, oldest first
    /// (`GET /v1/cdmos/{id}/listing-history`). Members of the CDMO that owns it;
    /// platform operators.
    ///
    /// Errors: `404` for an unknown profile or another organisation's, `422` for an
    /// invalid cursor or limit.
    json fn list_cdmo_listing_history(id: &str; query page: &PageParams)
        -> Page<ListingEvent> = GET "/v1/cdmos/{id}/listing-history";

    // --- programmes, matching, shortlists ---

    /// Creates a programme, private to the caller's organisation (`POST /v1/programs`).
    /// Sponsor organisations. It starts at version 1.
    ///
    /// Errors: `403` for CDMOs, `422` listing every invalid field (e.g. weights).
    json fn create_program(; body program: &ProgramRequest) -> Program = POST "/v1/programs";

    /// Lists the caller's organisation's programmes (`GET /v1/programs`): those not
    /// archived, or with `archived: Some(true)` only the archived ones. Sponsor
    /// organisations.
    ///
    /// Errors: `403` for CDMOs, `422` for an invalid cursor or limit.
    json fn list_programs(; query params: &ArchivableListParams) -> Page<Program>
        = GET "/v1/programs";

    /// Archives a programme (`POST /v1/programs/{id}/archive`): hidden from the default
    /// list, still readable by id. The programme's organisation. Archiving again changes
    /// nothing.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's programme.
    json fn archive_program(id: &str) -> Program = POST "/v1/programs/{id}/archive";

    /// Brings an archived programme back to the default list
    /// (`POST /v1/programs/{id}/unarchive`). Unarchiving one not archived changes nothing.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's programme.
    json fn unarchive_program(id: &str) -> Program = POST "/v1/programs/{id}/unarchive";

    /// Reads one of the caller's organisation's programmes (`GET /v1/programs/{id}`).
    ///
    /// Errors: `404` when it does not exist or belongs to another organisation.
    json fn get_program(id: &str) -> Program = GET "/v1/programs/{id}";

    /// Matches a programme against the current CDMO profiles: a ranked, explained list
    /// with exclusions and near misses (`POST /v1/programs/{id}/matches`). The
    /// programme's organisation.
    ///
    /// Errors: `404` for an unknown or another organisation's programme, `422` for an
    /// invalid limit.
    json fn match_program(id: &str; body request: &ProgramMatchRequest) -> MatchResult
        = POST "/v1/programs/{id}/matches";

    /// Matches ad-hoc requirements against the current CDMO profiles, without saving a
    /// programme (`POST /v1/matches`). Any authenticated caller.
    ///
    /// Errors: `422` listing every invalid requirement.
    json fn create_match(; body request: &MatchRequest) -> MatchResult = POST "/v1/matches";

    /// Saves a programme's current match as an immutable shortlist
    /// (`POST /v1/shortlists`). Sponsor organisations, for their own programmes.
    ///
    /// Errors: `403` for CDMOs, `422` for an unknown programme or invalid limit.
    json fn create_shortlist(; body request: &CreateShortlistRequest) -> Shortlist
        = POST "/v1/shortlists";

    /// Lists the caller's organisation's shortlists (`GET /v1/shortlists`): those not
    /// archived, or with `archived: Some(true)` only the archived ones. Sponsor
    /// organisations.
    ///
    /// Errors: `403` for CDMOs, `422` for an invalid cursor or limit.
    json fn list_shortlists(; query params: &ArchivableListParams) -> Page<ShortlistSummary>
        = GET "/v1/shortlists";

    /// Reads one of the caller's organisation's shortlists exactly as it was saved
    /// (`GET /v1/shortlists/{id}`), archived or not.
    ///
    /// Errors: `404` when it does not exist or belongs to another organisation.
    json fn get_shortlist(id: &str) -> Shortlist = GET "/v1/shortlists/{id}";

    /// Archives a shortlist (`POST /v1/shortlists/{id}/archive`): hidden from the default
    /// list; it stays readable by id, its report still renders and its share links still
    /// open. The shortlist's organisation. Archiving again changes nothing.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's shortlist.
    json fn archive_shortlist(id: &str) -> Shortlist = POST "/v1/shortlists/{id}/archive";

    /// Brings an archived shortlist back to the default list
    /// (`POST /v1/shortlists/{id}/unarchive`). Unarchiving one not archived changes
    /// nothing.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's shortlist.
    json fn unarchive_shortlist(id: &str) -> Shortlist = POST "/v1/shortlists/{id}/unarchive";

    // --- decisions and share links ---

    /// Records a decision on a shortlist (`POST /v1/shortlists/{id}/decisions`): the
    /// selected CDMOs (or `no_award`) and why. The shortlist's organisation (sponsor
    /// members). Decisions are immutable: a later one supersedes the current one and
    /// names it in `supersedes`.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's shortlist,
    /// `409` when another decision was recorded on it at the same moment, `422` naming
    /// `selected_profile_ids` (not ranked candidates of the shortlist, repeated, empty
    /// for `award`, given for `no_award`) or `rationale` (empty or too long).
    json fn create_shortlist_decision(id: &str; body decision: &NewDecision) -> Decision
        = POST "/v1/shortlists/{id}/decisions";

    /// A shortlist's decisions, newest first (`GET /v1/shortlists/{id}/decisions`); the
    /// first one not superseded is `current`. The shortlist's organisation.
    ///
    /// Errors: `404` for an unknown or another organisation's shortlist, `422` for an
    /// invalid cursor or limit.
    json fn list_shortlist_decisions(id: &str; query page: &PageParams) -> Page<Decision>
        = GET "/v1/shortlists/{id}/decisions";

    /// Creates a read-only, expiring link to a shortlist's report for people without an
    /// account (`POST /v1/shortlists/{id}/share-links`). The shortlist's organisation.
    /// The `url` (with its token) is in this response only: the server keeps a hash.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's shortlist,
    /// `422` for a label or lifetime out of bounds.
    json fn create_share_link(id: &str; body link: &NewShareLink) -> CreatedShareLink
        = POST "/v1/shortlists/{id}/share-links";

    /// A shortlist's share links, newest first, with how often each was opened, never
    /// their tokens (`GET /v1/shortlists/{id}/share-links`). The shortlist's
    /// organisation.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's shortlist.
    json fn list_share_links(id: &str; query page: &PageParams) -> Page<ShareLink>
        = GET "/v1/shortlists/{id}/share-links";

    /// Revokes a share link (`DELETE /v1/share-links/{id}`): it stops opening the report
    /// at once. The shortlist's organisation. Revoking again changes nothing.
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's link.
    empty fn revoke_share_link(id: &str) -> () = DELETE "/v1/share-links/{id}";

    // --- capacity ---

    /// Publishes manufacturing capacity for a profile (`POST /v1/cdmos/{id}/capacity`).
    /// The CDMO that owns the profile.
    ///
    /// Errors: `403` for other organisations, `404` for an unknown profile, `422` for an
    /// unknown site, an empty period or zero slots.
    json fn create_capacity_block(profile_id: &str; body block: &NewCapacityBlock)
        -> CapacityBlock = POST "/v1/cdmos/{profile_id}/capacity";

    /// Searches published capacity with live availability (`free` = slots - unexpired
    /// holds - confirmed) (`GET /v1/capacity`). Any authenticated caller. Blocks of
    /// unlisted profiles are left out, except for their own CDMO.
    ///
    /// Errors: `422` for an invalid filter or cursor.
    json fn search_capacity(; query search: &CapacitySearch) -> Page<CapacityBlock>
        = GET "/v1/capacity";

    /// Reads one capacity block with live availability (`GET /v1/capacity/{id}`). Any
    /// authenticated caller.
    ///
    /// Errors: `404` when there is no such block.
    json fn get_capacity_block(id: &str) -> CapacityBlock = GET "/v1/capacity/{id}";

    /// Changes a block's slots or terms (`PATCH /v1/capacity/{id}`). The CDMO that
    /// published it.
    ///
    /// Errors: `403` for other organisations, `404`, `409` when the slots would drop
    /// below what is held or confirmed (the problem gives the numbers), `422`.
    json fn change_capacity_block(id: &str; body change: &CapacityBlockChange)
        -> CapacityBlock = PATCH "/v1/capacity/{id}";

    /// Withdraws a block that has never had a reservation (`DELETE /v1/capacity/{id}`).
    /// The CDMO that published it.
    ///
    /// Errors: `403` for other organisations, `404`, `409` when the block has
    /// reservations on record.
    empty fn delete_capacity_block(id: &str) -> () = DELETE "/v1/capacity/{id}";

    // --- reservations ---

    /// Lists the caller's reservations: a sponsor's own, or those on a CDMO's capacity
    /// (`GET /v1/reservations`).
    ///
    /// Errors: `403` for platform organisations, `422` for an invalid filter or cursor.
    json fn list_reservations(; query filter: &ReservationFilter) -> Page<Reservation>
        = GET "/v1/reservations";

    /// Reads one reservation (`GET /v1/reservations/{id}`). Its sponsor and the CDMO
    /// whose capacity it holds.
    ///
    /// Errors: `404` when it does not exist or the caller is neither party.
    json fn get_reservation(id: &str) -> Reservation = GET "/v1/reservations/{id}";

    /// Every transition of a reservation, oldest first
    /// (`GET /v1/reservations/{id}/events`). Either party.
    ///
    /// Errors: `404` when it does not exist or the caller is neither party.
    json fn list_reservation_events(id: &str) -> Page<ReservationEvent>
        = GET "/v1/reservations/{id}/events";

    /// Confirms a hold, making the booking binding (`POST /v1/reservations/{id}/confirm`).
    /// The CDMO whose capacity it holds.
    ///
    /// Errors: `403` for the sponsor, `404`, `409` when it is not a live hold (the
    /// problem names its state, e.g. expired).
    json fn confirm_reservation(id: &str) -> Reservation
        = POST "/v1/reservations/{id}/confirm";

    /// Declines a hold (`POST /v1/reservations/{id}/decline`). The CDMO whose capacity
    /// it holds.
    ///
    /// Errors: `403` for the sponsor, `404`, `409` when it is not a live hold.
    json fn decline_reservation(id: &str) -> Reservation
        = POST "/v1/reservations/{id}/decline";

    /// Cancels a hold or a confirmed reservation (`POST /v1/reservations/{id}/cancel`).
    /// The sponsor that placed it.
    ///
    /// Errors: `403` for the CDMO, `404`, `409` when it has already ended (the problem
    /// names its state).
    json fn cancel_reservation(id: &str) -> Reservation = POST "/v1/reservations/{id}/cancel";

    /// Moves a reservation to another block of the same CDMO, atomically
    /// (`POST /v1/reservations/{id}/reschedule`). Either party.
    ///
    /// Errors: `404`, `409` when the target is full or another CDMO's, or the reservation
    /// has ended (nothing changes), `422`.
    json fn reschedule_reservation(id: &str; body request: &RescheduleRequest) -> Reservation
        = POST "/v1/reservations/{id}/reschedule";

    // --- RFIs and quotes ---

    /// Sends an RFI about one of your programmes to one or more CDMOs (`POST /v1/rfis`):
    /// one RFI per CDMO, sharing a request id. Sponsors.
    ///
    /// Errors: `403` for CDMOs, `422` naming `program_id` (not yours),
    /// `cdmo_organization_ids[i]` (not a CDMO), `summary` or `response_deadline`.
    json fn create_rfi(; body rfi: &NewRfi) -> SentRfis = POST "/v1/rfis";

    /// Your RFIs (`GET /v1/rfis`): those your sponsor sent, or your CDMO's inbox.
    ///
    /// Errors: `422` for an invalid state, cursor or limit.
    json fn list_rfis(; query filter: &RfiFilter) -> Page<Rfi> = GET "/v1/rfis";

    /// One RFI, as your side sees it (`GET /v1/rfis/{id}`).
    ///
    /// Errors: `404` for an unknown RFI or one you are not a party to.
    json fn get_rfi(id: &str) -> Rfi = GET "/v1/rfis/{id}";

    /// Accepts the RFI's confidentiality agreement (`POST /v1/rfis/{id}/confidentiality`).
    /// The CDMO the RFI was sent to.
    ///
    /// Errors: `403` for the sponsor, `404`, `409` when the RFI expired.
    json fn accept_rfi_confidentiality(id: &str) -> Rfi
        = POST "/v1/rfis/{id}/confidentiality";

    /// Declines to quote (`POST /v1/rfis/{id}/decline`). The CDMO the RFI was sent to.
    ///
    /// Errors: `403` for the sponsor, `404`, `409` when answered or expired, `422` for
    /// an empty reason.
    json fn decline_rfi(id: &str; body request: &DeclineRequest) -> Rfi
        = POST "/v1/rfis/{id}/decline";

    /// Answers an RFI with a quote (`POST /v1/rfis/{id}/quotes`). The CDMO the RFI was
    /// sent to; the slots must be free in its own published blocks.
    ///
    /// Errors: `403` for the sponsor, `404`, `409` when answered or expired, `422`
    /// naming the field (`slots_offered[i].capacity_id` for a block that does not exist
    /// or is not yours).
    json fn create_quote(rfi_id: &str; body quote: &NewQuote) -> Quote
        = POST "/v1/rfis/{rfi_id}/quotes";

    /// One quote (`GET /v1/quotes/{id}`). Its sponsor and its CDMO.
    ///
    /// Errors: `404` for anyone else.
    json fn get_quote(id: &str) -> Quote = GET "/v1/quotes/{id}";

    /// Accepts a quote, holding exactly its offered slots (`POST /v1/quotes/{id}/accept`).
    /// The sponsor.
    ///
    /// Errors: `403` for the CDMO, `404`, `409` when the slots are gone, the quote is no
    /// longer open or another quote of the request was accepted (nothing is held).
    json fn accept_quote(id: &str) -> Quote = POST "/v1/quotes/{id}/accept";

    /// Declines a quote (`POST /v1/quotes/{id}/decline`). The sponsor.
    ///
    /// Errors: `403` for the CDMO, `404`, `409` when no longer open, `422` for an empty
    /// reason.
    json fn decline_quote(id: &str; body request: &DeclineRequest) -> Quote
        = POST "/v1/quotes/{id}/decline";

    /// The quotes on one of your programmes, side by side, oldest first, a page at a time
    /// (`GET /v1/programs/{id}/quotes`).
    ///
    /// Errors: `403` for CDMOs, `404` for an unknown or another organisation's programme,
    /// `422` for an invalid cursor or limit.
    json fn list_program_quotes(id: &str; query page: &PageParams) -> Page<Quote>
        = GET "/v1/programs/{id}/quotes";
}

/// A report file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The media type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    /// From `Content-Disposition`.
    pub filename: Option<String>,
    /// The file's content.
    pub bytes: Vec<u8>,
}

impl Client {
    /// Exchanges a password or an API key for a bearer token (`POST /v1/auth/token`).
    /// Sent without credentials: this is how credentials are obtained. Clients built
    /// with [`super::ClientBuilder::api_key`] or [`Client::login`] call it themselves.
    ///
    /// Errors: `401` for a wrong email, password or a revoked key, `422` for a malformed
    /// request, `429` when the client address or the account tried too often lately
    /// (after 20 failed passwords an account must wait; `Retry-After` says how long).
    pub async fn issue_token(&self, request: &TokenRequest) -> Result<TokenResponse, Error> {
        let mut call = self.prepare(
            Method::POST,
            "/v1/auth/token",
            None::<&Nothing>,
            Some(request),
        )?;
        call.authenticated = false;
        self.json(call).await
    }

    /// Replaces a profile if it is still at `revision` (`PUT /v1/cdmos/{id}` with
    /// `If-Match`). The CDMO that owns it. The new revision is `revision + 1`.
    ///
    /// Errors: `403` for other organisations, `404`, `412` when the profile changed since
    /// `revision` (read it again and reapply your change), `422` listing every invalid
    /// field. Never retried after a timeout (see [`super::ClientBuilder::retries`]).
    pub async fn replace_cdmo_profile(
        &self,
        id: &str,
        revision: u32,
        profile: &CapabilityProfile,
    ) -> Result<CdmoProfile, Error> {
        let path = format!("/v1/cdmos/{}", segment(id));
        let call = self.prepare(Method::PUT, &path, None::<&Nothing>, Some(profile))?;
        self.json(call.with_if_match(revision)).await
    }

    /// Changes part of a profile with a JSON merge patch (RFC 7396) if it is still at
    /// `revision` (`PATCH /v1/cdmos/{id}` with `If-Match`). The CDMO that owns it.
    ///
    /// Errors: `403` for other organisations, `404`, `412` when the profile changed since
    /// `revision`, `422` when the patched profile is invalid. Never retried after a
    /// timeout.
    pub async fn patch_cdmo_profile(
        &self,
        id: &str,
        revision: u32,
        patch: &serde_json::Value,
    ) -> Result<CdmoProfile, Error> {
        let path = format!("/v1/cdmos/{}", segment(id));
        let mut call = self.prepare(Method::PATCH, &path, None::<&Nothing>, Some(patch))?;
        if let Some(body) = call.body.as_mut() {
            body.0 = "application/merge-patch+json";
        }
        self.json(call.with_if_match(revision)).await
    }

    /// Replaces a programme if it is still at `version` (`PUT /v1/programs/{id}` with
    /// `If-Match`). The programme's organisation. The new version is `version + 1`.
    ///
    /// Errors: `404` for an unknown or another organisation's programme, `412` when it
    /// changed since `version`, `422` listing every invalid field. Never retried after a
    /// timeout.
    pub async fn replace_program(
        &self,
        id: &str,
        version: u32,
        program: &ProgramRequest,
    ) -> Result<Program, Error> {
        let path = format!("/v1/programs/{}", segment(id));
        let call = self.prepare(Method::PUT, &path, None::<&Nothing>, Some(program))?;
        self.json(call.with_if_match(version)).await
    }

    /// Holds slots of a capacity block (`POST /v1/reservations` with
    /// `Idempotency-Key: key`). Sponsor organisations. The hold expires unless the CDMO
    /// confirms it. Retried on transient failures with the same key, so a retry never
    /// holds twice; use a fresh key (e.g. a UUID) per intended hold.
    ///
    /// Errors: `403` for CDMOs, `409` when there are not enough free slots, a hold limit
    /// is reached, the CDMO has unlisted its profile or the same key is still in
    /// progress, `422` for an invalid request or
    /// the same key reused with another body.
    pub async fn create_reservation(
        &self,
        reservation: &NewReservation,
        key: &str,
    ) -> Result<Reservation, Error> {
        let mut call = self.prepare(
            Method::POST,
            "/v1/reservations",
            None::<&Nothing>,
            Some(reservation),
        )?;
        call.idempotency_key = Some(key);
        call.replay = Replay::Safe;
        self.json(call).await
    }

    /// Holds slots of several capacity blocks in one request, all or nothing
    /// (`POST /v1/reservations/allocations` with `Idempotency-Key: key`): a proposed
    /// split allocation's [`AllocationProposal::hold_request`], say. Sponsor
    /// organisations. Each hold expires unless its CDMO confirms it. Retried on transient
    /// failures with the same key, so a retry never holds twice.
    ///
    /// Errors: `403` for CDMOs, `409` when any block lacks the free slots, a hold limit is
    /// reached, a CDMO has unlisted its profile or the same key is still in progress
    /// (then nothing is held), `422` naming the field for an unknown or repeated block,
    /// an invalid request or the same key reused with another body.
    pub async fn create_allocation_hold(
        &self,
        allocation: &NewAllocationHold,
        key: &str,
    ) -> Result<AllocationHold, Error> {
        let mut call = self.prepare(
            Method::POST,
            "/v1/reservations/allocations",
            None::<&Nothing>,
            Some(allocation),
        )?;
        call.idempotency_key = Some(key);
        call.replay = Replay::Safe;
        self.json(call).await
    }

    /// Exports a shortlist for procurement (`GET /v1/shortlists/{id}/report`): CSV
    /// (`table=ranking`, `excluded` or `quotes`), XLSX, PDF or HTML, chosen by
    /// `params.format`. The shortlist's organisation.
    ///
    /// Errors: `400` naming `table` for an unknown table, `404` for an unknown or another
    /// organisation's shortlist, `406` for an unknown format.
    pub async fn get_shortlist_report(
        &self,
        id: &str,
        params: &ReportParams,
    ) -> Result<ReportFile, Error> {
        let path = format!("/v1/shortlists/{}/report", segment(id));
        let call = self.prepare(Method::GET, &path, Some(params), None::<&Nothing>)?;
        self.report_file(call).await
    }

    /// Opens a shortlist's report through a share link (`GET /v1/shared/{token}/report`),
    /// without credentials: `token` is the segment of the link's `url` after
    /// `/v1/shared/`. The same formats as [`Client::get_shortlist_report`], but the
    /// quotes are left out of a shared report.
    ///
    /// Errors: `400` naming `table` for an unknown table or `table=quotes`, `404` for an
    /// unknown, expired or revoked link (the same answer for all three), `406` for an
    /// unknown format.
    pub async fn get_shared_report(
        &self,
        token: &str,
        params: &ReportParams,
    ) -> Result<ReportFile, Error> {
        let path = format!("/v1/shared/{}/report", segment(token));
        let mut call = self.prepare(Method::GET, &path, Some(params), None::<&Nothing>)?;
        call.authenticated = false;
        self.report_file(call).await
    }

    /// Sends a report request and reads the file it answers.
    async fn report_file(&self, call: super::Call<'_>) -> Result<ReportFile, Error> {
        let received = self.execute(&call).await?;
        let header = |name: reqwest::header::HeaderName| {
            received
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let filename = header(reqwest::header::CONTENT_DISPOSITION).and_then(|d| {
            d.split("filename=")
                .nth(1)
                .map(|f| f.trim_matches('"').to_owned())
        });
        Ok(ReportFile {
            content_type,
            filename,
            bytes: received.body,
        })
    }
}
