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
//! - An unlisted profile leaves the public marketplace: it exists only for its own
//!   organisation, platform operators and those with dealings with it (a reservation on
//!   its capacity or a saved shortlist ranking it). Its listing (unlisting, relisting,
//!   history) is the owner's private business.

use cdmx_sdk::types::{OrganizationKind, Role};

use super::Principal;
use crate::error::ApiError;

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read an organisation's own record.
    ReadOrganization,
    /// Verify an organisation (platform operators).
    VerifyOrganization,
    /// Add users to an organisation.
    ManageMembers,
    /// List an organisation's users.
    ListMembers,
    /// Create, list and revoke an organisation's API keys.
    ManageApiKeys,
    /// Read public marketplace data (profiles, revisions, evidence, capacity) and run
    /// ad-hoc matches over it.
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
    /// Keep programmes, match them, save shortlists and download their reports.
    ManagePrograms,
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
}

impl Action {
    pub const ALL: [Action; 23] = [
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
    /// A reservation it is a party to, on either side.
    EitherParty,
    /// A reservation it is the sponsor of.
    SponsorParty,
    /// A reservation it is the CDMO of.
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
    }
}

/// Whether `principal` may do `action` to `resource`.
///
/// Checked in this order, so that answers leak nothing: visibility (another
/// organisation's private object is [`Denied::Invisible`]), then whose it is, then the
/// kind of organisation, then the role, then verification.
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
            Resource::Reservation { sponsor, cdmo, .. },
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
