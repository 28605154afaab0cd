//! Examples in the OpenAPI document, built from the demo data (`domain::demo`) and the SDK
//! types, so that they cannot drift from what the server speaks.
//!
//! Request bodies are typed values serialised with serde; response examples are computed
//! by the same domain code the server runs (the match engine ranks the demo CDMOs, the
//! search filter picks the search page), with fixed ids and timestamps so the document
//! stays deterministic. The end-to-end test `openapi_examples` sends every request
//! example in the checked-in document to a live server with the demo data loaded.
//!
//! Ids inside request bodies (`capacity_id`, `program_id`) are placeholders: use the ids
//! of your own programme and capacity block.

use cdmx_sdk::types::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::demo::DEMO_SPONSOR_EMAIL;
use crate::domain::demo::demo_cdmos;
use crate::domain::matching::{
    Availability, CdmoFeatures, ProfileIdentity, ValidRequirements, run_match,
};
use crate::domain::profiles::{
    SearchFilter, ValidProfile, countries, donor_sources, max_phase, search_facets,
    section_confidence,
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
/// Placeholder ids in examples (UUIDv7 shaped, like the server's).
const EXAMPLE_PROGRAM_ID: &str = "01943a6e-2c00-7000-8000-00000000a001";
const EXAMPLE_CAPACITY_ID: &str = "01943a6e-2c00-7000-8000-00000000c001";
const EXAMPLE_OTHER_CAPACITY_ID: &str = "01943a6e-2c00-7000-8000-00000000c002";
const EXAMPLE_RESERVATION_ID: &str = "01943a6e-2c00-7000-8000-00000000e001";
const EXAMPLE_SHORTLIST_ID: &str = "01943a6e-2c00-7000-8000-00000000d001";
const EXAMPLE_SPONSOR_ORG_ID: &str = "01943a6e-2c00-7000-8000-00000000b001";
const EXAMPLE_SPONSOR_USER_ID: &str = "01943a6e-2c00-7000-8000-00000000b101";

fn profile_id(index: usize) -> String {
    format!("01943a6e-2c00-7000-8000-{:012x}", 0x100 + index)
}

fn organization_id(index: usize) -> String {
    format!("01943a6e-2c00-7000-8000-{:012x}", 0x200 + index)
}

fn to_json<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// The profile of the demo CDMO the demo login administers (the first of the catalogue),
/// normalised as the server stores it.
fn demo_cdmo_profile() -> Option<CapabilityProfile> {
    let first = demo_cdmos().into_iter().next()?;
    ValidProfile::parse(first.profile, example_day())
        .ok()
        .map(ValidProfile::into_profile)
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

/// An autologous CD19 CAR-T made with a lentiviral vector, going into Phase 3 for the EU
/// market: what Northgate Oncology (a demo sponsor) asks of a manufacturer.
fn requirements() -> RequirementSet {
    let weight = |criterion, weight| WeightedCriterion {
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
    };
    RequirementSet {
        constraints: HardConstraints {
            donor_source: Some(DonorSource::Autologous),
            modalities: vec![Modality::CarT],
            gene_modification: vec![GeneModificationMethod::Lentiviral],
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Phase3,
                min_programmes: 1,
            }),
            licences: vec![LicenceRequirement {
                authority: Some(Authority::EuMemberState),
                kind: Some(LicenceKind::ManufacturingAuthorisation),
            }],
            min_cleanroom_grade: Some(CleanroomGrade::B),
            closed_processing_accepted: true,
            max_cryo_temp_c: Some(-150),
            regions_served: vec![Region::Europe],
            ..HardConstraints::default()
        },
        criteria: vec![
            weight(Criterion::TrackRecordDepth, 0.3),
            weight(Criterion::TechTransferTime, 0.2),
            weight(Criterion::SuccessRate, 0.2),
            weight(Criterion::Turnaround, 0.15),
            WeightedCriterion {
                // Apheresis material comes from the sponsor's trial sites around Paris.
                origin: Some(GeoPoint {
                    latitude: 48.8566,
                    longitude: 2.3522,
                }),
                ..weight(Criterion::Distance, 0.15)
            },
        ],
        missing_data_penalty_percent: None,
        capacity: None,
    }
}

fn match_request() -> MatchRequest {
    MatchRequest {
        requirements: requirements(),
        limit: Some(5),
    }
}

fn program() -> ProgramRequest {
    ProgramRequest {
        name: "NGO-19 autologous CD19 CAR-T, pivotal Phase 3 (EU)".into(),
        product: Product {
            modality: Modality::CarT,
            donor_source: DonorSource::Autologous,
            gene_modification: GeneModificationMethod::Lentiviral,
        },
        target_phase: Phase::Phase3,
        target_markets: vec!["DE".into(), "FR".into(), "IT".into(), "ES".into()],
        timeline: Timeline {
            earliest_start: Some(date(2027, 1, 4)),
            latest_start: Some(date(2027, 6, 30)),
        },
        requirements: requirements(),
    }
}

/// The programme after an edit: the US joins the target markets, the start moves later.
fn edited_program() -> ProgramRequest {
    let mut edited = program();
    edited.target_markets.push("US".into());
    edited.timeline.latest_start = Some(date(2027, 9, 30));
    edited
}

fn capacity_block() -> NewCapacityBlock {
    NewCapacityBlock {
        site_key: "leiden-1".into(),
        suite: "Suite B2, Prodigy bank A".into(),
        slot_kind: SlotKind::ClinicalGmpBatch,
        donor_sources: vec![DonorSource::Autologous],
        modalities: vec![Modality::CarT, Modality::TcrT],
        period_start: date(2027, 1, 4),
        period_end: date(2027, 6, 30),
        slots: 24,
        lead_time_days: 45,
        price_band: Some(PriceBand {
            min_usd: 180_000,
            max_usd: 260_000,
        }),
    }
}

fn reservation() -> NewReservation {
    NewReservation {
        capacity_id: EXAMPLE_CAPACITY_ID.into(),
        slots: 2,
        program_id: Some(EXAMPLE_PROGRAM_ID.into()),
        note: Some(
            "Two pivotal-phase patient batches for NGO-19; fresh apheresis from Paris sites."
                .into(),
        ),
    }
}

/// Request body examples by operation id.
fn request_examples() -> Vec<(&'static str, Option<Value>)> {
    let profile = demo_cdmo_profile();
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
        ("create_capacity_block", to_json(&capacity_block())),
        (
            "change_capacity_block",
            to_json(&CapacityBlockChange {
                slots: Some(30),
                lead_time_days: Some(30),
                price_band: None,
            }),
        ),
        ("create_match", to_json(&match_request())),
        ("create_program", to_json(&program())),
        ("replace_program", to_json(&edited_program())),
        (
            "match_program",
            to_json(&ProgramMatchRequest { limit: Some(10) }),
        ),
        (
            "create_shortlist",
            to_json(&CreateShortlistRequest {
                program_id: EXAMPLE_PROGRAM_ID.into(),
                name: Some("NGO-19 pivotal: CDMO shortlist for procurement".into()),
                limit: Some(10),
            }),
        ),
        ("create_reservation", to_json(&reservation())),
        (
            "reschedule_reservation",
            to_json(&RescheduleRequest {
                capacity_id: EXAMPLE_OTHER_CAPACITY_ID.into(),
            }),
        ),
    ]
}

/// The demo catalogue as the match engine and the search index see it, with fixed ids.
fn demo_features() -> Vec<(CdmoSummary, CdmoFeatures, bool, CapabilityProfile)> {
    demo_cdmos()
        .into_iter()
        .enumerate()
        .filter_map(|(i, cdmo)| {
            let profile = ValidProfile::parse(cdmo.profile, example_day())
                .ok()?
                .into_profile();
            let confidence = section_confidence(&[], example_day());
            let features = CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: profile_id(i),
                    organization_id: organization_id(i),
                    revision: 1,
                    verified: cdmo.verified,
                },
                &profile,
                confidence,
            );
            let summary = CdmoSummary {
                id: profile_id(i),
                organization_id: organization_id(i),
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
            Some((summary, features, cdmo.verified, profile))
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

fn search_page() -> Option<Page<CdmoSummary>> {
    let filter = SearchFilter::parse(&search()).ok()?;
    let mut items: Vec<CdmoSummary> = demo_features()
        .into_iter()
        .filter(|(summary, _, verified, profile)| {
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

fn match_result(requirements: &ValidRequirements, limit: usize) -> MatchResult {
    let catalogue = demo_features();
    run_match(
        catalogue.iter().map(|(_, features, ..)| features),
        requirements,
        example_day(),
        &Availability::default(),
        limit,
    )
}

fn program_view(program: ProgramRequest) -> Program {
    Program {
        id: EXAMPLE_PROGRAM_ID.into(),
        organization_id: EXAMPLE_SPONSOR_ORG_ID.into(),
        version: 1,
        created_at: at(1, 5, 10),
        updated_at: at(1, 5, 10),
        program,
    }
}

fn capacity_view() -> Option<CapacityBlock> {
    let profile = demo_cdmo_profile()?;
    let block = capacity_block();
    let country = profile
        .sites
        .iter()
        .find(|s| s.key == block.site_key)?
        .country
        .clone();
    let held = 2;
    Some(CapacityBlock {
        id: EXAMPLE_CAPACITY_ID.into(),
        profile_id: profile_id(0),
        organization_id: organization_id(0),
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

fn reservation_view() -> Reservation {
    let request = reservation();
    Reservation {
        id: EXAMPLE_RESERVATION_ID.into(),
        capacity_id: request.capacity_id,
        sponsor_organization_id: EXAMPLE_SPONSOR_ORG_ID.into(),
        cdmo_organization_id: organization_id(0),
        program_id: request.program_id,
        slots: request.slots,
        state: ReservationState::Held,
        expires_at: at(1, 9, 14),
        note: request.note,
        created_at: at(1, 6, 14),
        updated_at: at(1, 6, 14),
    }
}

fn profile_view() -> Option<CdmoProfile> {
    Some(CdmoProfile {
        id: profile_id(0),
        organization_id: organization_id(0),
        organization_verified: demo_cdmos().first()?.verified,
        revision: 1,
        created_at: at(1, 1, 9),
        updated_at: at(1, 1, 9),
        confidence: section_confidence(&[], example_day()),
        profile: demo_cdmo_profile()?,
    })
}

/// Response examples by operation id and status.
fn response_examples() -> Vec<(&'static str, &'static str, Option<Value>)> {
    let ad_hoc = ValidRequirements::parse(requirements(), None).ok();
    let ad_hoc_result = ad_hoc.map(|r| match_result(&r, 5));
    let programme = ValidProgram::parse(program()).ok();
    let program_result = programme.map(|p| match_result(&p.requirements, 10));
    let shortlist = program_result.clone().map(|result| Shortlist {
        id: EXAMPLE_SHORTLIST_ID.into(),
        organization_id: EXAMPLE_SPONSOR_ORG_ID.into(),
        program_id: EXAMPLE_PROGRAM_ID.into(),
        program_version: 1,
        name: "NGO-19 pivotal: CDMO shortlist for procurement".into(),
        created_by: EXAMPLE_SPONSOR_USER_ID.into(),
        created_at: at(1, 5, 11),
        program: program(),
        result,
    });
    let profile = profile_view();
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
            search_page().as_ref().and_then(to_json),
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
        ("create_program", "201", to_json(&program_view(program()))),
        ("get_program", "200", to_json(&program_view(program()))),
        (
            "create_shortlist",
            "201",
            shortlist.as_ref().and_then(to_json),
        ),
        ("get_shortlist", "200", shortlist.as_ref().and_then(to_json)),
        (
            "create_capacity_block",
            "201",
            capacity_view().as_ref().and_then(to_json),
        ),
        (
            "get_capacity_block",
            "200",
            capacity_view().as_ref().and_then(to_json),
        ),
        ("create_reservation", "201", to_json(&reservation_view())),
        ("get_reservation", "200", to_json(&reservation_view())),
    ]
}

/// Query parameter examples by operation id: what Swagger UI's "Try it out" offers.
fn parameter_examples() -> Vec<(&'static str, &'static str, Value)> {
    search()
        .min_phase
        .map(|phase| ("search_cdmos", "min_phase", json!(phase.as_str())))
        .into_iter()
        .collect()
}

/// Attaches every example to the operations of `document` (the JSON form).
pub(super) fn attach(document: &mut Value) {
    let requests = request_examples();
    let responses = response_examples();
    let parameters = parameter_examples();
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

    #[test]
    fn every_example_is_built() {
        for (id, example) in request_examples() {
            assert!(example.is_some(), "{id}: no request example");
        }
        for (id, status, example) in response_examples() {
            assert!(example.is_some(), "{id} {status}: no response example");
        }
    }

    #[test]
    fn the_match_example_ranks_demo_cdmos_and_the_search_example_finds_some() {
        let result = ValidRequirements::parse(requirements(), None)
            .map(|r| match_result(&r, 5))
            .expect("the requirements are valid");
        assert!(!result.candidates.is_empty(), "{result:?}");
        let page = search_page().expect("the search is valid");
        assert!(!page.items.is_empty());
    }

    #[test]
    fn the_patch_example_applies_to_the_demo_profile() {
        let profile = demo_cdmo_profile().expect("the demo profile is valid");
        let mut document = serde_json::to_value(&profile).expect("serialises");
        let examples = request_examples();
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
        assert_eq!(profile.sites[1].key, capacity_block().site_key);
    }
}
