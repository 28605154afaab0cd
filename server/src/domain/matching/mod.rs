//! The matching engine: filter CDMOs by hard constraints, rank the rest by weighted
//! criteria on fixed scales, explain every number.
//!
//! Pure functions over precomputed [`CdmoFeatures`]. Properties the tests prove:
//! - deterministic: the same features and requirements give the same result;
//! - normalisation uses fixed (or the sponsor's own) scales, never the candidate set, so
//!   adding or removing a CDMO never reorders two others;
//! - improving a profile attribute never lowers its score;
//! - each candidate's contributions sum to its total, which lies in 0..=100.

use cdmx_sdk::types::{
    AcceptabilityMethod, AcceptedBatches, AllocationPart, AllocationProposal, Authority, Candidate,
    CandidateAcceptability, CapabilityProfile, CleanroomGrade, Confidence, ConstraintClass,
    Criterion, CriterionScore, CriterionWeight, DonorSource, Exclusion, GeneModificationMethod,
    InspectionOutcome, Licence, LicenceKind, LicensedActivity, MatchResult, MissingDataPolicy,
    Modality, OfferedSlots, Phase, Platform, ProfileSection, QcAssay, RankAcceptability, Region,
    RequirementSet, Robustness, Scale, SectionConfidence, SlotKind, SplitAllocation,
    WeightSensitivity, WeightedCriterion,
};
use chrono::NaiveDate;

use self::exclusions::{Failure, closeness, near_miss, near_miss_rule};
use super::acceptability::{self, WeightRegion};
use super::geo;
use super::profiles::{countries, phase_rank};
use super::split;
use super::{Violations, input, mask_of};

/// The largest weight a criterion may have (weights are relative: normalised to sum 1).
pub const WEIGHT_MAX: f64 = 1000.0;
/// The largest magnitude of a scale's ends: every criterion's unit (USD, km, litres,
/// days...) fits, and `best - worst` stays far from overflow.
pub const SCALE_LIMIT: f64 = 1e9;

mod exclusions;
pub use self::exclusions::{ExclusionKey, NEAR_MISS_MAX_FAILURES};

/// What an exclusion, and a report, says of a fact the profile does not disclose.
pub const NOT_DISCLOSED: &str = "not disclosed";

/// Default number of candidates and exclusions returned, and the most a caller may ask.
pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

fn bit<T: PartialEq>(all: &[T], value: &T) -> u32 {
    mask_of(all, [value])
}

/// Everything matching needs to know about one CDMO at one revision, precomputed once
/// when the profile is indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct CdmoFeatures {
    pub profile_id: String,
    pub organization_id: String,
    pub name: String,
    pub revision: u32,
    pub verified: bool,
    pub countries: Vec<String>,
    donor_sources: u32,
    modalities: u32,
    gene_modification: u32,
    platforms: u32,
    /// Programmes per phase, by phase rank.
    programmes: [u32; 6],
    licences: Vec<LicenceFeature>,
    /// Batches accepted by an authority, at any site.
    acceptances: Vec<(Authority, AcceptedBatches)>,
    /// Each inspection's authority and outcome value, for criteria filtered by authority.
    inspections: Vec<(Authority, f64)>,
    /// Rank of the best cleanroom grade: A = 4 ... D = 1, none = 0.
    best_grade: u8,
    /// Closed-system processing: `Some(true)` when a site discloses it, `Some(false)`
    /// when every site discloses that it has none, `None` (not disclosed) otherwise.
    closed_processing: Option<bool>,
    min_cryo_temp_c: Option<i32>,
    /// Coordinates of the sites that disclose them; empty when none does, so
    /// `distance` goes through its missing-data policy.
    site_coordinates: Vec<(f64, f64)>,
    qc_assays: u32,
    shipping_hours: Option<u32>,
    regions_served: u32,
    /// Largest allogeneic bioreactor volume; `None` without allogeneic experience or when
    /// the volume is not disclosed (never 0 L in its place).
    bioreactor_volume_l: Option<f64>,
    tech_transfer_months: Option<f64>,
    tech_transfer_cost_usd: Option<f64>,
    success_rate_percent: Option<f64>,
    turnaround_days: Option<f64>,
    inspection_score: Option<f64>,
    /// Share of (evidence-capable) sections with verified evidence.
    pub evidence_confidence: f64,
    pub confidence: Vec<SectionConfidence>,
}

/// A licence as matching sees it.
#[derive(Debug, Clone, PartialEq)]
struct LicenceFeature {
    authority: Authority,
    kind: LicenceKind,
    expires_on: Option<NaiveDate>,
    /// `None` when the licence's coverage is not stated: such a licence covers no product.
    coverage: Option<CoverageMask>,
}

/// A licence's stated coverage as bit sets; an empty modality or donor-source set means not
/// limited by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CoverageMask {
    modalities: u32,
    donor_sources: u32,
    activities: u32,
}

/// What a licence requirement asks of one licence's coverage, as bit sets (an empty
/// modality or donor-source set: the requirement set does not name one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Coverage {
    modalities: u32,
    donor_sources: u32,
    activities: u32,
}

impl CoverageMask {
    fn covers(self, need: Coverage) -> bool {
        let within = |have: u32, want: u32| have == 0 || want == 0 || have & want != 0;
        within(self.modalities, need.modalities)
            && within(self.donor_sources, need.donor_sources)
            && self.activities & need.activities == need.activities
    }
}

impl LicenceFeature {
    fn new(l: &Licence) -> Self {
        Self {
            authority: l.authority,
            kind: l.kind,
            expires_on: l.expires_on,
            coverage: l.coverage.as_ref().map(|s| CoverageMask {
                modalities: mask_of(Modality::ALL, &s.modalities),
                donor_sources: mask_of(DonorSource::ALL, &s.donor_sources),
                activities: mask_of(LicensedActivity::ALL, &s.activities),
            }),
        }
    }
}

fn grade_rank(grade: CleanroomGrade) -> u8 {
    match grade {
        CleanroomGrade::A => 4,
        CleanroomGrade::B => 3,
        CleanroomGrade::C => 2,
        CleanroomGrade::D => 1,
        // Unknown values never reach the server: it decodes strictly.
        _ => 0,
    }
}

fn inspection_value(outcome: InspectionOutcome) -> f64 {
    match outcome {
        InspectionOutcome::NoFindings => 1.0,
        InspectionOutcome::MinorFindings => 0.75,
        InspectionOutcome::MajorFindings => 0.35,
        InspectionOutcome::CriticalFindings => 0.1,
        InspectionOutcome::Enforcement => 0.0,
        // Unknown values never reach the server: it decodes strictly.
        _ => 0.0,
    }
}

/// The mean outcome value of the inspections by the authorities in `authorities` (a bit
/// set; 0 for every authority), or `None` when there is none.
fn mean_inspection(inspections: &[(Authority, f64)], authorities: u32) -> Option<f64> {
    let (sum, n) = inspections
        .iter()
        .filter(|(a, _)| authorities == 0 || authorities & bit(Authority::ALL, a) != 0)
        .fold((0.0, 0usize), |(sum, n), (_, value)| (sum + value, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Identity of an indexed profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIdentity {
    pub profile_id: String,
    pub organization_id: String,
    pub revision: u32,
    pub verified: bool,
}

impl CdmoFeatures {
    /// Extracts the features of `profile`; `confidence` is its per-section confidence.
    pub fn new(
        identity: ProfileIdentity,
        profile: &CapabilityProfile,
        confidence: Vec<SectionConfidence>,
    ) -> Self {
        let mut programmes = [0u32; 6];
        for e in &profile.phases {
            programmes[phase_rank(e.phase) as usize] += e.programmes;
        }
        let mut donor_sources = 0;
        if profile.donor_sources.autologous.is_some() {
            donor_sources |= bit(DonorSource::ALL, &DonorSource::Autologous);
        }
        if profile.donor_sources.allogeneic.is_some() {
            donor_sources |= bit(DonorSource::ALL, &DonorSource::Allogeneic);
        }
        let inspections: Vec<(Authority, f64)> = profile
            .sites
            .iter()
            .flat_map(|s| &s.inspections)
            .map(|i| (i.authority, inspection_value(i.outcome)))
            .collect();
        let tt = &profile.tech_transfer;
        let tech_transfer_cost_usd = match (tt.cost_usd_min, tt.cost_usd_max) {
            (Some(a), Some(b)) => Some((a as f64 + b as f64) / 2.0),
            (a, b) => a.or(b).map(|v| v as f64),
        };
        // Soft factors never carry evidence, so they do not count against confidence.
        let capable = confidence
            .iter()
            .filter(|c| c.section.as_str() != "soft_factors");
        let (verified_sections, sections) = capable.fold((0, 0), |(v, n), c| {
            (v + usize::from(c.confidence == Confidence::Verified), n + 1)
        });
        Self {
            profile_id: identity.profile_id,
            organization_id: identity.organization_id,
            name: profile.organization.name.clone(),
            revision: identity.revision,
            verified: identity.verified,
            countries: countries(profile),
            donor_sources,
            modalities: profile
                .modalities
                .iter()
                .fold(0, |m, v| m | bit(Modality::ALL, v)),
            gene_modification: profile
                .gene_modification
                .methods
                .iter()
                .fold(0, |m, v| m | bit(GeneModificationMethod::ALL, v)),
            platforms: profile
                .platforms
                .iter()
                .fold(0, |m, p| m | bit(Platform::ALL, &p.platform)),
            programmes,
            licences: profile
                .sites
                .iter()
                .flat_map(|s| &s.licences)
                .map(LicenceFeature::new)
                .collect(),
            acceptances: profile
                .sites
                .iter()
                .flat_map(|s| &s.acceptances)
                .map(|a| (a.authority, a.batches))
                .collect(),
            best_grade: profile
                .sites
                .iter()
                .flat_map(|s| &s.cleanrooms)
                .map(|c| grade_rank(c.grade))
                .max()
                .unwrap_or(0),
            closed_processing: if profile
                .sites
                .iter()
                .any(|s| s.closed_processing == Some(true))
            {
                Some(true)
            } else if profile
                .sites
                .iter()
                .all(|s| s.closed_processing == Some(false))
            {
                Some(false)
            } else {
                None
            },
            min_cryo_temp_c: profile.cryo.min_storage_temp_c,
            site_coordinates: profile
                .sites
                .iter()
                .filter_map(|s| s.latitude.zip(s.longitude))
                .collect(),
            qc_assays: profile
                .qc
                .in_house_assays
                .iter()
                .fold(0, |m, v| m | bit(QcAssay::ALL, v)),
            shipping_hours: profile.logistics.shipping_lead_time_hours,
            regions_served: mask_of(Region::ALL, &profile.logistics.regions_served),
            bioreactor_volume_l: profile
                .donor_sources
                .allogeneic
                .as_ref()
                .and_then(|a| a.max_bioreactor_volume_l),
            tech_transfer_months: tt
                .duration_months_max
                .or(tt.duration_months_min)
                .map(f64::from),
            tech_transfer_cost_usd,
            success_rate_percent: profile.performance.success_rate_percent,
            turnaround_days: profile.performance.median_turnaround_days.map(f64::from),
            inspection_score: mean_inspection(&inspections, 0),
            inspections,
            evidence_confidence: if sections == 0 {
                0.0
            } else {
                verified_sections as f64 / sections as f64
            },
            confidence,
        }
    }

    /// Whether one unexpired licence matching `authority` and `kind` covers `need`.
    fn holds_licence(
        &self,
        authority: Option<Authority>,
        kind: Option<LicenceKind>,
        need: Coverage,
        today: NaiveDate,
    ) -> bool {
        self.licences.iter().any(|l| {
            authority.is_none_or(|want| want == l.authority)
                && kind.is_none_or(|want| want == l.kind)
                && l.expires_on.is_none_or(|e| e >= today)
                && l.coverage.is_some_and(|s| s.covers(need))
        })
    }

    fn programmes_from(&self, phase: Phase) -> u32 {
        self.programmes[phase_rank(phase) as usize..].iter().sum()
    }
}

/// A number a profile may leave undisclosed, in 8 bytes instead of an `Option<f64>`'s
/// 16: NaN stands for "not disclosed" (no disclosed value is NaN: validation refuses
/// non-finite numbers, and JSON cannot carry them). Keeps the scan array small.
#[derive(Debug, Clone, Copy)]
struct Disclosed(f64);

impl Disclosed {
    const NOT: Self = Self(f64::NAN);

    fn new(value: Option<f64>) -> Self {
        Self(value.unwrap_or(f64::NAN))
    }

    fn get(self) -> Option<f64> {
        (!self.0.is_nan()).then_some(self.0)
    }
}

/// As `Option<f64>` compares: two undisclosed values are equal.
impl PartialEq for Disclosed {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// The fixed-size part of a profile's features that the matching scan reads for every
/// profile: bit sets and numbers, no heap data, so that a catalogue kept as an array of
/// them is scanned with a few cache lines per profile. The rest (licences, acceptances,
/// countries, coordinates, inspections by authority, names) stays in [`CdmoFeatures`],
/// read only by the constraints and criteria that need it and for the results returned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanFeatures {
    /// The profile id's first eight bytes, big-endian: orders two profiles by id without
    /// reading the id unless they share them.
    id_prefix: u64,
    donor_sources: u32,
    modalities: u32,
    gene_modification: u32,
    platforms: u32,
    qc_assays: u32,
    regions_served: u32,
    /// Programmes in each phase or later, by phase rank.
    programmes_from: [u32; 6],
    min_cryo_temp_c: Option<i32>,
    shipping_hours: Option<u32>,
    bioreactor_volume_l: Disclosed,
    tech_transfer_months: Disclosed,
    tech_transfer_cost_usd: Disclosed,
    success_rate_percent: Disclosed,
    turnaround_days: Disclosed,
    inspection_score: Disclosed,
    evidence_confidence: f64,
    best_grade: u8,
    closed_processing: Option<bool>,
    verified: bool,
    /// Whether any site discloses its coordinates (the distance criterion has a value).
    has_coordinates: bool,
}

impl ScanFeatures {
    /// What an empty slot of an array of scan features holds (never scanned: the array's
    /// owner marks the slot so).
    pub const VACANT: Self = Self {
        id_prefix: 0,
        donor_sources: 0,
        modalities: 0,
        gene_modification: 0,
        platforms: 0,
        qc_assays: 0,
        regions_served: 0,
        programmes_from: [0; 6],
        min_cryo_temp_c: None,
        shipping_hours: None,
        bioreactor_volume_l: Disclosed::NOT,
        tech_transfer_months: Disclosed::NOT,
        tech_transfer_cost_usd: Disclosed::NOT,
        success_rate_percent: Disclosed::NOT,
        turnaround_days: Disclosed::NOT,
        inspection_score: Disclosed::NOT,
        evidence_confidence: 0.0,
        best_grade: 0,
        closed_processing: None,
        verified: false,
        has_coordinates: false,
    };

    pub fn of(f: &CdmoFeatures) -> Self {
        let mut programmes_from = f.programmes;
        for rank in (0..programmes_from.len() - 1).rev() {
            programmes_from[rank] += programmes_from[rank + 1];
        }
        Self {
            id_prefix: id_prefix(&f.profile_id),
            donor_sources: f.donor_sources,
            modalities: f.modalities,
            gene_modification: f.gene_modification,
            platforms: f.platforms,
            qc_assays: f.qc_assays,
            regions_served: f.regions_served,
            programmes_from,
            min_cryo_temp_c: f.min_cryo_temp_c,
            shipping_hours: f.shipping_hours,
            bioreactor_volume_l: Disclosed::new(f.bioreactor_volume_l),
            tech_transfer_months: Disclosed::new(f.tech_transfer_months),
            tech_transfer_cost_usd: Disclosed::new(f.tech_transfer_cost_usd),
            success_rate_percent: Disclosed::new(f.success_rate_percent),
            turnaround_days: Disclosed::new(f.turnaround_days),
            inspection_score: Disclosed::new(f.inspection_score),
            evidence_confidence: f.evidence_confidence,
            best_grade: f.best_grade,
            closed_processing: f.closed_processing,
            verified: f.verified,
            has_coordinates: !f.site_coordinates.is_empty(),
        }
    }

    fn programmes_from(&self, phase: Phase) -> u32 {
        self.programmes_from[phase_rank(phase) as usize]
    }
}

fn id_prefix(id: &str) -> u64 {
    let mut prefix = [0u8; 8];
    let bytes = id.as_bytes();
    let n = bytes.len().min(8);
    prefix[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(prefix)
}

/// Orders two profiles by id, as `str` does, given their [`id_prefix`]es: the ids are
/// read only when the prefixes are equal.
fn by_id(a: (u64, &CdmoFeatures), b: (u64, &CdmoFeatures)) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
        .then_with(|| a.1.profile_id.cmp(&b.1.profile_id))
}

/// One profile as the engine takes it: with its scan features precomputed (the index
/// keeps them in an array), or only its features (the scan features are then derived).
pub trait ScanRow<'a> {
    fn features(&self) -> &'a CdmoFeatures;
    /// The precomputed scan features, if any.
    fn precomputed(&self) -> Option<&'a ScanFeatures>;

    /// The scan features: the precomputed ones, or derived now into `derived`.
    fn scan<'s>(&self, derived: &'s mut Option<ScanFeatures>) -> &'s ScanFeatures
    where
        'a: 's,
    {
        match self.precomputed() {
            Some(scan) => scan,
            None => derived.insert(ScanFeatures::of(self.features())),
        }
    }
}

impl<'a> ScanRow<'a> for &'a CdmoFeatures {
    fn features(&self) -> &'a CdmoFeatures {
        self
    }
    fn precomputed(&self) -> Option<&'a ScanFeatures> {
        None
    }
}

impl<'a> ScanRow<'a> for (&'a ScanFeatures, &'a CdmoFeatures) {
    fn features(&self) -> &'a CdmoFeatures {
        self.1
    }
    fn precomputed(&self) -> Option<&'a ScanFeatures> {
        Some(self.0)
    }
}

/// A capacity block's free slots at the time of a match (unexpired holds and
/// confirmations subtracted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBlock {
    pub capacity_id: String,
    pub profile_id: String,
    pub slot_kind: SlotKind,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub free: u32,
}

/// Free slots of the requested kind in the requested window, per profile id, at the
/// time of the match. Profiles absent from it have none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Availability {
    per_profile: std::collections::HashMap<String, SlotsAvailable>,
    /// Per profile, its blocks with free slots, earliest first (split allocations take
    /// slots from them in that order).
    blocks: std::collections::HashMap<String, Vec<FreeBlock>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotsAvailable {
    pub free: u32,
    /// The first day in the window with a free slot.
    pub earliest: Option<NaiveDate>,
}

impl Availability {
    /// The availability of `blocks`, the blocks that serve the need in a window starting
    /// on `window_start`: free slots summed per profile, and the first day in the window
    /// of a block with a free slot.
    pub fn of_blocks(blocks: impl IntoIterator<Item = FreeBlock>, window_start: NaiveDate) -> Self {
        let mut availability = Self::default();
        for block in blocks {
            let slots = availability
                .per_profile
                .entry(block.profile_id.clone())
                .or_insert(SlotsAvailable {
                    free: 0,
                    earliest: None,
                });
            slots.free += block.free;
            if block.free > 0 {
                let start = block.period_start.max(window_start);
                slots.earliest = Some(slots.earliest.map_or(start, |e| e.min(start)));
                availability
                    .blocks
                    .entry(block.profile_id.clone())
                    .or_default()
                    .push(block);
            }
        }
        for blocks in availability.blocks.values_mut() {
            blocks.sort_by(|a, b| {
                (a.period_start, &a.capacity_id).cmp(&(b.period_start, &b.capacity_id))
            });
        }
        availability
    }

    /// Free slots per profile without their blocks (tests and benchmarks).
    pub fn of_slots(per_profile: std::collections::HashMap<String, SlotsAvailable>) -> Self {
        Self {
            per_profile,
            blocks: Default::default(),
        }
    }

    /// `profile_id`'s free slots (none when absent).
    pub fn of(&self, profile_id: &str) -> SlotsAvailable {
        self.per_profile
            .get(profile_id)
            .copied()
            .unwrap_or(SlotsAvailable {
                free: 0,
                earliest: None,
            })
    }
}

/// A criterion ready to score: weight normalised, scale and policy settled.
#[derive(Debug, Clone, PartialEq)]
struct ReadyCriterion {
    criterion: Criterion,
    weight: f64,
    scale: Scale,
    missing: MissingDataPolicy,
    origin: Option<(f64, f64)>,
    /// `inspection_history` only: the authorities whose inspections count (0: all).
    authorities: u32,
    /// For `platform_match`: the sponsor's platforms, as a mask of [`Platform::ALL`].
    platforms: u32,
}

/// A requirement set that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequirements {
    set: RequirementSet,
    criteria: Vec<ReadyCriterion>,
    penalty_factor: f64,
    /// Phase from which programmes count towards track record depth.
    depth_from: Phase,
    /// What each licence requirement asks of a licence's coverage, in order.
    licence_coverage: Vec<Coverage>,
    screen: Screen,
}

/// The hard constraints that the scan checks on [`ScanFeatures`], as bit sets and ranks
/// computed once per request (`None`: not asked).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Screen {
    donor_source: Option<u32>,
    modalities: Option<u32>,
    gene_modification: Option<u32>,
    platforms: Option<u32>,
    min_cleanroom_grade: Option<u8>,
    qc_assays: Option<u32>,
    regions: Option<u32>,
    /// Whether the free slots matter: a capacity need is stated.
    needs_slots: bool,
}

impl Screen {
    fn of(set: &RequirementSet) -> Self {
        let c = &set.constraints;
        Self {
            donor_source: c.donor_source.map(|d| bit(DonorSource::ALL, &d)),
            modalities: asked(Modality::ALL, &c.modalities),
            gene_modification: asked(GeneModificationMethod::ALL, &c.gene_modification),
            platforms: asked(Platform::ALL, &c.platforms),
            min_cleanroom_grade: c.min_cleanroom_grade.map(grade_rank),
            qc_assays: asked(QcAssay::ALL, &c.qc_assays_in_house),
            regions: asked(Region::ALL, &c.regions_served),
            needs_slots: set.capacity.is_some(),
        }
    }
}

/// The values a list constraint asks for as a bit set; `None` when it asks none.
fn asked<T: PartialEq>(all: &[T], values: &[T]) -> Option<u32> {
    (!values.is_empty()).then(|| mask_of(all, values))
}

/// The fixed default scale of each criterion (worst, best).
pub fn default_scale(criterion: Criterion) -> Scale {
    let (worst, best) = match criterion {
        Criterion::TrackRecordDepth => (0.0, 10.0),
        Criterion::TechTransferTime => (24.0, 6.0),
        Criterion::TechTransferCost => (5_000_000.0, 300_000.0),
        Criterion::QcCoverage => (0.0, QcAssay::ALL.len() as f64),
        Criterion::SuccessRate => (85.0, 99.0),
        Criterion::Turnaround => (25.0, 7.0),
        Criterion::Distance => (10_000.0, 0.0),
        Criterion::InspectionHistory => (0.0, 1.0),
        Criterion::EvidenceConfidence => (0.0, 1.0),
        Criterion::ScaleUp => (0.0, 2_000.0),
        Criterion::CapacityFit => (0.0, 1.0),
        Criterion::EarliestStart => (180.0, 0.0),
        Criterion::PlatformMatch => (0.0, 1.0),
        // Unknown values never reach the server: it decodes strictly.
        _ => (0.0, 1.0),
    };
    Scale { worst, best }
}

impl ValidRequirements {
    /// Validates a requirement set; `target_phase` (a programme's, or an ad-hoc match's)
    /// is where track record depth counts from: one definition, whatever the constraints
    /// say; all phases when there is none.
    pub fn parse(set: RequirementSet, target_phase: Option<Phase>) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let c = &set.constraints;
        if let Some(t) = &c.phase_track_record
            && t.min_programmes == 0
        {
            v.add(
                "constraints.phase_track_record.min_programmes",
                "must be at least 1",
            );
        }
        for (i, l) in c.licences.iter().enumerate() {
            if l.authority.is_none() && l.kind.is_none() {
                v.add(
                    format!("constraints.licences[{i}]"),
                    "give an authority, a kind, or both",
                );
            }
            repeats(
                &mut v,
                &format!("constraints.licences[{i}].activities"),
                &l.activities,
            );
        }
        for (i, a) in c.accepted_by.iter().enumerate() {
            if c.accepted_by[..i].contains(a) {
                v.add(format!("constraints.accepted_by[{i}]"), "is listed twice");
            }
        }
        if let Some(t) = c.max_cryo_temp_c
            && !(-273..=25).contains(&t)
        {
            v.add("constraints.max_cryo_temp_c", "must be between -273 and 25");
        }
        if c.min_bioreactor_volume_l
            .is_some_and(|v| !v.is_finite() || v < 0.0)
        {
            v.add(
                "constraints.min_bioreactor_volume_l",
                "must be a non-negative number",
            );
        }
        if c.max_shipping_lead_time_hours.is_some_and(|h| h > 24 * 60) {
            v.add(
                "constraints.max_shipping_lead_time_hours",
                "must be at most 1440",
            );
        }
        for (field, list) in [
            ("countries_allowed", &c.countries_allowed),
            ("countries_excluded", &c.countries_excluded),
        ] {
            for (i, country) in list.iter().enumerate() {
                if !geo::is_country(country) {
                    v.add(
                        format!("constraints.{field}[{i}]"),
                        format!("`{country}` is not an ISO 3166-1 alpha-2 code (upper case)"),
                    );
                }
            }
        }
        if set.criteria.is_empty() {
            v.add("criteria", "give at least one weighted criterion");
        }
        let mut total_weight = 0.0;
        for (i, wc) in set.criteria.iter().enumerate() {
            let at = |f: &str| format!("criteria[{i}].{f}");
            if !wc.weight.is_finite() || !(0.0..=WEIGHT_MAX).contains(&wc.weight) {
                v.add(
                    at("weight"),
                    format!("must be a number between 0 and {WEIGHT_MAX}"),
                );
            } else {
                total_weight += wc.weight;
            }
            if set.criteria[..i]
                .iter()
                .any(|o| o.criterion == wc.criterion)
            {
                v.add(at("criterion"), "is listed twice");
            }
            if let Some(s) = wc.scale {
                let mut in_range = true;
                for (end, value) in [("worst", s.worst), ("best", s.best)] {
                    if !value.is_finite() || value.abs() > SCALE_LIMIT {
                        in_range = false;
                        v.add(
                            at(&format!("scale.{end}")),
                            format!("must be a number between -{SCALE_LIMIT} and {SCALE_LIMIT}"),
                        );
                    }
                }
                if in_range && s.worst == s.best {
                    v.add(at("scale"), "worst and best must be different numbers");
                }
            }
            match (wc.criterion, wc.origin) {
                (Criterion::Distance, None) => v.add(at("origin"), "is required for `distance`"),
                (Criterion::Distance, Some(o)) => {
                    if !(-90.0..=90.0).contains(&o.latitude) {
                        v.add(at("origin.latitude"), "must be between -90 and 90");
                    }
                    if !(-180.0..=180.0).contains(&o.longitude) {
                        v.add(at("origin.longitude"), "must be between -180 and 180");
                    }
                }
                (_, Some(_)) => v.add(at("origin"), "is only used by `distance`"),
                (_, None) => {}
            }
            if !wc.authorities.is_empty() && wc.criterion != Criterion::InspectionHistory {
                v.add(at("authorities"), "is only used by `inspection_history`");
            }
            repeats(&mut v, &at("authorities"), &wc.authorities);
            match (wc.criterion, wc.platforms.is_empty()) {
                (Criterion::PlatformMatch, true) => {
                    v.add(at("platforms"), "is required for `platform_match`")
                }
                (Criterion::PlatformMatch, false) | (_, true) => {}
                (_, false) => v.add(at("platforms"), "is only used by `platform_match`"),
            }
        }
        for (i, t) in set.near_miss_tolerances.iter().enumerate() {
            let at = |f: &str| format!("near_miss_tolerances[{i}].{f}");
            if t.constraint.class() != ConstraintClass::Threshold {
                v.add(
                    at("constraint"),
                    format!(
                        "`{}` is categorical: a CDMO that fails it is never near, so it takes no gap",
                        t.constraint.as_str()
                    ),
                );
            }
            if set.near_miss_tolerances[..i]
                .iter()
                .any(|o| o.constraint == t.constraint)
            {
                v.add(at("constraint"), "is listed twice");
            }
            if !t.max_gap.is_finite() || t.max_gap < 0.0 {
                v.add(at("max_gap"), "must be a non-negative number");
            }
        }
        if !set.criteria.is_empty() && total_weight <= 0.0 && v.is_empty() {
            v.add("criteria", "at least one weight must be positive");
        }
        if let Some(need) = &set.capacity {
            if need.slots == 0 {
                v.add("capacity.slots", "must be at least 1");
            }
            input::check_date(&mut v, "capacity.window_start", need.window_start);
            input::check_date(&mut v, "capacity.window_end", need.window_end);
            if need.window_end < need.window_start {
                v.add("capacity.window_end", "must not be before window_start");
            }
        }
        for (i, wc) in set.criteria.iter().enumerate() {
            if matches!(
                wc.criterion,
                Criterion::CapacityFit | Criterion::EarliestStart
            ) && set.capacity.is_none()
            {
                v.add(
                    format!("criteria[{i}].criterion"),
                    "needs a `capacity` need in the requirement set",
                );
            }
        }
        check_weight_uncertainty(&mut v, &set);
        let penalty = set.missing_data_penalty_percent.unwrap_or(10.0);
        if !penalty.is_finite() || !(0.0..=50.0).contains(&penalty) {
            v.add("missing_data_penalty_percent", "must be between 0 and 50");
        }
        if !v.is_empty() {
            return Err(v);
        }
        let criteria = set
            .criteria
            .iter()
            .map(|wc| ReadyCriterion {
                criterion: wc.criterion,
                weight: wc.weight / total_weight,
                scale: wc.scale.unwrap_or_else(|| default_scale(wc.criterion)),
                missing: wc.missing.unwrap_or(MissingDataPolicy::Zero),
                origin: wc.origin.map(|o| (o.latitude, o.longitude)),
                authorities: mask_of(Authority::ALL, &wc.authorities),
                platforms: mask_of(Platform::ALL, &wc.platforms),
            })
            .collect();
        let depth_from = target_phase.unwrap_or(Phase::ProcessDevelopment);
        let c = &set.constraints;
        let licence_coverage = c
            .licences
            .iter()
            .map(|l| Coverage {
                modalities: mask_of(Modality::ALL, &c.modalities),
                donor_sources: c.donor_source.map_or(0, |d| bit(DonorSource::ALL, &d)),
                activities: if l.activities.is_empty() {
                    bit(LicensedActivity::ALL, &LicensedActivity::Manufacturing)
                } else {
                    mask_of(LicensedActivity::ALL, &l.activities)
                },
            })
            .collect();
        Ok(Self {
            penalty_factor: 1.0 - penalty / 100.0,
            criteria,
            depth_from,
            licence_coverage,
            screen: Screen::of(&set),
            set,
        })
    }

    pub fn requirement_set(&self) -> &RequirementSet {
        &self.set
    }

    /// The weight vectors the set admits, in its criterion order: its weight ranges (0 to
    /// 1 where a criterion states none), its order of importance, or only its point
    /// weights.
    pub fn weight_region(&self) -> WeightRegion {
        let criteria = &self.set.criteria;
        if !self.set.weight_order.is_empty() {
            let position = |c: &Criterion| criteria.iter().position(|wc| wc.criterion == *c);
            return WeightRegion::Order(
                self.set
                    .weight_order
                    .iter()
                    .map(|group| group.iter().filter_map(position).collect())
                    .collect(),
            );
        }
        if criteria.iter().any(|wc| wc.weight_range.is_some()) {
            let range =
                |wc: &WeightedCriterion| wc.weight_range.map_or((0.0, 1.0), |r| (r.min, r.max));
            return WeightRegion::Ranges {
                min: criteria.iter().map(|wc| range(wc).0).collect(),
                max: criteria.iter().map(|wc| range(wc).1).collect(),
            };
        }
        WeightRegion::Point(self.criteria.iter().map(|c| c.weight).collect())
    }

    /// The free slots `features`'s CDMO has for the capacity need (none counted without
    /// one: they do not matter then).
    fn slots_of(&self, availability: &Availability, features: &CdmoFeatures) -> SlotsAvailable {
        if self.screen.needs_slots {
            availability.of(&features.profile_id)
        } else {
            SlotsAvailable {
                free: 0,
                earliest: None,
            }
        }
    }

    /// The criteria in the set's order.
    pub fn criteria(&self) -> impl Iterator<Item = Criterion> + '_ {
        self.criteria.iter().map(|c| c.criterion)
    }
}

/// Weight ranges and an order of importance: each well formed, not both, and admitting at
/// least one weight vector.
fn check_weight_uncertainty(v: &mut Violations, set: &RequirementSet) {
    let mut ranged = false;
    let (mut min_sum, mut max_sum) = (0.0, 0.0);
    for (i, wc) in set.criteria.iter().enumerate() {
        let Some(range) = wc.weight_range else {
            max_sum += 1.0;
            continue;
        };
        ranged = true;
        let at = |f: &str| format!("criteria[{i}].weight_range.{f}");
        let mut valid = true;
        for (end, value) in [("min", range.min), ("max", range.max)] {
            if !value.is_finite() || !(0.0..=1.0).contains(&value) {
                valid = false;
                v.add(at(end), "must be a number between 0 and 1");
            }
        }
        if valid && range.min > range.max {
            valid = false;
            v.add(at("min"), "must not be above max");
        }
        if valid {
            min_sum += range.min;
            max_sum += range.max;
        }
    }
    if ranged && v.is_empty() {
        if min_sum > 1.0 + 1e-9 {
            v.add(
                "criteria",
                format!(
                    "no weights satisfy these ranges: the minimums sum to {min_sum:.3}, above 1"
                ),
            );
        } else if max_sum < 1.0 - 1e-9 {
            v.add(
                "criteria",
                format!(
                    "no weights satisfy these ranges: the maximums sum to {max_sum:.3}, below 1"
                ),
            );
        }
    }
    if set.weight_order.is_empty() {
        return;
    }
    if ranged {
        v.add(
            "weight_order",
            "give weight ranges or an order of importance, not both",
        );
    }
    let mut seen: Vec<Criterion> = Vec::new();
    for (g, group) in set.weight_order.iter().enumerate() {
        if group.is_empty() {
            v.add(
                format!("weight_order[{g}]"),
                "must name at least one criterion",
            );
        }
        for (j, criterion) in group.iter().enumerate() {
            let at = format!("weight_order[{g}][{j}]");
            if seen.contains(criterion) {
                v.add(
                    at,
                    format!(
                        "`{}` is ordered twice: the order would be a cycle",
                        criterion.as_str()
                    ),
                );
            } else if !set.criteria.iter().any(|wc| wc.criterion == *criterion) {
                v.add(
                    at,
                    format!("`{}` is not one of the criteria", criterion.as_str()),
                );
            }
            seen.push(*criterion);
        }
    }
    for wc in &set.criteria {
        if !seen.contains(&wc.criterion) {
            v.add(
                "weight_order",
                format!(
                    "must name every criterion: `{}` is missing",
                    wc.criterion.as_str()
                ),
            );
        }
    }
}

/// Records each repeated item of `items` as `{field}[i]`.
fn repeats<T: PartialEq>(v: &mut Violations, field: &str, items: &[T]) {
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            v.add(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

/// Maps a raw value onto 0..=1 along a fixed scale (either direction), clamped.
pub fn normalise(raw: f64, scale: Scale) -> f64 {
    ((raw - scale.worst) / (scale.best - scale.worst)).clamp(0.0, 1.0)
}

fn raw_value(
    criterion: &ReadyCriterion,
    scan: &ScanFeatures,
    f: &CdmoFeatures,
    req: &ValidRequirements,
    slots: SlotsAvailable,
) -> Option<f64> {
    match criterion.criterion {
        Criterion::TrackRecordDepth => Some(f64::from(scan.programmes_from(req.depth_from))),
        Criterion::TechTransferTime => scan.tech_transfer_months.get(),
        Criterion::TechTransferCost => scan.tech_transfer_cost_usd.get(),
        Criterion::QcCoverage => Some(f64::from(scan.qc_assays.count_ones())),
        Criterion::SuccessRate => scan.success_rate_percent.get(),
        Criterion::Turnaround => scan.turnaround_days.get(),
        Criterion::Distance => {
            let origin = criterion.origin?;
            f.site_coordinates
                .iter()
                .map(|site| geo::distance_km(origin, *site))
                .min_by(f64::total_cmp)
        }
        Criterion::InspectionHistory if criterion.authorities != 0 => {
            mean_inspection(&f.inspections, criterion.authorities)
        }
        Criterion::InspectionHistory => scan.inspection_score.get(),
        Criterion::EvidenceConfidence => Some(scan.evidence_confidence),
        Criterion::ScaleUp => scan.bioreactor_volume_l.get(),
        Criterion::CapacityFit => {
            let need = req.set.capacity.as_ref()?;
            Some(f64::from(slots.free.min(need.slots)) / f64::from(need.slots.max(1)))
        }
        Criterion::EarliestStart => {
            let need = req.set.capacity.as_ref()?;
            slots
                .earliest
                .map(|day| (day - need.window_start).num_days().max(0) as f64)
        }
        Criterion::PlatformMatch => Some(if scan.platforms & criterion.platforms != 0 {
            1.0
        } else {
            0.0
        }),
        // Unknown values never reach the server: it decodes strictly.
        _ => None,
    }
}

/// The profile section whose facts a criterion measures; `None` for criteria that rest
/// on no profile fact (live capacity, or evidence itself).
pub fn evidence_section(criterion: Criterion) -> Option<ProfileSection> {
    match criterion {
        Criterion::TrackRecordDepth => Some(ProfileSection::Phases),
        Criterion::TechTransferTime | Criterion::TechTransferCost => {
            Some(ProfileSection::TechTransfer)
        }
        Criterion::QcCoverage => Some(ProfileSection::Qc),
        Criterion::SuccessRate | Criterion::Turnaround => Some(ProfileSection::Performance),
        Criterion::Distance | Criterion::InspectionHistory => Some(ProfileSection::Sites),
        Criterion::ScaleUp => Some(ProfileSection::DonorSources),
        Criterion::PlatformMatch => Some(ProfileSection::Platforms),
        _ => None,
    }
}

/// Share of the weight of the fact-based criteria whose section has verified evidence.
fn evidence_completeness(req: &ValidRequirements, f: &CdmoFeatures) -> Option<f64> {
    let (backed, total) = req
        .criteria
        .iter()
        .filter_map(|c| evidence_section(c.criterion).map(|s| (c.weight, s)))
        .fold((0.0, 0.0), |(backed, total), (weight, section)| {
            let verified = f
                .confidence
                .iter()
                .any(|c| c.section == section && c.confidence == Confidence::Verified);
            (backed + if verified { weight } else { 0.0 }, total + weight)
        });
    (total > 0.0).then(|| backed / total)
}

/// Where the scan records failures: every one, for the exclusions a response explains, or
/// only their number and the first few, enough to judge a near miss.
trait Failures {
    fn push(&mut self, failure: Failure);
    fn is_empty(&self) -> bool;
}

impl Failures for Vec<Failure> {
    fn push(&mut self, failure: Failure) {
        Vec::push(self, failure);
    }
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// The number of failures and the first [`NEAR_MISS_MAX_FAILURES`] of them: all of them
/// whenever there are few enough for a near miss. No allocation.
#[derive(Debug, Clone, Copy, Default)]
struct FailureCount {
    count: usize,
    first: [Option<Failure>; NEAR_MISS_MAX_FAILURES],
}

impl Failures for FailureCount {
    fn push(&mut self, failure: Failure) {
        if let Some(slot) = self.first.get_mut(self.count) {
            *slot = Some(failure);
        }
        self.count += 1;
    }
    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl FailureCount {
    /// Every failure, when there are at most [`NEAR_MISS_MAX_FAILURES`] (else `None`).
    fn all(&self) -> Option<impl Iterator<Item = Failure> + '_> {
        (self.count <= NEAR_MISS_MAX_FAILURES).then(|| self.first.iter().flatten().copied())
    }
}

/// Records each hard constraint `scan`/`f` fails, in the order of the requirement set:
/// bit-set tests on the scan features first, the profile's lists only for the
/// constraints that ask about them.
fn check_constraints(
    req: &ValidRequirements,
    scan: &ScanFeatures,
    f: &CdmoFeatures,
    today: NaiveDate,
    slots: SlotsAvailable,
    out: &mut impl Failures,
) {
    let c = &req.set.constraints;
    let screen = &req.screen;
    if screen
        .donor_source
        .is_some_and(|d| scan.donor_sources & d == 0)
    {
        out.push(Failure::DonorSource);
    }
    if screen.modalities.is_some_and(|m| scan.modalities & m == 0) {
        out.push(Failure::Modality);
    }
    if screen
        .gene_modification
        .is_some_and(|m| scan.gene_modification & m == 0)
    {
        out.push(Failure::GeneModification);
    }
    if screen.platforms.is_some_and(|m| scan.platforms & m == 0) {
        out.push(Failure::Platform);
    }
    if let Some(t) = &c.phase_track_record
        && scan.programmes_from(t.phase) < t.min_programmes
    {
        out.push(Failure::PhaseTrackRecord);
    }
    for (i, (l, need)) in c.licences.iter().zip(&req.licence_coverage).enumerate() {
        if !f.holds_licence(l.authority, l.kind, *need, today) {
            out.push(Failure::Licence(i));
        }
    }
    for (i, a) in c.accepted_by.iter().enumerate() {
        let accepted = f.acceptances.iter().any(|(authority, batches)| {
            *authority == a.authority && a.batches.is_none_or(|want| want == *batches)
        });
        if !accepted {
            out.push(Failure::Acceptance(i));
        }
    }
    if let Some(g) = screen.min_cleanroom_grade
        && scan.best_grade < g
        && !(c.closed_processing_accepted && scan.closed_processing == Some(true))
    {
        out.push(Failure::Cleanroom);
    }
    if c.closed_processing_required && scan.closed_processing != Some(true) {
        out.push(Failure::ClosedProcessing);
    }
    if let Some(t) = c.max_cryo_temp_c
        && scan.min_cryo_temp_c.is_none_or(|have| have > t)
    {
        out.push(Failure::Cryo);
    }
    if !c.countries_allowed.is_empty()
        && !f.countries.iter().any(|s| c.countries_allowed.contains(s))
    {
        out.push(Failure::CountryAllowed);
    }
    if !c.countries_excluded.is_empty()
        && f.countries.iter().all(|s| c.countries_excluded.contains(s))
    {
        out.push(Failure::CountryExcluded);
    }
    if screen.qc_assays.is_some_and(|m| m & !scan.qc_assays != 0) {
        out.push(Failure::QcAssays);
    }
    if let Some(h) = c.max_shipping_lead_time_hours
        && scan.shipping_hours.is_none_or(|have| have > h)
    {
        out.push(Failure::Shipping);
    }
    if screen
        .regions
        .is_some_and(|m| m & !scan.regions_served != 0)
    {
        out.push(Failure::Regions);
    }
    if let Some(volume) = c.min_bioreactor_volume_l
        && scan
            .bioreactor_volume_l
            .get()
            .is_none_or(|have| have < volume)
    {
        out.push(Failure::BioreactorVolume);
    }
    if c.verified_only && !scan.verified {
        out.push(Failure::Verified);
    }
    if let Some(need) = &req.set.capacity
        && need.required
        && slots.free < need.slots
    {
        out.push(Failure::Capacity);
    }
}

/// At most one value per criterion: a requirement set names each criterion once.
const MAX_CRITERIA: usize = 32;

/// Each criterion's raw value (if the profile has it) and normalised value.
type CriterionValues = [(Option<f64>, f64); MAX_CRITERIA];

/// Per-criterion values (into `values`, in the requirement set's order) and the penalty
/// factor of one CDMO that passed the hard constraints, or `None` after recording the
/// criteria whose missing value excludes it.
///
/// With [`Settle::Later`], criteria that [`settles_later`] are left at the best
/// normalised value they could have (1), so that the total is an upper bound of the
/// real one; [`settle`] computes them.
fn evaluate(
    req: &ValidRequirements,
    scan: &ScanFeatures,
    f: &CdmoFeatures,
    slots: SlotsAvailable,
    values: &mut CriterionValues,
    out: &mut impl Failures,
    mode: Settle,
) -> Option<f64> {
    let mut factor = 1.0;
    for (i, (c, value)) in req.criteria.iter().zip(values.iter_mut()).enumerate() {
        if mode == Settle::Later && settles_later(c, scan) {
            *value = (None, 1.0);
            continue;
        }
        *value = match raw_value(c, scan, f, req, slots) {
            Some(raw) => (Some(raw), normalise(raw, c.scale)),
            None => {
                match c.missing {
                    MissingDataPolicy::Exclude => out.push(Failure::MissingCriterion(i)),
                    MissingDataPolicy::Zero => {}
                    MissingDataPolicy::Penalise => factor *= req.penalty_factor,
                    // Unknown values never reach the server: it decodes strictly.
                    _ => out.push(Failure::MissingCriterion(i)),
                }
                (None, 0.0)
            }
        };
    }
    out.is_empty().then_some(factor)
}

/// When [`evaluate`] computes the costly criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    Now,
    /// After the scan knows whether the CDMO can still enter the ranking at all.
    Later,
}

/// Whether a criterion's value is costly enough to compute only for a CDMO that can
/// still enter the ranking: the distance (a great-circle distance per site). Only when
/// the profile has coordinates: whether it lacks the value decides its missing-data
/// policy, and so its feasibility, which must be known at once.
fn settles_later(c: &ReadyCriterion, scan: &ScanFeatures) -> bool {
    c.criterion == Criterion::Distance && c.origin.is_some() && scan.has_coordinates
}

/// Computes the criteria [`evaluate`] left for later; answers whether there were any.
fn settle(
    req: &ValidRequirements,
    scan: &ScanFeatures,
    f: &CdmoFeatures,
    slots: SlotsAvailable,
    values: &mut CriterionValues,
) -> bool {
    let mut settled = false;
    for (c, value) in req.criteria.iter().zip(values.iter_mut()) {
        if settles_later(c, scan) {
            let raw = raw_value(c, scan, f, req, slots);
            *value = (raw, raw.map_or(0.0, |raw| normalise(raw, c.scale)));
            settled = true;
        }
    }
    settled
}

fn total(req: &ValidRequirements, values: &[(Option<f64>, f64)], factor: f64) -> f64 {
    req.criteria
        .iter()
        .zip(values)
        .map(|(c, (_, n))| 100.0 * c.weight * n * factor)
        .sum()
}

const _: () = assert!(Criterion::ALL.len() <= MAX_CRITERIA);

/// A feasible CDMO as the scan keeps it: its total, and what finds it again.
#[derive(Clone, Copy)]
struct Ranked<'a> {
    total: f64,
    id_prefix: u64,
    features: &'a CdmoFeatures,
    slots: SlotsAvailable,
}

/// An excluded CDMO as the scan keeps it: its place in the excluded list.
#[derive(Clone, Copy)]
struct Closest<'a> {
    /// For a near miss, the sum of its relative gaps.
    relative_gap: Option<f64>,
    failures: usize,
    id_prefix: u64,
    features: &'a CdmoFeatures,
    slots: SlotsAvailable,
}

/// A ranked candidate with its criterion values, for the response.
struct Scored<'a> {
    features: &'a CdmoFeatures,
    values: Vec<(Option<f64>, f64)>,
    factor: f64,
    total: f64,
}

/// Best first; equal totals by profile id.
fn by_rank(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    b.total
        .total_cmp(&a.total)
        .then_with(|| by_id((a.id_prefix, a.features), (b.id_prefix, b.features)))
}

/// Near misses first (smallest relative gap first), then fewest failures, then profile id
/// (the order of [`closeness`], with the id compared by its prefix first).
fn by_closeness(a: &Closest, b: &Closest) -> std::cmp::Ordering {
    closeness(
        (a.relative_gap, a.failures, ""),
        (b.relative_gap, b.failures, ""),
    )
    .then_with(|| by_id((a.id_prefix, a.features), (b.id_prefix, b.features)))
}

/// The best `limit` items offered, in `order`, kept in a bounded max-heap (the worst kept
/// on top): the scan keeps no more than `limit` whatever the catalogue's size.
struct Best<T, F> {
    limit: usize,
    order: F,
    heap: Vec<T>,
}

impl<T, F: Fn(&T, &T) -> std::cmp::Ordering> Best<T, F> {
    fn new(limit: usize, order: F) -> Self {
        Self {
            limit,
            order,
            heap: Vec::with_capacity(limit),
        }
    }

    fn offer(&mut self, item: T) {
        if self.heap.len() < self.limit {
            self.heap.push(item);
            self.sift_up(self.heap.len() - 1);
        } else if self
            .heap
            .first()
            .is_some_and(|worst| (self.order)(&item, worst).is_lt())
        {
            self.heap[0] = item;
            self.sift_down(0);
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if (self.order)(&self.heap[i], &self.heap[parent]).is_gt() {
                self.heap.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let mut worst = i;
            for child in [2 * i + 1, 2 * i + 2] {
                if child < self.heap.len()
                    && (self.order)(&self.heap[child], &self.heap[worst]).is_gt()
                {
                    worst = child;
                }
            }
            if worst == i {
                return;
            }
            self.heap.swap(i, worst);
            i = worst;
        }
    }

    /// The worst item kept once the heap is full: what an item must beat to be kept.
    fn last_kept(&self) -> Option<&T> {
        (self.heap.len() == self.limit)
            .then(|| self.heap.first())
            .flatten()
    }

    /// The items kept, best first.
    fn into_sorted(mut self) -> Vec<T> {
        self.heap.sort_by(&self.order);
        self.heap
    }
}

/// How far each weight must move before the first two candidates swap.
fn robustness(req: &ValidRequirements, first: &Scored, second: &Scored) -> Robustness {
    // Each criterion's share of the gap, per unit of weight.
    let gaps: Vec<f64> = first
        .values
        .iter()
        .zip(&second.values)
        .map(|((_, a), (_, b))| 100.0 * (a * first.factor - b * second.factor))
        .collect();
    let margin = first.total - second.total;
    let sensitivities: Vec<WeightSensitivity> = req
        .criteria
        .iter()
        .zip(&gaps)
        .map(|(c, d)| {
            let w = c.weight;
            // With weight w' for this criterion and the others rescaled by (1-w')/(1-w):
            // gap(w') = w'·d + (1-w')·rest/(1-w), where rest = margin - w·d.
            let swaps_at = if w < 1.0 {
                let rest = (margin - w * d) / (1.0 - w);
                let denominator = rest - d;
                (denominator != 0.0)
                    .then(|| rest / denominator)
                    .filter(|x| x.is_finite() && (0.0..=1.0).contains(x) && (*x - w).abs() > 1e-12)
            } else {
                None
            };
            WeightSensitivity {
                criterion: c.criterion,
                weight: w,
                swaps_at,
            }
        })
        .collect();
    let smallest_swap_change = sensitivities
        .iter()
        .filter_map(|s| s.swaps_at.map(|x| (x - s.weight).abs()))
        .min_by(f64::total_cmp);
    Robustness {
        first: first.features.profile_id.clone(),
        second: second.features.profile_id.clone(),
        margin,
        sensitivities,
        smallest_swap_change,
    }
}

/// Filters and ranks `cdmos` against `req` on `today` (licence expiry), returning at most
/// `limit` candidates and the first `limit` exclusions.
pub fn run_match<'a, R: ScanRow<'a>>(
    cdmos: impl IntoIterator<Item = R>,
    req: &ValidRequirements,
    today: NaiveDate,
    availability: &Availability,
    limit: usize,
) -> MatchResult {
    run_match_after(cdmos, req, today, availability, limit, None)
}

/// [`run_match`], with the exclusions after `excluded_after` when given (the next page of
/// the excluded list; the candidates are the same).
///
/// One pass over the catalogue that allocates nothing per profile: hard constraints as
/// bit-set tests, totals summed on the stack, the best `limit` candidates and exclusions
/// kept in bounded heaps, every other profile only counted. Criterion breakdowns and
/// failure explanations are made afterwards, for what the response returns.
pub fn run_match_after<'a, R: ScanRow<'a>>(
    cdmos: impl IntoIterator<Item = R>,
    req: &ValidRequirements,
    today: NaiveDate,
    availability: &Availability,
    limit: usize,
    excluded_after: Option<&ExclusionKey>,
) -> MatchResult {
    let after = excluded_after.map(|key| (key, id_prefix(&key.profile_id)));
    let mut ranked = Best::new(limit, by_rank);
    let mut closest = Best::new(limit, by_closeness);
    let (mut feasible_count, mut excluded_count, mut excluded_after_count) = (0u32, 0u32, 0usize);
    let mut values = [(None, 0.0); MAX_CRITERIA];
    for row in cdmos {
        let features = row.features();
        let mut derived = None;
        let scan = row.scan(&mut derived);
        let slots = req.slots_of(availability, features);
        let mut failures = FailureCount::default();
        check_constraints(req, scan, features, today, slots, &mut failures);
        if failures.is_empty()
            && let Some(factor) = evaluate(
                req,
                scan,
                features,
                slots,
                &mut values,
                &mut failures,
                Settle::Later,
            )
        {
            feasible_count += 1;
            let mut candidate_total = total(req, &values[..req.criteria.len()], factor);
            // An upper bound until settled. Rounding is monotonic, so the real total is
            // at most the bound: below the last kept candidate, it cannot rank.
            if ranked
                .last_kept()
                .is_some_and(|last| candidate_total < last.total)
            {
                continue;
            }
            if settle(req, scan, features, slots, &mut values) {
                candidate_total = total(req, &values[..req.criteria.len()], factor);
            }
            ranked.offer(Ranked {
                total: candidate_total,
                id_prefix: scan.id_prefix,
                features,
                slots,
            });
            continue;
        }
        excluded_count += 1;
        let relative_gap = failures
            .all()
            .and_then(|all| near_miss(req, scan, slots, all));
        let e = Closest {
            relative_gap,
            failures: failures.count,
            id_prefix: scan.id_prefix,
            features,
            slots,
        };
        if let Some((key, prefix)) = after {
            let position = closeness(
                (relative_gap, failures.count, ""),
                (key.relative_gap, key.failures, ""),
            )
            .then_with(|| scan.id_prefix.cmp(&prefix))
            .then_with(|| features.profile_id.as_str().cmp(&key.profile_id));
            if !position.is_gt() {
                continue;
            }
        }
        excluded_after_count += 1;
        closest.offer(e);
    }
    let ranked: Vec<Scored> = ranked
        .into_sorted()
        .into_iter()
        .map(|r| {
            // Derived again from the features, as the index derived them: the same values.
            let scan = ScanFeatures::of(r.features);
            let mut values = [(None, 0.0); MAX_CRITERIA];
            let factor = evaluate(
                req,
                &scan,
                r.features,
                r.slots,
                &mut values,
                &mut Vec::new(),
                Settle::Now,
            )
            .unwrap_or(1.0);
            Scored {
                features: r.features,
                values: values[..req.criteria.len()].to_vec(),
                factor,
                total: r.total,
            }
        })
        .collect();
    let robustness = match ranked.as_slice() {
        [first, second, ..] => Some(robustness(req, first, second)),
        _ => None,
    };
    let closest = closest.into_sorted();
    let excluded_next_cursor = (excluded_after_count > limit)
        .then(|| closest.last())
        .flatten()
        .map(|e| {
            ExclusionKey {
                relative_gap: e.relative_gap,
                failures: e.failures,
                profile_id: e.features.profile_id.clone(),
            }
            .position()
        });
    MatchResult {
        rank_acceptability: None,
        split_allocation: None,
        feasible_count,
        excluded_count,
        robustness,
        near_miss_rule: Some(near_miss_rule(req)),
        candidates: ranked
            .iter()
            .enumerate()
            .map(|(i, s)| Candidate {
                rank: i as u32 + 1,
                profile_id: s.features.profile_id.clone(),
                organization_id: s.features.organization_id.clone(),
                name: s.features.name.clone(),
                countries: s.features.countries.clone(),
                revision: s.features.revision,
                organization_verified: s.features.verified,
                total: s.total,
                penalty_factor: s.factor,
                criteria: req
                    .criteria
                    .iter()
                    .zip(&s.values)
                    .map(|(c, (raw, n))| CriterionScore {
                        criterion: c.criterion,
                        raw: *raw,
                        scale: c.scale,
                        normalised: *n,
                        weight: c.weight,
                        contribution: 100.0 * c.weight * n * s.factor,
                        missing: raw.is_none().then_some(c.missing),
                    })
                    .collect(),
                evidence_confidence: s.features.evidence_confidence,
                evidence_completeness: evidence_completeness(req, s.features),
                confidence: s.features.confidence.clone(),
            })
            .collect(),
        excluded: closest
            .into_iter()
            .map(|e| {
                let scan = ScanFeatures::of(e.features);
                let mut failures = Vec::new();
                check_constraints(req, &scan, e.features, today, e.slots, &mut failures);
                if failures.is_empty() {
                    let mut values = [(None, 0.0); MAX_CRITERIA];
                    evaluate(
                        req,
                        &scan,
                        e.features,
                        e.slots,
                        &mut values,
                        &mut failures,
                        Settle::Now,
                    );
                }
                Exclusion {
                    profile_id: e.features.profile_id.clone(),
                    organization_id: e.features.organization_id.clone(),
                    name: e.features.name.clone(),
                    revision: e.features.revision,
                    near_miss: e.relative_gap.is_some(),
                    relative_gap: e.relative_gap,
                    failed: failures
                        .iter()
                        .map(|x| x.explain(req, &scan, e.features, e.slots))
                        .collect(),
                }
            })
            .collect(),
        excluded_next_cursor,
    }
}

/// A feasible CDMO as rank acceptability and split allocation see it.
pub struct FeasibleValues {
    profile_id: String,
    organization_id: String,
    name: String,
    /// Its free slots for the capacity need (0 without one).
    free: u32,
    /// Its total under the point weights, as the ranking computes it.
    total: f64,
    /// Per criterion, 100 × penalty factor × normalised value: its total under weights
    /// `w` is the dot product with `w`.
    values: Vec<f64>,
}

/// Every feasible CDMO in `cdmos`, with its values for rank acceptability, in the
/// ranking's order (best total first, equal totals by profile id).
pub fn feasible_values<'a, R: ScanRow<'a>>(
    cdmos: impl IntoIterator<Item = R>,
    req: &ValidRequirements,
    today: NaiveDate,
    availability: &Availability,
) -> Vec<FeasibleValues> {
    let mut values = [(None, 0.0); MAX_CRITERIA];
    let mut feasible = Vec::new();
    for row in cdmos {
        let features = row.features();
        let mut derived = None;
        let scan = row.scan(&mut derived);
        let slots = req.slots_of(availability, features);
        let mut failures = FailureCount::default();
        check_constraints(req, scan, features, today, slots, &mut failures);
        if !failures.is_empty() {
            continue;
        }
        let Some(factor) = evaluate(
            req,
            scan,
            features,
            slots,
            &mut values,
            &mut failures,
            Settle::Now,
        ) else {
            continue;
        };
        let values = &values[..req.criteria.len()];
        feasible.push((
            Ranked {
                total: total(req, values, factor),
                id_prefix: scan.id_prefix,
                features,
                slots,
            },
            values.iter().map(|(_, n)| 100.0 * n * factor).collect(),
        ));
    }
    feasible.sort_by(|(a, _), (b, _)| by_rank(a, b));
    feasible
        .into_iter()
        .map(|(r, values)| FeasibleValues {
            profile_id: r.features.profile_id.clone(),
            organization_id: r.features.organization_id.clone(),
            name: r.features.name.clone(),
            free: r.slots.free,
            total: r.total,
            values,
        })
        .collect()
}

/// The seed of a match's rank acceptability: derived from the requirement set and the
/// sample count, so that the same request gives the same figures.
pub fn acceptability_seed(req: &ValidRequirements, samples: u32) -> u64 {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    // Serialising a requirement set cannot fail: it has string keys only.
    digest.update(serde_json::to_vec(&req.set).unwrap_or_default());
    digest.update(samples.to_be_bytes());
    let digest = digest.finalize();
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(seed)
}

/// SMAA-2 rank acceptability of `feasible` (from [`feasible_values`]) over the weights
/// `req` admits, drawing `samples` weight vectors from `seed`.
pub fn rank_acceptability(
    feasible: &[FeasibleValues],
    req: &ValidRequirements,
    samples: u32,
    seed: u64,
) -> RankAcceptability {
    let region = req.weight_region();
    let method = match &region {
        WeightRegion::Point(_) => AcceptabilityMethod::Point,
        WeightRegion::Order(_) => AcceptabilityMethod::OrderedDirichlet,
        WeightRegion::Ranges { .. } => AcceptabilityMethod::HitAndRun,
    };
    let values: Vec<Vec<f64>> = feasible.iter().map(|f| f.values.clone()).collect();
    let result = acceptability::rank_acceptability(&values, &region, samples, seed);
    // A ranges region that admits one point is sampled once, like a point.
    let method = if result.samples == 1 && method == AcceptabilityMethod::HitAndRun {
        AcceptabilityMethod::Point
    } else {
        method
    };
    let mut candidates: Vec<CandidateAcceptability> = feasible
        .iter()
        .zip(result.candidates)
        .enumerate()
        .filter(|(_, (_, a))| a.top_3 > 0.0)
        .map(|(i, (f, a))| CandidateAcceptability {
            profile_id: f.profile_id.clone(),
            name: f.name.clone(),
            point_rank: i as u32 + 1,
            point_total: f.total,
            rank_1: a.rank_1,
            top_3: a.top_3,
            central_weights: a
                .central_weights
                .unwrap_or_default()
                .into_iter()
                .zip(req.criteria())
                .map(|(weight, criterion)| CriterionWeight { criterion, weight })
                .collect(),
            confidence_factor: a.confidence_factor,
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.rank_1
            .total_cmp(&a.rank_1)
            .then_with(|| b.top_3.total_cmp(&a.top_3))
            .then_with(|| a.point_rank.cmp(&b.point_rank))
    });
    RankAcceptability {
        method,
        samples: result.samples,
        seed: format!("{seed:016x}"),
        considered: feasible.len() as u32,
        pruned: result.pruned as u32,
        candidates,
    }
}

/// Split allocation asked of a match: at most `max_cdmos` CDMOs per allocation, at most
/// `proposals` allocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitAsk {
    pub max_cdmos: u32,
    pub proposals: u32,
}

impl SplitAsk {
    pub const DEFAULT: Self = Self {
        max_cdmos: 2,
        proposals: 3,
    };
}

impl ValidRequirements {
    /// The CDMOs a split allocation may draw on pass these: the same requirements with
    /// the capacity need ranked on but not required. `None` without a capacity need.
    pub fn capacity_not_required(&self) -> Option<Self> {
        let mut relaxed = self.clone();
        relaxed.set.capacity.as_mut()?.required = false;
        Some(relaxed)
    }
}

/// Allocations of the capacity need across CDMOs of `pool` (the [`feasible_values`] of
/// [`ValidRequirements::capacity_not_required`]), drawing slots from `availability`'s
/// blocks; `None` without a capacity need or when one CDMO of the pool has every slot.
pub fn split_allocation(
    pool: &[FeasibleValues],
    req: &ValidRequirements,
    availability: &Availability,
    ask: SplitAsk,
) -> Option<SplitAllocation> {
    let need = req.set.capacity.as_ref()?;
    if pool.iter().any(|f| f.free >= need.slots) {
        return None;
    }
    let considered: Vec<&FeasibleValues> = pool.iter().filter(|f| f.free > 0).collect();
    let offers: Vec<split::Offer> = considered
        .iter()
        .map(|f| split::Offer {
            // Rounding is monotonic: the pool's order stays non-increasing.
            total_micros: (f.total * 1e6).round() as i64,
            free: f.free,
        })
        .collect();
    let allocations = split::best_allocations(
        &offers,
        need.slots,
        ask.max_cdmos as usize,
        ask.proposals as usize,
    );
    let proposals = allocations
        .into_iter()
        .enumerate()
        .map(|(i, allocation)| AllocationProposal {
            rank: i as u32 + 1,
            score: allocation.value as f64 / 1e6 / f64::from(need.slots),
            parts: allocation
                .parts
                .iter()
                .map(|&(index, slots)| {
                    let f = considered[index];
                    let mut remaining = slots;
                    let blocks = availability
                        .blocks
                        .get(&f.profile_id)
                        .into_iter()
                        .flatten()
                        .map_while(|b| {
                            let take = b.free.min(remaining);
                            remaining -= take;
                            (take > 0).then(|| OfferedSlots {
                                capacity_id: b.capacity_id.clone(),
                                slots: take,
                                slot_kind: b.slot_kind,
                                period_start: b.period_start,
                                period_end: b.period_end,
                            })
                        })
                        .collect();
                    AllocationPart {
                        profile_id: f.profile_id.clone(),
                        organization_id: f.organization_id.clone(),
                        name: f.name.clone(),
                        total: f.total,
                        slots,
                        blocks,
                    }
                })
                .collect(),
        })
        .collect();
    Some(SplitAllocation {
        slots_needed: need.slots,
        max_cdmos: ask.max_cdmos,
        considered: considered.len() as u32,
        proposals,
        description: format!(
            "Allocations of {} slots across at most {} CDMOs that meet every hard \
             constraint except capacity. Each takes slots from the better-ranked CDMO \
             first, as many as it has free, from its earliest blocks; a set whose \
             lower-ranked CDMOs would get no slot is proposed as the smaller set. Ordered by \
             slot-weighted score (the totals times the slots, over the slots needed), then \
             by the CDMOs' ranks.",
            need.slots, ask.max_cdmos
        ),
    })
}

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;
