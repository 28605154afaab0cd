//! Examples in the OpenAPI document, built from the demo data (`server/data/demo/`) and
//! the SDK types, so that they cannot drift from what the server speaks.
//!
//! Request bodies are typed values serialised with serde; response examples are computed
//! by the same domain code the server runs (the match engine ranks the demo CDMOs, the
//! search filter picks the search page), with fixed timestamps so the document stays
//! deterministic. Every id an example names (in a body or a path) is a fixed id of the
//! demo data set, so "Try it out" works as given against a fresh demo server. The
//! end-to-end test `openapi_examples` sends every request example in the checked-in
//! document, as given, to a live server with the demo data loaded.

use cdmx_sdk::types::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::app::demo::{
    DEMO_CDMO_EMAIL, DEMO_QUOTE, DEMO_RFI_TO_DECLINE, DEMO_RFI_TO_QUOTE, DEMO_SPONSOR_EMAIL,
    demo_features,
};
use crate::demo::data::{DemoCapacityBlock, DemoCdmo, DemoData, DemoLogin, DemoProgram};
use crate::domain::matching::{
    Availability, FreeBlock, ValidRequirements, acceptability_seed, feasible_values,
    rank_acceptability, run_match,
};
use crate::domain::profiles::{
    SearchFilter, ValidProfile, countries, donor_sources, max_phase, search_facets,
    section_confidence, undisclosed,
};
use crate::domain::programs::ValidProgram;

/// The day examples are computed on: no demo date lies after it.
fn example_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .unwrap_or_default()
}

/// What the demo password placeholder says; the server prints the real one at start.
const DEMO_PASSWORD_PLACEHOLDER: &str = "the demo password printed at start";

fn to_json<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// The demo objects the examples name: whom the demo logins act for and what they have
/// already made. `None` when the demo data lacks one (a test says which).
struct Demo<'a> {
    data: &'a DemoData,
    sponsor: &'a DemoLogin,
    /// The CDMO the demo CDMO login administers.
    cdmo: &'a DemoCdmo,
    /// The demo sponsor's programme.
    program: &'a DemoProgram,
    /// Two blocks of the demo CDMO: one with the demo hold, one to reschedule it to.
    capacity: &'a DemoCapacityBlock,
    other_capacity: &'a DemoCapacityBlock,
    reservation: &'a crate::demo::data::DemoReservation,
    shortlist: &'a crate::demo::data::DemoShortlist,
}

impl<'a> Demo<'a> {
    fn new(data: &'a DemoData) -> Option<Self> {
        let w = &data.workspace;
        let sponsor = data.login(DEMO_SPONSOR_EMAIL)?;
        let cdmo_login = data.login(DEMO_CDMO_EMAIL)?;
        let cdmo = data
            .cdmos
            .iter()
            .find(|c| c.organization_id == cdmo_login.organization_id)?;
        let program = w
            .programs
            .iter()
            .find(|p| p.organization_id == sponsor.organization_id)?;
        let mut blocks = w
            .capacity_blocks
            .iter()
            .filter(|b| b.profile_id == cdmo.profile_id);
        let capacity = blocks.next()?;
        let other_capacity = blocks.next()?;
        let reservation = w
            .reservations
            .iter()
            .find(|r| r.placed_by == sponsor.id && r.request.capacity_id == capacity.id)?;
        let shortlist = w
            .shortlists
            .iter()
            .find(|s| s.request.program_id == program.id)?;
        Some(Self {
            data,
            sponsor,
            cdmo,
            program,
            capacity,
            other_capacity,
            reservation,
            shortlist,
        })
    }

    /// The demo CDMO's profile, normalised as the server stores it.
    fn cdmo_profile(&self) -> Option<CapabilityProfile> {
        ValidProfile::parse(self.cdmo.profile.clone(), example_day())
            .ok()
            .map(ValidProfile::into_profile)
    }

    /// A demo CDMO the platform has not verified yet: what a platform admin verifies.
    fn unverified_organization(&self) -> Option<&'a str> {
        self.data
            .cdmos
            .iter()
            .find(|c| !c.verified)
            .map(|c| c.organization_id.as_str())
    }
}

/// A realistic edit of the demo CDMO's profile: more storage positions and a faster
/// median turnaround after adding a second Prodigy bank.
fn edited_profile(profile: &CapabilityProfile) -> CapabilityProfile {
    let mut edited = profile.clone();
    if let Some(positions) = edited.cryo.storage_positions.as_mut() {
        *positions += 4_000;
    }
    edited.performance.median_turnaround_days = Some(15);
    edited
}

/// The RFC 7396 merge patch that turns `before` into `after`.
fn merge_patch_between(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut patch = serde_json::Map::new();
            for (key, value) in a {
                match b.get(key) {
                    Some(old) if old == value => {}
                    Some(old) if old.is_object() && value.is_object() => {
                        patch.insert(key.clone(), merge_patch_between(old, value));
                    }
                    _ => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                patch.insert(key.clone(), Value::Null);
            }
            Value::Object(patch)
        }
        _ => after.clone(),
    }
}

/// What the demo sponsor asks of a manufacturer: an autologous CD19 CAR-T made with a
/// lentiviral vector, going into Phase 3 for the EU market (its programme's requirements).
fn requirements(demo: &Demo) -> RequirementSet {
    demo.program.program.requirements.clone()
}

/// The programme's requirements asked ad hoc, more strictly: the EU manufacturing
/// authorisation must also cover QP release, and the inspection record counts only EU
/// inspections.
fn match_request(demo: &Demo) -> MatchRequest {
    let mut requirements = requirements(demo);
    for licence in &mut requirements.constraints.licences {
        licence.activities = vec![LicensedActivity::Manufacturing, LicensedActivity::Release];
    }
    requirements.criteria.push(WeightedCriterion {
        authorities: vec![Authority::EuMemberState, Authority::Ema],
        ..WeightedCriterion::new(Criterion::InspectionHistory, 0.1)
    });
    // A CDMO one Phase 3 programme short is still worth a conversation.
    requirements.near_miss_tolerances = vec![NearMissTolerance {
        constraint: ConstraintCode::PhaseTrackRecord,
        max_gap: 1.0,
    }];
    requirements.weight_order = requirements.order_of_point_weights();
    MatchRequest {
        split_allocation: None,
        rank_acceptability: Some(RankAcceptabilityRequest {
            samples: Some(EXAMPLE_SAMPLES),
        }),
        requirements,
        target_phase: Some(Phase::Phase2),
        limit: Some(5),
        excluded_cursor: None,
    }
}

fn program(demo: &Demo) -> ProgramRequest {
    demo.program.program.clone()
}

/// The programme after an edit: the US joins the target markets, the start moves later.
fn edited_program(demo: &Demo) -> ProgramRequest {
    let mut edited = program(demo);
    edited.target_markets.push("US".into());
    edited.timeline.latest_start = Some(date(2027, 9, 30));
    edited
}

fn capacity_block(demo: &Demo) -> NewCapacityBlock {
    demo.capacity.block.clone()
}

fn reservation(demo: &Demo) -> NewReservation {
    demo.reservation.request.clone()
}

/// One slot of each of the demo CDMO's two blocks, held together; a split allocation's
/// `hold_request()` has the same shape, with blocks of several CDMOs.
fn allocation_hold(demo: &Demo) -> NewAllocationHold {
    NewAllocationHold {
        blocks: [demo.capacity, demo.other_capacity]
            .iter()
            .map(|b| SlotOffer {
                capacity_id: b.id.clone(),
                slots: 1,
            })
            .collect(),
        program_id: Some(demo.program.id.clone()),
        note: Some("Two of the five Phase 2 batches; the rest at a second CDMO.".into()),
        shared_summary: demo.reservation.request.shared_summary.clone(),
    }
}

/// The demo shortlist's ranking, as the demo load saves it.
fn shortlist_result(demo: &Demo) -> Option<MatchResult> {
    let programme = ValidProgram::parse(program(demo)).ok()?;
    let limit = demo.shortlist.request.limit.unwrap_or(10) as usize;
    Some(match_result(demo, &programme.requirements, limit))
}

/// A decision on the demo shortlist: its first-ranked CDMO is selected.
fn decision_request(demo: &Demo) -> Option<NewDecision> {
    let top = shortlist_result(demo)?.candidates.into_iter().next()?;
    Some(NewDecision {
        outcome: DecisionOutcome::Award,
        selected_profile_ids: vec![top.profile_id],
        rationale: "Highest score with verified QC evidence and free clinical slots in the \
                    programme window; approved by the steering committee on 2026-01-20."
            .into(),
    })
}

fn share_link_request() -> NewShareLink {
    NewShareLink {
        label: Some("Steering committee, Q1 review".into()),
        expires_in_days: Some(14),
    }
}

fn decision_view(demo: &Demo) -> Option<Decision> {
    let request = decision_request(demo)?;
    let top = shortlist_result(demo)?.candidates.into_iter().next()?;
    Some(Decision {
        id: "01943a6e-2c00-7000-8000-0000000d1001".into(),
        shortlist_id: demo.shortlist.id.clone(),
        outcome: request.outcome,
        selected: vec![SelectedCandidate {
            profile_id: top.profile_id,
            name: top.name,
            rank: top.rank,
            revision: top.revision,
        }],
        rationale: request.rationale,
        decided_by: DecisionMaker {
            kind: PrincipalKind::User,
            id: demo.shortlist.created_by.clone(),
            name: Some(DEMO_SPONSOR_EMAIL.into()),
        },
        decided_at: at(1, 20, 9),
        supersedes: None,
        current: true,
    })
}

fn share_link_view(demo: &Demo) -> CreatedShareLink {
    let request = share_link_request();
    CreatedShareLink {
        share_link: ShareLink {
            id: "01943a6e-2c00-7000-8000-0000000d2001".into(),
            shortlist_id: demo.shortlist.id.clone(),
            label: request.label,
            created_by: demo.shortlist.created_by.clone(),
            created_at: at(1, 20, 10),
            expires_at: at(2, 3, 10),
            revoked_at: None,
            open_count: 0,
            last_opened_at: None,
        },
        url: "http://127.0.0.1:8080/v1/shared/q3Xf0bQyJc9mR2sT7uVw1xYz4AbCdEfGhIjKlMnOpQr/report"
            .into(),
    }
}

/// Request body examples by operation id.
fn request_examples(demo: &Demo) -> Vec<(&'static str, Option<Value>)> {
    let profile = demo.cdmo_profile();
    let edited = profile.as_ref().map(edited_profile);
    let patch = match (
        profile.as_ref().and_then(to_json),
        edited.as_ref().and_then(to_json),
    ) {
        (Some(before), Some(after)) => Some(merge_patch_between(&before, &after)),
        _ => None,
    };
    vec![
        (
            "issue_token",
            to_json(&TokenRequest::Password {
                email: DEMO_SPONSOR_EMAIL.into(),
                password: DEMO_PASSWORD_PLACEHOLDER.into(),
            }),
        ),
        (
            "create_organization",
            to_json(&SignUpRequest {
                name: "Corvantis Bio".into(),
                kind: OrganizationKind::Sponsor,
                admin: NewUser {
                    email: "founder@corvantis.example".into(),
                    password: "choose a long passphrase".into(),
                },
            }),
        ),
        (
            "create_user",
            to_json(&CreateUserRequest {
                email: "procurement@northgate-oncology.example".into(),
                password: "another long passphrase".into(),
                role: Role::Member,
            }),
        ),
        (
            "create_api_key",
            to_json(&CreateApiKeyRequest {
                name: "Portfolio tool sync".into(),
                role: Some(Role::Member),
                scopes: Some(vec![ApiKeyScope::Read, ApiKeyScope::Match]),
            }),
        ),
        (
            "change_password",
            to_json(&ChangePasswordRequest {
                current_password: "the password you signed in with".into(),
                new_password: "a new and longer passphrase".into(),
            }),
        ),
        ("create_cdmo_profile", profile.as_ref().and_then(to_json)),
        ("replace_cdmo_profile", edited.as_ref().and_then(to_json)),
        ("patch_cdmo_profile", patch),
        (
            "add_cdmo_evidence",
            to_json(&NewEvidence {
                // The Leiden site's EU manufacturing authorisation.
                subject: "/sites/1/licences/0".into(),
                kind: EvidenceKind::Certificate,
                reference: "EU GMP certificate NL/H 25/1008123".into(),
                url: Some("https://tessaric.example/quality/leiden-gmp-certificate.pdf".into()),
                expires_on: Some(date(2028, 4, 8)),
            }),
        ),
        ("create_capacity_block", to_json(&capacity_block(demo))),
        (
            "change_capacity_block",
            to_json(&CapacityBlockChange {
                slots: Some(30),
                lead_time_days: Some(30),
                price_band: None,
            }),
        ),
        ("create_match", to_json(&match_request(demo))),
        ("create_program", to_json(&program(demo))),
        ("replace_program", to_json(&edited_program(demo))),
        (
            "match_program",
            to_json(&ProgramMatchRequest {
                rank_acceptability: Some(RankAcceptabilityRequest {
                    samples: Some(EXAMPLE_SAMPLES),
                }),
                limit: Some(10),
                excluded_cursor: None,
                split_allocation: Some(SplitAllocationRequest {
                    max_cdmos: Some(3),
                    proposals: Some(5),
                }),
            }),
        ),
        ("create_shortlist", to_json(&demo.shortlist.request)),
        (
            "create_shortlist_decision",
            decision_request(demo).as_ref().and_then(to_json),
        ),
        ("create_share_link", to_json(&share_link_request())),
        ("create_capacity_watch", to_json(&watch_request(demo))),
        ("create_webhook", to_json(&webhook_request())),
        (
            "update_webhook",
            to_json(&WebhookEndpointChange {
                url: None,
                event_types: Some(vec![
                    EventType::ReservationHeld,
                    EventType::ReservationConfirmed,
                    EventType::ReservationDeclined,
                    EventType::CapacityAvailable,
                ]),
                enabled: None,
            }),
        ),
        ("create_rfi", to_json(&rfi_request(demo))),
        ("create_quote", to_json(&quote_request(demo))),
        (
            "decline_rfi",
            to_json(&DeclineRequest {
                reason: "No clinical GMP capacity in the window before Q3 2027.".into(),
            }),
        ),
        (
            "decline_quote",
            to_json(&DeclineRequest {
                reason: "Another CDMO offers earlier slots.".into(),
            }),
        ),
        ("create_reservation", to_json(&reservation(demo))),
        ("create_allocation_hold", to_json(&allocation_hold(demo))),
        ("unlist_cdmo_profile", to_json(&unlist_request())),
        (
            "reschedule_reservation",
            to_json(&RescheduleRequest {
                capacity_id: demo.other_capacity.id.clone(),
            }),
        ),
    ]
}

/// The demo catalogue as the search index lists it.
fn demo_summaries(demo: &Demo) -> Vec<(CdmoSummary, bool, CapabilityProfile)> {
    demo.data
        .cdmos
        .iter()
        .filter_map(|cdmo| {
            let profile = ValidProfile::parse(cdmo.profile.clone(), example_day())
                .ok()?
                .into_profile();
            let summary = CdmoSummary {
                id: cdmo.profile_id.clone(),
                organization_id: cdmo.organization_id.clone(),
                name: profile.organization.name.clone(),
                cdmo_type: profile.organization.cdmo_type,
                organization_verified: cdmo.verified,
                countries: countries(&profile),
                donor_sources: donor_sources(&profile),
                modalities: profile.modalities.clone(),
                max_phase: max_phase(&profile),
                revision: 1,
                updated_at: at(1, 1, 9),
            };
            Some((summary, cdmo.verified, profile))
        })
        .collect()
}

/// The search the `GET /v1/cdmos` parameter examples make: the README's `min_phase=phase_3`
/// alone. Swagger UI prefills every parameter that has an example, and a list filter
/// emptied there goes out as `donor_source=`, which the server refuses; so examples on list
/// filters would leave a browser user no way to send this search.
fn search() -> CdmoSearch {
    CdmoSearch {
        min_phase: Some(Phase::Phase3),
        ..CdmoSearch::default()
    }
}

fn search_page(demo: &Demo) -> Option<Page<CdmoSummary>> {
    let filter = SearchFilter::parse(&search()).ok()?;
    let mut items: Vec<CdmoSummary> = demo_summaries(demo)
        .into_iter()
        .filter(|(summary, verified, profile)| {
            filter.matches(
                &search_facets(profile),
                *verified,
                &summary.name.to_lowercase(),
            )
        })
        .map(|(summary, ..)| summary)
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Some(Page {
        items,
        next_cursor: None,
    })
}

/// Free slots per demo CDMO for the requirements' capacity need, counted as a fresh demo
/// server counts them: published slots of matching blocks overlapping the window, less
/// the demo hold and the confirmed bookings.
fn demo_availability(data: &DemoData, requirements: &ValidRequirements) -> Availability {
    let set = requirements.requirement_set();
    let Some(need) = &set.capacity else {
        return Availability::default();
    };
    let wanted = &set.constraints;
    let mut blocks = Vec::new();
    for b in data
        .workspace
        .capacity_blocks
        .iter()
        .chain(&data.capacity.blocks)
    {
        let k = &b.block;
        let serves = k.slot_kind == need.slot_kind
            && k.period_end >= need.window_start
            && k.period_start <= need.window_end
            && wanted
                .donor_source
                .is_none_or(|d| k.donor_sources.contains(&d))
            && (wanted.modalities.is_empty()
                || wanted.modalities.iter().any(|m| k.modalities.contains(m)));
        if !serves {
            continue;
        }
        let held = data
            .workspace
            .reservations
            .iter()
            .filter(|r| r.request.capacity_id == b.id)
            .map(|r| r.request.slots);
        let booked = data
            .capacity
            .bookings
            .iter()
            .filter(|x| x.capacity_id == b.id)
            .map(|x| x.slots);
        blocks.push(FreeBlock {
            capacity_id: b.id.clone(),
            profile_id: b.profile_id.clone(),
            slot_kind: k.slot_kind,
            period_start: k.period_start,
            period_end: k.period_end,
            free: k.slots.saturating_sub(held.chain(booked).sum()),
        });
    }
    Availability::of_blocks(blocks, need.window_start)
}

/// Weight vectors drawn in the examples' rank acceptability.
const EXAMPLE_SAMPLES: u32 = 10_000;

/// [`match_result`] with the rank acceptability a request for [`EXAMPLE_SAMPLES`] gets.
fn match_result_with_acceptability(
    demo: &Demo,
    requirements: &ValidRequirements,
    limit: usize,
) -> MatchResult {
    let day = example_day();
    let features = demo_features(demo.data, day);
    let availability = demo_availability(demo.data, requirements);
    let feasible = feasible_values(&features, requirements, day, &availability);
    MatchResult {
        rank_acceptability: Some(rank_acceptability(
            &feasible,
            requirements,
            EXAMPLE_SAMPLES,
            acceptability_seed(requirements, EXAMPLE_SAMPLES),
        )),
        ..match_result(demo, requirements, limit)
    }
}

fn match_result(demo: &Demo, requirements: &ValidRequirements, limit: usize) -> MatchResult {
    run_match(
        &demo_features(demo.data, example_day()),
        requirements,
        example_day(),
        &demo_availability(demo.data, requirements),
        limit,
    )
}

fn program_view(demo: &Demo, program: ProgramRequest) -> Program {
    Program {
        id: demo.program.id.clone(),
        organization_id: demo.program.organization_id.clone(),
        version: 1,
        created_at: at(1, 5, 10),
        updated_at: at(1, 5, 10),
        archived_at: None,
        program,
    }
}

fn capacity_view(demo: &Demo) -> Option<CapacityBlock> {
    let profile = demo.cdmo_profile()?;
    let block = capacity_block(demo);
    let country = profile
        .sites
        .iter()
        .find(|s| s.key == block.site_key)?
        .country
        .clone();
    let held = demo.reservation.request.slots;
    Some(CapacityBlock {
        id: demo.capacity.id.clone(),
        profile_id: demo.cdmo.profile_id.clone(),
        organization_id: demo.cdmo.organization_id.clone(),
        cdmo_name: profile.organization.name,
        country,
        free: block.slots - held,
        block,
        held,
        confirmed: 0,
        created_at: at(1, 2, 8),
        updated_at: at(1, 6, 14),
    })
}

/// An endpoint for the reservation events, registered disabled: enable it once the
/// receiver verifies signatures. Its address is a documentation one (RFC 5737), so that
/// trying the example sends nothing anywhere.
fn webhook_request() -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: "https://203.0.113.10/cdmx/webhooks".into(),
        event_types: vec![EventType::ReservationHeld, EventType::ReservationConfirmed],
        enabled: Some(false),
    }
}

/// An RFI about the demo programme to the demo CDMO, the sponsor's name withheld until
/// it accepts the confidentiality agreement.
fn rfi_request(demo: &Demo) -> NewRfi {
    NewRfi {
        program_id: demo.program.id.clone(),
        cdmo_organization_ids: vec![demo.cdmo.organization_id.clone()],
        disclose: RfiDisclosure {
            summary: true,
            modality: true,
            phase: true,
            volumes: true,
            timeline: true,
        },
        summary: Some("EU pivotal autologous CD19 CAR-T; four clinical batches in H1 2027".into()),
        withhold_sponsor_name: true,
        response_deadline: Utc
            .with_ymd_and_hms(2030, 1, 31, 17, 0, 0)
            .single()
            .unwrap_or_default(),
        message: Some("Please quote four clinical GMP batches with tech transfer.".into()),
    }
}

/// The demo CDMO's quote on the demo RFI, offering a slot of its second Leiden block.
fn quote_request(demo: &Demo) -> NewQuote {
    NewQuote {
        price_per_batch: 210_000,
        currency: "EUR".into(),
        tech_transfer_cost: Some(450_000),
        tech_transfer_weeks: Some(26),
        slots_offered: vec![SlotOffer {
            capacity_id: demo.other_capacity.id.clone(),
            slots: 1,
        }],
        valid_until: Utc
            .with_ymd_and_hms(2030, 3, 31, 17, 0, 0)
            .single()
            .unwrap_or_default(),
        assumptions: Some("Sponsor supplies the lentiviral vector.".into()),
        attachments: vec![QuoteAttachment {
            name: "Tessaric quote NGO-19".into(),
            uri: "https://tessaric.example/quotes/ngo-19.pdf".into(),
        }],
    }
}

/// A watch on the demo programme.
fn watch_request(demo: &Demo) -> NewCapacityWatch {
    NewCapacityWatch {
        program_id: Some(demo.program.id.clone()),
        requirements: None,
    }
}

fn watch_view(demo: &Demo) -> Option<CapacityWatch> {
    let mut requirements = crate::domain::programs::effective_requirements(&program(demo));
    requirements.capacity.as_mut()?.required = true;
    Some(CapacityWatch {
        id: "01943a6e-2c00-7000-8000-00000000f001".into(),
        organization_id: demo.sponsor.organization_id.clone(),
        program_id: Some(demo.program.id.clone()),
        requirements,
        fired_for: vec![demo.cdmo.organization_id.clone()],
        created_at: at(1, 6, 9),
    })
}

/// The demo sponsor's feed after its hold.
fn event_page(demo: &Demo) -> Page<Event> {
    let reservation = reservation_view(demo);
    Page {
        items: vec![Event {
            id: "01943a6e-2c00-7000-8000-00000000f101".into(),
            sequence: 1,
            event_type: EventType::ReservationHeld,
            occurred_at: reservation.created_at,
            actor: Some(EventActor {
                kind: PrincipalKind::User,
                id: demo.sponsor.id.clone(),
                organization_id: demo.sponsor.organization_id.clone(),
            }),
            object: EventObject {
                kind: EventObjectKind::Reservation,
                id: reservation.id.clone(),
            },
            payload: to_json(&reservation).unwrap_or_default(),
        }],
        next_cursor: None,
    }
}

fn reservation_view(demo: &Demo) -> Reservation {
    let request = reservation(demo);
    Reservation {
        id: demo.reservation.id.clone(),
        capacity_id: request.capacity_id,
        sponsor_organization_id: demo.sponsor.organization_id.clone(),
        sponsor_organization_name: demo
            .data
            .sponsors
            .iter()
            .find(|s| s.organization_id == demo.sponsor.organization_id)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        cdmo_organization_id: demo.cdmo.organization_id.clone(),
        cdmo_organization_name: demo.cdmo.profile.organization.name.clone(),
        program_id: request.program_id,
        slots: request.slots,
        state: ReservationState::Held,
        expires_at: Some(at(1, 9, 14)),
        note: request.note,
        shared_summary: request.shared_summary,
        created_at: at(1, 6, 14),
        updated_at: at(1, 6, 14),
    }
}

fn allocation_hold_view(demo: &Demo) -> AllocationHold {
    let request = allocation_hold(demo);
    AllocationHold {
        reservations: request
            .blocks
            .iter()
            .zip([
                "01943a6e-2c00-7000-8000-00000000a101",
                "01943a6e-2c00-7000-8000-00000000a102",
            ])
            .map(|(block, id)| Reservation {
                id: id.into(),
                capacity_id: block.capacity_id.clone(),
                program_id: request.program_id.clone(),
                slots: block.slots,
                note: request.note.clone(),
                shared_summary: request.shared_summary.clone(),
                ..reservation_view(demo)
            })
            .collect(),
    }
}

fn profile_view(demo: &Demo) -> Option<CdmoProfile> {
    let profile = demo.cdmo_profile()?;
    Some(CdmoProfile {
        undisclosed: undisclosed(&profile),
        id: demo.cdmo.profile_id.clone(),
        organization_id: demo.cdmo.organization_id.clone(),
        organization_verified: demo.cdmo.verified,
        revision: 1,
        created_at: at(1, 1, 9),
        updated_at: at(1, 1, 9),
        confidence: section_confidence(&[], example_day()),
        listing: ProfileListing::listed(),
        profile,
    })
}

/// The demo CDMO pauses intake (no relist day, so the example never goes stale).
fn unlist_request() -> UnlistRequest {
    UnlistRequest {
        reason: UnlistReason::IntakePaused,
        note: Some(
            "Leiden suites are booked through Q3 while the second cleanroom is qualified; \
             existing programmes continue."
                .into(),
        ),
        relist_on: None,
    }
}

/// The listing after [`unlist_request`].
fn unlisted_view() -> ProfileListing {
    let request = unlist_request();
    ProfileListing {
        status: ListingStatus::Unlisted,
        reason: Some(request.reason),
        note: request.note,
        since: Some(at(2, 2, 10)),
        relist_on: None,
    }
}

/// The demo CDMO's listing history: a paused intake with a relist day, lifted early.
fn listing_history(demo: &Demo) -> Page<ListingEvent> {
    let actor = demo
        .data
        .login(DEMO_CDMO_EMAIL)
        .map(|login| login.id.clone())
        .unwrap_or_default();
    Page {
        items: vec![
            ListingEvent {
                id: "01943a6e-2c00-7000-8000-00000000f001".into(),
                event: ListingEventKind::Unlisted,
                reason: Some(UnlistReason::SiteClosed),
                note: Some("Leiden closed for the cleanroom upgrade".into()),
                relist_on: Some(date(2026, 3, 1)),
                actor: actor.clone(),
                at: at(1, 12, 8),
            },
            ListingEvent {
                id: "01943a6e-2c00-7000-8000-00000000f002".into(),
                event: ListingEventKind::Relisted,
                reason: None,
                note: None,
                relist_on: None,
                actor,
                at: at(2, 1, 9),
            },
        ],
        next_cursor: None,
    }
}

/// Response examples by operation id and status.
fn response_examples(demo: &Demo) -> Vec<(&'static str, &'static str, Option<Value>)> {
    let request = match_request(demo);
    let ad_hoc = ValidRequirements::parse(request.requirements, request.target_phase).ok();
    let ad_hoc_result = ad_hoc.map(|r| match_result_with_acceptability(demo, &r, 5));
    let programme = ValidProgram::parse(program(demo)).ok();
    let program_result =
        programme.map(|p| match_result_with_acceptability(demo, &p.requirements, 10));
    let shortlist = shortlist_result(demo).map(|result| Shortlist {
        id: demo.shortlist.id.clone(),
        organization_id: demo.sponsor.organization_id.clone(),
        program_id: demo.program.id.clone(),
        program_version: 1,
        name: demo.shortlist.request.name.clone().unwrap_or_default(),
        created_by: demo.shortlist.created_by.clone(),
        created_at: at(1, 5, 11),
        archived_at: None,
        program: program(demo),
        result,
    });
    let profile = profile_view(demo);
    let token = TokenResponse {
        access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTk0M2E2ZS0yYzAwLTcwMDAtODAwMC0wMDAwMDAwMGIxMDEifQ.signature".into(),
        token_type: "Bearer".into(),
        expires_in: 3600,
    };
    vec![
        ("issue_token", "200", to_json(&token)),
        (
            "search_cdmos",
            "200",
            search_page(demo).as_ref().and_then(to_json),
        ),
        (
            "get_cdmo_profile",
            "200",
            profile.as_ref().and_then(to_json),
        ),
        (
            "create_cdmo_profile",
            "201",
            profile.as_ref().and_then(to_json),
        ),
        (
            "create_match",
            "200",
            ad_hoc_result.as_ref().and_then(to_json),
        ),
        (
            "match_program",
            "200",
            program_result.as_ref().and_then(to_json),
        ),
        (
            "create_program",
            "201",
            to_json(&program_view(demo, program(demo))),
        ),
        (
            "get_program",
            "200",
            to_json(&program_view(demo, program(demo))),
        ),
        (
            "create_shortlist",
            "201",
            shortlist.as_ref().and_then(to_json),
        ),
        ("get_shortlist", "200", shortlist.as_ref().and_then(to_json)),
        (
            "create_shortlist_decision",
            "201",
            decision_view(demo).as_ref().and_then(to_json),
        ),
        ("create_share_link", "201", to_json(&share_link_view(demo))),
        (
            "create_capacity_watch",
            "201",
            watch_view(demo).as_ref().and_then(to_json),
        ),
        ("list_events", "200", to_json(&event_page(demo))),
        (
            "create_capacity_block",
            "201",
            capacity_view(demo).as_ref().and_then(to_json),
        ),
        (
            "get_capacity_block",
            "200",
            capacity_view(demo).as_ref().and_then(to_json),
        ),
        (
            "create_reservation",
            "201",
            to_json(&reservation_view(demo)),
        ),
        ("get_reservation", "200", to_json(&reservation_view(demo))),
        (
            "create_allocation_hold",
            "201",
            to_json(&allocation_hold_view(demo)),
        ),
        ("unlist_cdmo_profile", "200", to_json(&unlisted_view())),
        (
            "relist_cdmo_profile",
            "200",
            to_json(&ProfileListing::listed()),
        ),
        (
            "list_cdmo_listing_history",
            "200",
            to_json(&listing_history(demo)),
        ),
    ]
}

/// Parameter examples by operation id and name: what Swagger UI's "Try it out" offers.
/// Path ids name demo objects the caller may act on: the demo sponsor's organisation,
/// programme, shortlist and hold, the demo CDMO's profile and capacity block.
fn parameter_examples(demo: &Demo) -> Vec<(&'static str, &'static str, Value)> {
    // Only `min_phase` for the search: a list filter prefilled in Swagger UI and then
    // cleared is sent empty (`modality=`), which the server refuses.
    let mut out = Vec::new();
    if let Some(v) = search().min_phase {
        out.push(("search_cdmos", "min_phase", json!(v.as_str())));
    }
    let ids: [(&[&'static str], &str); 10] = [
        (&["create_quote", "get_rfi"], DEMO_RFI_TO_QUOTE),
        (
            &["decline_rfi", "accept_rfi_confidentiality"],
            DEMO_RFI_TO_DECLINE,
        ),
        (&["get_quote", "accept_quote", "decline_quote"], DEMO_QUOTE),
        (&["list_program_quotes"], &demo.program.id),
        (
            &[
                "get_cdmo_profile",
                "replace_cdmo_profile",
                "patch_cdmo_profile",
                "create_capacity_block",
                "list_cdmo_evidence",
                "add_cdmo_evidence",
                "list_cdmo_revisions",
                "get_cdmo_revision",
                "unlist_cdmo_profile",
                "relist_cdmo_profile",
                "list_cdmo_listing_history",
            ],
            &demo.cdmo.profile_id,
        ),
        (
            &[
                "get_capacity_block",
                "change_capacity_block",
                "delete_capacity_block",
            ],
            &demo.capacity.id,
        ),
        (
            &[
                "get_organization",
                "list_users",
                "create_user",
                "list_api_keys",
                "create_api_key",
                "deactivate_user",
                "reactivate_user",
                "delete_user",
            ],
            &demo.sponsor.organization_id,
        ),
        (
            &[
                "get_program",
                "replace_program",
                "match_program",
                "archive_program",
                "unarchive_program",
            ],
            &demo.program.id,
        ),
        (
            &[
                "get_reservation",
                "list_reservation_events",
                "confirm_reservation",
                "decline_reservation",
                "cancel_reservation",
                "reschedule_reservation",
            ],
            &demo.reservation.id,
        ),
        (
            &[
                "get_shortlist",
                "get_shortlist_report",
                "archive_shortlist",
                "unarchive_shortlist",
                "create_shortlist_decision",
                "list_shortlist_decisions",
                "create_share_link",
                "list_share_links",
            ],
            &demo.shortlist.id,
        ),
    ];
    for (operations, id) in ids {
        out.extend(operations.iter().map(|op| (*op, "id", json!(id))));
    }
    if let Some(organization) = demo.unverified_organization() {
        out.push(("verify_organization", "id", json!(organization)));
    }
    out.push(("get_cdmo_revision", "revision", json!(1)));
    out
}

/// Attaches every example to the operations of `document` (the JSON form).
pub(super) fn attach(document: &mut Value) {
    let Ok(data) = DemoData::load(example_day()) else {
        return;
    };
    let Some(demo) = Demo::new(&data) else {
        return;
    };
    let requests = request_examples(&demo);
    let responses = response_examples(&demo);
    let parameters = parameter_examples(&demo);
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(id) = operation
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            continue;
        };
        for (_, example) in requests.iter().filter(|(op, _)| *op == id) {
            if let (Some(example), Some(Value::Object(content))) =
                (example, operation.pointer_mut("/requestBody/content"))
            {
                for media in content.values_mut().filter_map(Value::as_object_mut) {
                    media.insert("example".into(), example.clone());
                }
            }
        }
        for (_, status, example) in responses.iter().filter(|(op, ..)| *op == id) {
            if let (Some(example), Some(Value::Object(media))) = (
                example,
                operation.pointer_mut(&format!("/responses/{status}/content/application~1json")),
            ) {
                media.insert("example".into(), example.clone());
            }
        }
        if let Some(Value::Array(params)) = operation.get_mut("parameters") {
            for param in params.iter_mut().filter_map(Value::as_object_mut) {
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some((_, _, example)) =
                    parameters.iter().find(|(op, p, _)| *op == id && *p == name)
                {
                    param.insert("example".into(), example.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> DemoData {
        DemoData::load(example_day()).expect("the demo data is valid")
    }

    fn demo(data: &DemoData) -> Demo<'_> {
        Demo::new(data).expect("the demo data has every object the examples name")
    }

    #[test]
    fn every_example_is_built() {
        let data = data();
        let demo = demo(&data);
        for (id, example) in request_examples(&demo) {
            assert!(example.is_some(), "{id}: no request example");
        }
        for (id, status, example) in response_examples(&demo) {
            assert!(example.is_some(), "{id} {status}: no response example");
        }
    }

    #[test]
    fn the_match_example_ranks_demo_cdmos_and_the_search_example_finds_some() {
        let data = data();
        let demo = demo(&data);
        let request = match_request(&demo);
        let result = ValidRequirements::parse(request.requirements, request.target_phase)
            .map(|r| match_result(&demo, &r, 5))
            .expect("the requirements are valid");
        assert!(!result.candidates.is_empty(), "{result:?}");
        let page = search_page(&demo).expect("the search is valid");
        assert!(!page.items.is_empty());
    }

    #[test]
    fn the_match_examples_count_the_demo_capacity_as_a_fresh_demo_server() {
        let data = data();
        let demo = demo(&data);
        let requirements = ValidProgram::parse(program(&demo)).unwrap().requirements;
        let free = |profile: &str| {
            let slots = demo_availability(&data, &requirements)
                .of(&format!("01943a6e-2c00-7000-8000-000000000{profile}"));
            (slots.free, slots.earliest)
        };
        let day = |m, d| Some(date(2027, m, d));
        // Tessaric: 24 + 12 slots, 2 of them held by the demo sponsor.
        assert_eq!(free("100"), (34, day(1, 4)));
        // Corvane: 10 slots from February, 7 booked.
        assert_eq!(free("104"), (3, day(2, 1)));
        // Bellcourt: fully booked.
        assert_eq!(free("105"), (0, None));
        // Aurinberg publishes nothing.
        assert_eq!(free("112"), (0, None));
        let result = match_result(&demo, &requirements, 10);
        let fits: Vec<f64> = result
            .candidates
            .iter()
            .flat_map(|c| &c.criteria)
            .filter(|s| s.criterion == Criterion::CapacityFit)
            .map(|s| s.normalised)
            .collect();
        assert!(fits.contains(&1.0) && fits.contains(&0.0), "{fits:?}");
    }

    #[test]
    fn the_patch_example_applies_to_the_demo_profile() {
        let data = data();
        let demo = demo(&data);
        let profile = demo.cdmo_profile().expect("the demo profile is valid");
        let mut document = serde_json::to_value(&profile).expect("serialises");
        let examples = request_examples(&demo);
        let patch = examples
            .iter()
            .find(|(id, _)| *id == "patch_cdmo_profile")
            .and_then(|(_, e)| e.clone())
            .expect("a patch");
        assert!(patch.as_object().is_some_and(|p| !p.is_empty()));
        crate::domain::profiles::merge_patch(&mut document, &patch);
        let patched: CapabilityProfile = serde_json::from_value(document).expect("a profile");
        assert_eq!(patched, edited_profile(&profile));
        // The evidence example's subject exists in the profile.
        let document = serde_json::to_value(&profile).expect("serialises");
        assert!(document.pointer("/sites/1/licences/0").is_some());
        assert_eq!(profile.sites[1].key, capacity_block(&demo).site_key);
    }

    #[test]
    fn path_examples_name_objects_of_the_demo_data() {
        let data = data();
        let demo = demo(&data);
        let w = &data.workspace;
        let known: Vec<&str> = data
            .cdmos
            .iter()
            .flat_map(|c| [c.profile_id.as_str(), c.organization_id.as_str()])
            .chain(data.sponsors.iter().map(|s| s.organization_id.as_str()))
            .chain(w.programs.iter().map(|p| p.id.as_str()))
            .chain(w.capacity_blocks.iter().map(|b| b.id.as_str()))
            .chain(w.reservations.iter().map(|r| r.id.as_str()))
            .chain(w.shortlists.iter().map(|s| s.id.as_str()))
            .chain([
                crate::app::demo::DEMO_RFI_TO_QUOTE,
                crate::app::demo::DEMO_RFI_TO_DECLINE,
                crate::app::demo::DEMO_RFI_QUOTED,
                DEMO_QUOTE,
            ])
            .collect();
        let ids: Vec<_> = parameter_examples(&demo)
            .into_iter()
            .filter(|(_, name, _)| *name == "id")
            .collect();
        assert!(ids.len() >= 25, "{ids:?}");
        for (operation, _, id) in ids {
            let id = id.as_str().expect("a string id");
            assert!(known.contains(&id), "{operation}: {id} is no demo object");
        }
    }
}
