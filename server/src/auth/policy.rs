//! Who may do what: the whole rule set in one table.
//!
//! Every application function asks [`authorize`] before it touches storage. A rule says
//! which kinds of organisation may act, the least role needed, whose resource it must
//! be, and whether the acting CDMO must be verified. The README states the same rules
//! in words ("Who may do what"); the table test below pins them.
//!
//! Two principles shape the answers:
//! - Private objects of another organisation do not exist for the caller (404, not 403),
//!   so ids cannot be probed. Public marketplace objects (profiles, capacity) exist for
//!   everyone, so changing someone else's is 403.
//! - Members do the organisation's daily work (profiles, evidence, capacity, programmes,
//!   holds, confirmations); admins also manage the organisation (members, API keys),
//!   create its profile and take it off the market. A CDMO may prepare before the
//!   platform verifies it (profile, evidence, capacity) but may not confirm a binding
//!   reservation until verified.
//! - An API key acts with its role *and* its scopes: each action needs one scope
//!   ([`required_scope`]), and some (signing out, changing a password) are for users
//!   only. Users have no scopes: their role alone decides. Nobody grants more than it
//!   holds ([`may_grant`]).
//! - An unlisted profile leaves the public marketplace: it exists only for its own
//!   organisation, platform operators and those with dealings with it (a reservation on
//!   its capacity or a saved shortlist ranking it). Its listing (unlisting, relisting,
//!   history) is the owner's private business.

use cdmx_sdk::types::{ApiKeyScope, OrganizationKind, PrincipalKind, Role};

use super::Principal;
use crate::error::ApiError;

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read an organisation's own record.
    ReadOrganization,
    /// Verify an organisation (platform operators).
    VerifyOrganization,
    /// Add, deactivate, reactivate and delete an organisation's users.
    ManageMembers,
    /// List an organisation's users.
    ListMembers,
    /// Create, list and revoke an organisation's API keys.
    ManageApiKeys,
    /// Read public marketplace data (profiles, revisions, evidence, capacity).
    ReadMarketplace,
    /// Create the organisation's capability profile.
    CreateProfile,
    /// Replace or patch a capability profile.
    EditProfile,
    /// Add or remove evidence behind a profile's facts.
    ManageEvidence,
    /// Mark evidence verified (platform operators).
    VerifyEvidence,
    /// Publish, change and withdraw capacity blocks.
    ManageCapacity,
    /// Create and change programmes, save shortlists.
    ManagePrograms,
    /// Read programmes, shortlists and their reports.
    ReadPrograms,
    /// Match one of the organisation's programmes.
    MatchProgram,
    /// Run an ad-hoc match over the marketplace.
    RunMatch,
    /// Sign out everywhere or change one's own password (users).
    ManageOwnAccount,
    /// Hold slots of a capacity block.
    PlaceHold,
    /// List the reservations one is a party to.
    ListReservations,
    /// Read a reservation and its history.
    ReadReservation,
    /// Confirm a hold: a binding booking.
    ConfirmReservation,
    /// Decline a hold.
    DeclineReservation,
    /// Cancel a hold or a booking.
    CancelReservation,
    /// Move a reservation to another block of the same CDMO.
    RescheduleReservation,
    /// Take a profile off the market (unlist it) and put it back (relist it).
    ManageListing,
    /// Read a profile's unlisting and relisting history.
    ReadListingHistory,
    /// Read an unlisted profile (with its revisions and evidence).
    ReadUnlistedProfile,
    /// Read the organisation's audit trail.
    ReadAuditTrail,
    /// Record a decision on one of the organisation's shortlists.
    RecordDecision,
    /// Create, list and revoke share links to the organisation's shortlist reports.
    ShareReports,
    /// Read the organisation's event feed.
    ReadEvents,
    /// Create and delete capacity watches (reading them is `ReadPrograms`).
    ManageWatches,
    /// Register, change, rotate and delete webhook endpoints, read their deliveries and
    /// redeliver events.
    ManageWebhooks,
    /// Send an RFI about one of the organisation's programmes.
    SendRfi,
    /// List the RFIs one sent or received.
    ListRfis,
    /// Read an RFI one is a party to, and its quote.
    ReadRfi,
    /// Answer an RFI addressed to one's CDMO: accept its confidentiality agreement,
    /// quote or decline.
    RespondToRfi,
    /// Accept or decline a quote on one's RFI (accepting holds the offered slots).
    DecideQuote,
}

impl Action {
    pub const ALL: [Action; 37] = [
        Action::ReadOrganization,
        Action::VerifyOrganization,
        Action::ManageMembers,
        Action::ListMembers,
        Action::ManageApiKeys,
        Action::ReadMarketplace,
        Action::CreateProfile,
        Action::EditProfile,
        Action::ManageEvidence,
        Action::VerifyEvidence,
        Action::ManageCapacity,
        Action::ManagePrograms,
        Action::ReadPrograms,
        Action::MatchProgram,
        Action::RunMatch,
        Action::ManageOwnAccount,
        Action::PlaceHold,
        Action::ListReservations,
        Action::ReadReservation,
        Action::ConfirmReservation,
        Action::DeclineReservation,
        Action::CancelReservation,
        Action::RescheduleReservation,
        Action::ManageListing,
        Action::ReadListingHistory,
        Action::ReadUnlistedProfile,
        Action::ReadAuditTrail,
        Action::RecordDecision,
        Action::ShareReports,
        Action::ReadEvents,
        Action::ManageWatches,
        Action::ManageWebhooks,
        Action::SendRfi,
        Action::ListRfis,
        Action::ReadRfi,
        Action::RespondToRfi,
        Action::DecideQuote,
    ];
}

/// What an action is done to, as far as authorization cares: who owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The marketplace as a whole (searching, matching, placing a hold).
    Marketplace,
    /// An object of one organisation (the organisation itself, its profile, keys,
    /// programmes, capacity blocks), or a new one being created for it.
    OwnedBy(&'a str),
    /// A reservation between a sponsor and a CDMO.
    Reservation {
        sponsor: &'a str,
        cdmo: &'a str,
        /// Whether the platform has verified the CDMO.
        cdmo_verified: bool,
    },
    /// A profile its CDMO has taken off the market.
    UnlistedProfile {
        owner: &'a str,
        /// Whether the caller has dealings with it: a reservation on its capacity or a
        /// saved shortlist that ranks it.
        dealings: bool,
    },
    /// An RFI (or its quote) between a sponsor and the CDMO it was sent to.
    Rfi { sponsor: &'a str, cdmo: &'a str },
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Another organisation's private object: for the caller it does not exist.
    #[error("not found")]
    Invisible,
    #[error("{0}")]
    Forbidden(&'static str),
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Invisible => ApiError::NotFound,
            Denied::Forbidden(reason) => ApiError::Forbidden(reason.to_owned()),
        }
    }
}

/// Whose resource the caller must act on.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// Any resource.
    Any,
    /// Its own organisation's private object; another's is invisible.
    OwnPrivate,
    /// Its own organisation's private object, or any for platform operators.
    OwnOrOperator,
    /// Its own organisation's public object; another's is visible but not its to change.
    OwnPublic,
    /// A reservation or RFI it is a party to, on either side.
    EitherParty,
    /// A reservation or RFI it is the sponsor of.
    SponsorParty,
    /// A reservation or RFI it is the CDMO of.
    CdmoParty,
    /// An unlisted profile that is its own, that it has dealings with, or any for
    /// platform operators; others are invisible.
    OwnDealingsOrOperator,
}

struct Rule {
    /// Kinds of organisation that may act.
    kinds: &'static [OrganizationKind],
    /// The least role needed: `Member` lets every member act.
    role: Role,
    scope: Scope,
    /// The acting CDMO must be verified.
    verified: bool,
    /// The refusal when the caller's kind may not act.
    kind_refusal: &'static str,
}

use OrganizationKind::{Cdmo, Platform, Sponsor};

const ANY_KIND: &[OrganizationKind] = &[Sponsor, Cdmo, Platform];

/// The rule set. One line per action; the README's table says the same in words.
#[rustfmt::skip]
fn rule(action: Action) -> Rule {
    let rule = |kinds, role, scope, verified, kind_refusal| Rule {
        kinds,
        role,
        scope,
        verified,
        kind_refusal,
    };
    use Action::*;
    use Role::{Admin, Member};
    use Scope::*;
    match action {
        ReadOrganization => rule(ANY_KIND, Member, OwnOrOperator, false, ""),
        VerifyOrganization => rule(&[Platform], Admin, Any, false, "this action is reserved to platform admins"),
        ManageMembers => rule(ANY_KIND, Admin, OwnPrivate, false, ""),
        ListMembers => rule(ANY_KIND, Member, OwnPrivate, false, ""),
        ManageApiKeys => rule(ANY_KIND, Admin, OwnPrivate, false, ""),
        ReadMarketplace => rule(ANY_KIND, Member, Any, false, ""),
        CreateProfile => rule(&[Cdmo], Admin, OwnPrivate, false, "only CDMO organisations have capability profiles"),
        EditProfile => rule(&[Cdmo], Member, OwnPublic, false, "only the CDMO that owns this profile can change it"),
        ManageEvidence => rule(&[Cdmo], Member, OwnPublic, false, "only the CDMO that owns this profile can change its evidence"),
        VerifyEvidence => rule(&[Platform], Admin, Any, false, "this action is reserved to platform admins"),
        ManageCapacity => rule(&[Cdmo], Member, OwnPublic, false, "only the CDMO that owns this profile can manage its capacity"),
        ManagePrograms => rule(&[Sponsor], Member, OwnPrivate, false, "programmes and shortlists belong to sponsor organisations"),
        ReadPrograms => rule(&[Sponsor], Member, OwnPrivate, false, "programmes and shortlists belong to sponsor organisations"),
        MatchProgram => rule(&[Sponsor], Member, OwnPrivate, false, "programmes and shortlists belong to sponsor organisations"),
        RunMatch => rule(ANY_KIND, Member, Any, false, ""),
        ManageOwnAccount => rule(ANY_KIND, Member, Any, false, ""),
        PlaceHold => rule(&[Sponsor], Member, Any, false, "reservations are placed by sponsor organisations"),
        ListReservations => rule(&[Sponsor, Cdmo], Member, Any, false, "reservations are listed by their sponsor or CDMO"),
        ReadReservation => rule(&[Sponsor, Cdmo], Member, EitherParty, false, ""),
        ConfirmReservation => rule(&[Cdmo], Member, CdmoParty, true, "only the CDMO can do this"),
        DeclineReservation => rule(&[Cdmo], Member, CdmoParty, false, "only the CDMO can do this"),
        CancelReservation => rule(&[Sponsor], Member, SponsorParty, false, "only the sponsor can do this"),
        RescheduleReservation => rule(&[Sponsor, Cdmo], Member, EitherParty, false, ""),
        ManageListing => rule(&[Cdmo], Admin, OwnPrivate, false, "only the CDMO that owns this profile can unlist or relist it"),
        ReadListingHistory => rule(&[Cdmo, Platform], Member, OwnOrOperator, false, "the listing history is kept for the profile's CDMO"),
        ReadUnlistedProfile => rule(ANY_KIND, Member, OwnDealingsOrOperator, false, ""),
        ReadAuditTrail => rule(ANY_KIND, Admin, OwnPrivate, false, ""),
        RecordDecision => rule(&[Sponsor], Member, OwnPrivate, false, "programmes and shortlists belong to sponsor organisations"),
        ShareReports => rule(&[Sponsor], Member, OwnPrivate, false, "programmes and shortlists belong to sponsor organisations"),
        ReadEvents => rule(ANY_KIND, Member, OwnPrivate, false, ""),
        ManageWatches => rule(&[Sponsor], Member, OwnPrivate, false, "capacity watches belong to sponsor organisations"),
        ManageWebhooks => rule(ANY_KIND, Admin, OwnPrivate, false, ""),
        SendRfi => rule(&[Sponsor], Member, OwnPrivate, false, "RFIs are sent by sponsor organisations"),
        ListRfis => rule(&[Sponsor, Cdmo], Member, Any, false, "RFIs are listed by their sponsor or CDMO"),
        ReadRfi => rule(&[Sponsor, Cdmo], Member, EitherParty, false, ""),
        RespondToRfi => rule(&[Cdmo], Member, CdmoParty, false, "only the CDMO the RFI was sent to can answer it"),
        DecideQuote => rule(&[Sponsor], Member, SponsorParty, false, "only the sponsor that sent the RFI can accept or decline its quote"),
    }
}

/// The scope an API key needs for each action; `None`: users only (an API key has no
/// password and no sessions: revoke the key instead). Users need no scope. The README
/// ("Who may do what") lists the same.
#[rustfmt::skip]
pub fn required_scope(action: Action) -> Option<ApiKeyScope> {
    use Action::*;
    use ApiKeyScope::{Admin, CapacityWrite, Match, ProfilesWrite, ProgramsWrite, Read, ReservationsWrite};
    Some(match action {
        ReadOrganization | ListMembers | ReadMarketplace | ReadPrograms | ListReservations
        | ReadReservation | ReadListingHistory | ReadUnlistedProfile | ReadEvents | ListRfis
        | ReadRfi => Read,
        RunMatch | MatchProgram => Match,
        CreateProfile | EditProfile | ManageEvidence | ManageListing => ProfilesWrite,
        ManageCapacity | RespondToRfi => CapacityWrite,
        ManagePrograms | RecordDecision | ShareReports | ManageWatches | SendRfi => ProgramsWrite,
        PlaceHold | ConfirmReservation | DeclineReservation | CancelReservation
        | RescheduleReservation | DecideQuote => ReservationsWrite,
        VerifyOrganization | ManageMembers | ManageApiKeys | VerifyEvidence | ReadAuditTrail
        | ManageWebhooks => {
            Admin
        }
        ManageOwnAccount => return None,
    })
}

/// Whether the caller's scopes allow `action` (users always; keys with its scope).
fn check_scope(principal: &Principal, action: Action) -> Result<(), Denied> {
    if principal.kind != PrincipalKind::ApiKey {
        return Ok(());
    }
    match required_scope(action) {
        None => Err(Denied::Forbidden(
            "API keys have no password and no sessions: this is for users; revoke the key \
             instead",
        )),
        Some(scope) if principal.scopes.contains(&scope) => Ok(()),
        Some(scope) => Err(Denied::Forbidden(missing_scope_message(scope))),
    }
}

/// The refusal naming the scope an API key lacks.
fn missing_scope_message(scope: ApiKeyScope) -> &'static str {
    match scope {
        ApiKeyScope::Read => "this API key lacks the `read` scope",
        ApiKeyScope::Match => "this API key lacks the `match` scope",
        ApiKeyScope::ProfilesWrite => "this API key lacks the `profiles:write` scope",
        ApiKeyScope::CapacityWrite => "this API key lacks the `capacity:write` scope",
        ApiKeyScope::ProgramsWrite => "this API key lacks the `programs:write` scope",
        ApiKeyScope::ReservationsWrite => "this API key lacks the `reservations:write` scope",
        ApiKeyScope::Admin => "this API key lacks the `admin` scope",
        _ => "this API key lacks the scope this action needs",
    }
}

/// Whether `principal` may give a new key or user `role` and `scopes`: nobody grants
/// more than it holds. A user may do everything its role allows, so only a key holding
/// every scope may create one (`scopes` is then [`ApiKeyScope::ALL`]).
pub fn may_grant(
    principal: &Principal,
    role: Role,
    scopes: &[ApiKeyScope],
) -> Result<(), ApiError> {
    if role == Role::Admin && principal.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "you cannot grant the admin role: you do not hold it".into(),
        ));
    }
    let missing: Vec<&str> = scopes
        .iter()
        .filter(|scope| !principal.scopes.contains(scope))
        .map(|scope| scope.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "an API key cannot grant scopes it lacks; missing: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Whether `principal` may do `action` to `resource`.
///
/// Checked in this order, so that answers leak nothing: visibility (another
/// organisation's private object is [`Denied::Invisible`]), then whose it is, then the
/// kind of organisation, then the role, then an API key's scope, then verification.
pub fn authorize(
    principal: &Principal,
    action: Action,
    resource: Resource<'_>,
) -> Result<(), Denied> {
    let rule = rule(action);
    let own = principal.organization_id.as_str();
    let operator = principal.organization_kind == Platform;
    match (rule.scope, resource) {
        (Scope::Any, _) => {}
        (Scope::OwnPrivate, Resource::OwnedBy(owner)) if owner == own => {}
        (Scope::OwnOrOperator, Resource::OwnedBy(owner)) if owner == own || operator => {}
        (Scope::OwnDealingsOrOperator, Resource::UnlistedProfile { owner, dealings })
            if owner == own || dealings || operator => {}
        (Scope::OwnPublic, Resource::OwnedBy(owner)) => {
            if owner != own {
                return Err(Denied::Forbidden(rule.kind_refusal));
            }
        }
        (
            Scope::EitherParty | Scope::SponsorParty | Scope::CdmoParty,
            Resource::Reservation { sponsor, cdmo, .. } | Resource::Rfi { sponsor, cdmo },
        ) if own == sponsor || own == cdmo => {
            let wrong_side = match rule.scope {
                Scope::SponsorParty => own != sponsor,
                Scope::CdmoParty => own != cdmo,
                _ => false,
            };
            if wrong_side {
                return Err(Denied::Forbidden(rule.kind_refusal));
            }
        }
        _ => return Err(Denied::Invisible),
    }
    if !rule.kinds.contains(&principal.organization_kind) {
        return Err(Denied::Forbidden(rule.kind_refusal));
    }
    if rule.role == Role::Admin && principal.role != Role::Admin {
        return Err(Denied::Forbidden(
            "this action needs the organisation's admin role",
        ));
    }
    check_scope(principal, action)?;
    if rule.verified
        && let Resource::Reservation {
            cdmo_verified: false,
            ..
        } = resource
    {
        return Err(Denied::Forbidden(
            "the platform has not verified this CDMO yet: it may prepare its profile and \
             capacity, but confirms bookings only once verified",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::PrincipalKind;

    /// The callers of the table: each kind of organisation, as member and as admin.
    const CALLERS: [(OrganizationKind, Role); 6] = [
        (Sponsor, Role::Member),
        (Sponsor, Role::Admin),
        (Cdmo, Role::Member),
        (Cdmo, Role::Admin),
        (Platform, Role::Member),
        (Platform, Role::Admin),
    ];

    fn caller(kind: OrganizationKind, role: Role) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: "user".into(),
            organization_id: "mine".into(),
            organization_kind: kind,
            role,
            scopes: ApiKeyScope::ALL.to_vec(),
        }
    }

    fn key_with(kind: OrganizationKind, scopes: &[ApiKeyScope]) -> Principal {
        Principal {
            kind: PrincipalKind::ApiKey,
            scopes: scopes.to_vec(),
            ..caller(kind, Role::Admin)
        }
    }

    /// The resources each action is tried on.
    #[derive(Debug, Clone, Copy)]
    enum Case {
        Marketplace,
        Own,
        Others,
        /// A reservation where the caller is the sponsor.
        AsSponsor,
        /// A reservation where the caller is the CDMO, verified or not.
        AsCdmo {
            verified: bool,
        },
        /// A reservation between two other organisations.
        Stranger,
        /// An unlisted profile of the caller's organisation.
        UnlistedOwn,
        /// Another organisation's unlisted profile, which the caller has (or has no)
        /// dealings with.
        UnlistedOthers {
            dealings: bool,
        },
        /// An RFI the caller sent.
        RfiAsSponsor,
        /// An RFI sent to the caller.
        RfiAsCdmo,
        /// An RFI between two other organisations.
        RfiStranger,
    }

    fn resource(case: Case) -> Resource<'static> {
        match case {
            Case::Marketplace => Resource::Marketplace,
            Case::Own => Resource::OwnedBy("mine"),
            Case::Others => Resource::OwnedBy("theirs"),
            Case::AsSponsor => Resource::Reservation {
                sponsor: "mine",
                cdmo: "theirs",
                cdmo_verified: true,
            },
            Case::AsCdmo { verified } => Resource::Reservation {
                sponsor: "theirs",
                cdmo: "mine",
                cdmo_verified: verified,
            },
            Case::Stranger => Resource::Reservation {
                sponsor: "theirs",
                cdmo: "others",
                cdmo_verified: true,
            },
            Case::UnlistedOwn => Resource::UnlistedProfile {
                owner: "mine",
                dealings: false,
            },
            Case::UnlistedOthers { dealings } => Resource::UnlistedProfile {
                owner: "theirs",
                dealings,
            },
            Case::RfiAsSponsor => Resource::Rfi {
                sponsor: "mine",
                cdmo: "theirs",
            },
            Case::RfiAsCdmo => Resource::Rfi {
                sponsor: "theirs",
                cdmo: "mine",
            },
            Case::RfiStranger => Resource::Rfi {
                sponsor: "theirs",
                cdmo: "others",
            },
        }
    }

    /// Expected answers, written out by hand (not derived from the rules): one letter per
    /// caller in `CALLERS` order (sponsor member, sponsor admin, CDMO member, CDMO admin,
    /// platform member, platform admin). A = allowed, F = 403, N = 404.
    #[rustfmt::skip]
    const EXPECTED: &[(Action, Case, &str)] = &[
        (Action::ReadOrganization, Case::Own, "AAAAAA"),
        (Action::ReadOrganization, Case::Others, "NNNNAA"),
        (Action::VerifyOrganization, Case::Others, "FFFFFA"),
        (Action::ManageMembers, Case::Own, "FAFAFA"),
        (Action::ManageMembers, Case::Others, "NNNNNN"),
        (Action::ListMembers, Case::Own, "AAAAAA"),
        (Action::ListMembers, Case::Others, "NNNNNN"),
        (Action::ManageApiKeys, Case::Own, "FAFAFA"),
        (Action::ManageApiKeys, Case::Others, "NNNNNN"),
        (Action::ReadMarketplace, Case::Marketplace, "AAAAAA"),
        (Action::ReadMarketplace, Case::Others, "AAAAAA"),
        (Action::CreateProfile, Case::Own, "FFFAFF"),
        (Action::EditProfile, Case::Own, "FFAAFF"),
        (Action::EditProfile, Case::Others, "FFFFFF"),
        (Action::ManageEvidence, Case::Own, "FFAAFF"),
        (Action::ManageEvidence, Case::Others, "FFFFFF"),
        (Action::VerifyEvidence, Case::Others, "FFFFFA"),
        (Action::ManageCapacity, Case::Own, "FFAAFF"),
        (Action::ManageCapacity, Case::Others, "FFFFFF"),
        (Action::ManagePrograms, Case::Own, "AAFFFF"),
        (Action::ManagePrograms, Case::Others, "NNNNNN"),
        (Action::ReadPrograms, Case::Own, "AAFFFF"),
        (Action::ReadPrograms, Case::Others, "NNNNNN"),
        (Action::MatchProgram, Case::Own, "AAFFFF"),
        (Action::MatchProgram, Case::Others, "NNNNNN"),
        (Action::RunMatch, Case::Marketplace, "AAAAAA"),
        (Action::ManageOwnAccount, Case::Marketplace, "AAAAAA"),
        (Action::PlaceHold, Case::Marketplace, "AAFFFF"),
        (Action::ListReservations, Case::Marketplace, "AAAAFF"),
        (Action::ReadReservation, Case::AsSponsor, "AAAAFF"),
        (Action::ReadReservation, Case::AsCdmo { verified: false }, "AAAAFF"),
        (Action::ReadReservation, Case::Stranger, "NNNNNN"),
        (Action::ConfirmReservation, Case::AsCdmo { verified: true }, "FFAAFF"),
        (Action::ConfirmReservation, Case::AsCdmo { verified: false }, "FFFFFF"),
        (Action::ConfirmReservation, Case::AsSponsor, "FFFFFF"),
        (Action::ConfirmReservation, Case::Stranger, "NNNNNN"),
        (Action::DeclineReservation, Case::AsCdmo { verified: false }, "FFAAFF"),
        (Action::DeclineReservation, Case::AsSponsor, "FFFFFF"),
        (Action::DeclineReservation, Case::Stranger, "NNNNNN"),
        (Action::CancelReservation, Case::AsSponsor, "AAFFFF"),
        (Action::CancelReservation, Case::AsCdmo { verified: true }, "FFFFFF"),
        (Action::CancelReservation, Case::Stranger, "NNNNNN"),
        (Action::RescheduleReservation, Case::AsSponsor, "AAAAFF"),
        (Action::RescheduleReservation, Case::AsCdmo { verified: false }, "AAAAFF"),
        (Action::RescheduleReservation, Case::Stranger, "NNNNNN"),
        (Action::ManageListing, Case::Own, "FFFAFF"),
        (Action::ManageListing, Case::Others, "NNNNNN"),
        (Action::ReadListingHistory, Case::Own, "FFAAAA"),
        (Action::ReadListingHistory, Case::Others, "NNNNAA"),
        (Action::ReadUnlistedProfile, Case::UnlistedOwn, "AAAAAA"),
        (Action::ReadUnlistedProfile, Case::UnlistedOthers { dealings: true }, "AAAAAA"),
        (Action::ReadUnlistedProfile, Case::UnlistedOthers { dealings: false }, "NNNNAA"),
        (Action::ReadAuditTrail, Case::Own, "FAFAFA"),
        (Action::ReadAuditTrail, Case::Others, "NNNNNN"),
        (Action::RecordDecision, Case::Own, "AAFFFF"),
        (Action::RecordDecision, Case::Others, "NNNNNN"),
        (Action::ShareReports, Case::Own, "AAFFFF"),
        (Action::ShareReports, Case::Others, "NNNNNN"),
        (Action::ReadEvents, Case::Own, "AAAAAA"),
        (Action::ReadEvents, Case::Others, "NNNNNN"),
        (Action::ManageWatches, Case::Own, "AAFFFF"),
        (Action::ManageWatches, Case::Others, "NNNNNN"),
        (Action::ManageWebhooks, Case::Own, "FAFAFA"),
        (Action::ManageWebhooks, Case::Others, "NNNNNN"),
        (Action::SendRfi, Case::Own, "AAFFFF"),
        (Action::SendRfi, Case::Others, "NNNNNN"),
        (Action::ListRfis, Case::Marketplace, "AAAAFF"),
        (Action::ReadRfi, Case::RfiAsSponsor, "AAAAFF"),
        (Action::ReadRfi, Case::RfiAsCdmo, "AAAAFF"),
        (Action::ReadRfi, Case::RfiStranger, "NNNNNN"),
        (Action::RespondToRfi, Case::RfiAsCdmo, "FFAAFF"),
        (Action::RespondToRfi, Case::RfiAsSponsor, "FFFFFF"),
        (Action::RespondToRfi, Case::RfiStranger, "NNNNNN"),
        (Action::DecideQuote, Case::RfiAsSponsor, "AAFFFF"),
        (Action::DecideQuote, Case::RfiAsCdmo, "FFFFFF"),
        (Action::DecideQuote, Case::RfiStranger, "NNNNNN"),
    ];

    fn letter(outcome: &Result<(), Denied>) -> char {
        match outcome {
            Ok(()) => 'A',
            Err(Denied::Forbidden(_)) => 'F',
            Err(Denied::Invisible) => 'N',
        }
    }

    #[test]
    fn every_action_for_every_kind_of_caller_matches_the_written_table() {
        let mut failures = Vec::new();
        for (action, case, expected) in EXPECTED {
            let got: String = CALLERS
                .iter()
                .map(|(kind, role)| {
                    letter(&authorize(&caller(*kind, *role), *action, resource(*case)))
                })
                .collect();
            if got != *expected {
                failures.push(format!(
                    "{action:?} on {case:?}: expected {expected}, got {got}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        for action in Action::ALL {
            assert!(
                EXPECTED.iter().any(|(a, _, _)| *a == action),
                "{action:?} has no row in the expected table"
            );
        }
    }

    /// The scope each action needs from an API key, written out by hand: one letter per
    /// scope in `ApiKeyScope::ALL` order (read, match, profiles:write, capacity:write,
    /// programs:write, reservations:write, admin): A = a key holding only that scope may
    /// act, F = 403. A row of F: users only.
    #[rustfmt::skip]
    const EXPECTED_SCOPES: &[(Action, &str)] = &[
        (Action::ReadOrganization,      "AFFFFFF"),
        (Action::VerifyOrganization,    "FFFFFFA"),
        (Action::ManageMembers,         "FFFFFFA"),
        (Action::ListMembers,           "AFFFFFF"),
        (Action::ManageApiKeys,         "FFFFFFA"),
        (Action::ReadAuditTrail,        "FFFFFFA"),
        (Action::ReadMarketplace,       "AFFFFFF"),
        (Action::CreateProfile,         "FFAFFFF"),
        (Action::EditProfile,           "FFAFFFF"),
        (Action::ManageEvidence,        "FFAFFFF"),
        (Action::VerifyEvidence,        "FFFFFFA"),
        (Action::ManageCapacity,        "FFFAFFF"),
        (Action::ManagePrograms,        "FFFFAFF"),
        (Action::ReadPrograms,          "AFFFFFF"),
        (Action::MatchProgram,          "FAFFFFF"),
        (Action::RunMatch,              "FAFFFFF"),
        (Action::ManageOwnAccount,      "FFFFFFF"),
        (Action::PlaceHold,             "FFFFFAF"),
        (Action::ListReservations,      "AFFFFFF"),
        (Action::ReadReservation,       "AFFFFFF"),
        (Action::ConfirmReservation,    "FFFFFAF"),
        (Action::DeclineReservation,    "FFFFFAF"),
        (Action::CancelReservation,     "FFFFFAF"),
        (Action::RescheduleReservation, "FFFFFAF"),
        (Action::ManageListing,         "FFAFFFF"),
        (Action::ReadListingHistory,    "AFFFFFF"),
        (Action::ReadUnlistedProfile,   "AFFFFFF"),
        (Action::RecordDecision,        "FFFFAFF"),
        (Action::ShareReports,          "FFFFAFF"),
        (Action::ReadEvents,            "AFFFFFF"),
        (Action::ManageWatches,         "FFFFAFF"),
        (Action::ManageWebhooks,        "FFFFFFA"),
        (Action::SendRfi,               "FFFFAFF"),
        (Action::ListRfis,              "AFFFFFF"),
        (Action::ReadRfi,               "AFFFFFF"),
        (Action::RespondToRfi,          "FFFAFFF"),
        (Action::DecideQuote,           "FFFFFAF"),
    ];

    /// Who a key must be for the rule's other checks to pass, so that only its scope
    /// decides: an admin of a kind the action allows, on a resource of its own.
    fn kind_for(action: Action) -> OrganizationKind {
        [Sponsor, Cdmo, Platform]
            .into_iter()
            .find(|kind| rule(action).kinds.contains(kind))
            .unwrap()
    }

    fn own_resource_for(action: Action) -> Resource<'static> {
        match action {
            Action::ReadReservation
            | Action::ConfirmReservation
            | Action::DeclineReservation
            | Action::RescheduleReservation => resource(Case::AsCdmo { verified: true }),
            Action::CancelReservation => resource(Case::AsSponsor),
            Action::ReadRfi | Action::RespondToRfi => resource(Case::RfiAsCdmo),
            Action::DecideQuote => resource(Case::RfiAsSponsor),
            Action::ReadUnlistedProfile => resource(Case::UnlistedOwn),
            _ => resource(Case::Own),
        }
    }

    #[test]
    fn every_action_needs_the_scope_of_the_written_table() {
        let mut failures = Vec::new();
        for (action, expected) in EXPECTED_SCOPES {
            let kind = kind_for(*action);
            assert_eq!(
                authorize(
                    &caller(kind, Role::Admin),
                    *action,
                    own_resource_for(*action)
                ),
                Ok(()),
                "{action:?}: the user control case must pass"
            );
            let got: String = ApiKeyScope::ALL
                .iter()
                .map(|scope| {
                    letter(&authorize(
                        &key_with(kind, &[*scope]),
                        *action,
                        own_resource_for(*action),
                    ))
                })
                .collect();
            if got != *expected {
                failures.push(format!("{action:?}: expected {expected}, got {got}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        for action in Action::ALL {
            assert!(
                EXPECTED_SCOPES.iter().any(|(a, _)| *a == action),
                "{action:?} has no row in the expected scope table"
            );
        }
    }

    #[test]
    fn a_missing_scope_is_named_and_nobody_grants_more_than_it_holds() {
        let reader = key_with(Cdmo, &[ApiKeyScope::Read]);
        assert_eq!(
            authorize(&reader, Action::ManageCapacity, resource(Case::Own)),
            Err(Denied::Forbidden(
                "this API key lacks the `capacity:write` scope"
            ))
        );
        let admin_key = key_with(Cdmo, &[ApiKeyScope::Read, ApiKeyScope::Admin]);
        assert!(may_grant(&admin_key, Role::Admin, &[ApiKeyScope::Read]).is_ok());
        match may_grant(
            &admin_key,
            Role::Member,
            &[
                ApiKeyScope::Read,
                ApiKeyScope::Match,
                ApiKeyScope::CapacityWrite,
            ],
        ) {
            Err(ApiError::Forbidden(why)) => {
                assert!(why.ends_with("missing: match, capacity:write"), "{why}")
            }
            other => panic!("expected 403, got {other:?}"),
        }
        let member_key = Principal {
            role: Role::Member,
            ..admin_key.clone()
        };
        assert!(matches!(
            may_grant(&member_key, Role::Admin, &[ApiKeyScope::Read]),
            Err(ApiError::Forbidden(_))
        ));
        assert!(
            may_grant(&caller(Cdmo, Role::Admin), Role::Admin, ApiKeyScope::ALL).is_ok(),
            "a user holds every scope"
        );
    }

    #[test]
    fn refusals_say_why_in_plain_words() {
        let sponsor = caller(Sponsor, Role::Admin);
        let Err(Denied::Forbidden(reason)) =
            authorize(&sponsor, Action::PlaceHold, Resource::Marketplace).and(authorize(
                &caller(Cdmo, Role::Admin),
                Action::PlaceHold,
                Resource::Marketplace,
            ))
        else {
            panic!("a CDMO may not place holds");
        };
        assert!(reason.contains("sponsor"), "{reason}");
        let unverified = authorize(
            &caller(Cdmo, Role::Admin),
            Action::ConfirmReservation,
            resource(Case::AsCdmo { verified: false }),
        );
        assert!(
            matches!(unverified, Err(Denied::Forbidden(reason)) if reason.contains("verified")),
            "{unverified:?}"
        );
        assert!(matches!(
            authorize(&caller(Sponsor, Role::Member), Action::ManageApiKeys, resource(Case::Own)),
            Err(Denied::Forbidden(reason)) if reason.contains("admin")
        ));
    }
}
