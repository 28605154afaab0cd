//! Sponsor programmes, requirement sets, match results and shortlists.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Authority, CleanroomGrade, DonorSource, GeneModificationMethod, LicenceKind, Modality, Phase,
    QcAssay, Region,
};

/// The product a programme develops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub modality: Modality,
    pub donor_source: DonorSource,
    pub gene_modification: GeneModificationMethod,
}

/// When manufacturing should start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_start: Option<NaiveDate>,
}

/// A sponsor's programme: what it makes, for which phase and markets, and what it needs
/// from a manufacturer. Private to the sponsor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramRequest {
    /// 1 to 200 characters.
    pub name: String,
    pub product: Product,
    pub target_phase: Phase,
    /// ISO 3166-1 alpha-2 codes of the markets the product targets, e.g. `["US", "FR"]`.
    #[serde(default)]
    pub target_markets: Vec<String>,
    #[serde(default)]
    pub timeline: Timeline,
    pub requirements: RequirementSet,
}

/// A stored programme. `version` is its ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Program {
    pub id: String,
    pub organization_id: String,
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub program: ProgramRequest,
}

/// What a CDMO must have (hard constraints) and how feasible CDMOs are ranked (weighted
/// criteria).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementSet {
    #[serde(default)]
    pub constraints: HardConstraints,
    /// At least one criterion with a positive weight.
    pub criteria: Vec<WeightedCriterion>,
    /// Score reduction, in percent, for each missing value under the `penalise` policy
    /// (0 to 50, default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_data_penalty_percent: Option<f64>,
    /// Manufacturing slots needed: a hard constraint when `required`, and what the
    /// `capacity_fit` and `earliest_start` criteria measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityNeed>,
}

/// Slots of one kind needed within a window, from published capacity (unexpired holds
/// and confirmations subtracted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityNeed {
    pub slot_kind: super::SlotKind,
    /// At least 1.
    pub slots: u32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    /// Exclude CDMOs without that many free slots in the window.
    #[serde(default)]
    pub required: bool,
}

/// Hard constraints: a CDMO failing any of them is excluded, with the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HardConstraints {
    /// Experience with this donor source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor_source: Option<DonorSource>,
    /// Any of these modalities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modalities: Vec<Modality>,
    /// Any of these gene-modification methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gene_modification: Vec<GeneModificationMethod>,
    /// At least `min_programmes` programmes in `phase` or a later phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_track_record: Option<PhaseTrackRecord>,
    /// Each must be held (unexpired) at one of the CDMO's sites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<LicenceRequirement>,
    /// A cleanroom suite of this grade or better at a site...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cleanroom_grade: Option<CleanroomGrade>,
    /// ...or, when true, closed-system processing accepted in its place.
    #[serde(default)]
    pub closed_processing_accepted: bool,
    /// Closed-system processing required at a site.
    #[serde(default)]
    pub closed_processing_required: bool,
    /// Cryogenic storage at or below this temperature, degrees Celsius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cryo_temp_c: Option<i32>,
    /// A site in one of these countries (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries_allowed: Vec<String>,
    /// A site outside these countries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries_excluded: Vec<String>,
    /// All of these QC assays in house.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qc_assays_in_house: Vec<QcAssay>,
    /// Shipping within this many hours of release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_shipping_lead_time_hours: Option<u32>,
    /// Ships to every one of these regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_served: Vec<Region>,
    /// Allogeneic scale-up: a bioreactor of at least this working volume, litres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_bioreactor_volume_l: Option<f64>,
    /// Only CDMOs whose organisation the platform verified.
    #[serde(default)]
    pub verified_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseTrackRecord {
    pub phase: Phase,
    pub min_programmes: u32,
}

/// A licence to hold; give the authority, the kind, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceRequirement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<LicenceKind>,
}

closed_set! {
    /// A ranking criterion. Each has a fixed default scale (worst, best), documented in
    /// the API reference; a requirement set may give its own.
    Criterion {
        /// Programmes at or beyond the programme's target phase. Scale 0 (worst) to 10 (best).
        TrackRecordDepth = "track_record_depth",
        /// Upper tech-transfer duration, months. Scale 24 (worst) to 6 (best).
        TechTransferTime = "tech_transfer_time",
        /// Midpoint of the tech-transfer cost range, USD. Scale 5,000,000 to 300,000.
        TechTransferCost = "tech_transfer_cost",
        /// QC assays in house, of 8. Scale 0 to 8.
        QcCoverage = "qc_coverage",
        /// Batch success rate, percent. Scale 85 to 99.
        SuccessRate = "success_rate",
        /// Median turnaround, days. Scale 25 to 7.
        Turnaround = "turnaround",
        /// Kilometres from `origin` to the nearest site. Scale 10,000 to 0.
        Distance = "distance",
        /// Mean inspection outcome (no findings 1, minor 0.75, major 0.35, critical 0.1,
        /// enforcement 0). Scale 0 to 1.
        InspectionHistory = "inspection_history",
        /// Share of profile sections backed by current verified evidence. Scale 0 to 1.
        EvidenceConfidence = "evidence_confidence",
        /// Largest allogeneic bioreactor working volume, litres. Scale 0 to 2,000.
        ScaleUp = "scale_up",
        /// Share of the `capacity` need free in its window. Scale 0 to 1.
        CapacityFit = "capacity_fit",
        /// Days from the window's start to the first free slot in it. Scale 180 to 0.
        EarliestStart = "earliest_start",
    }
}

closed_set! {
    /// What to do when a CDMO's profile lacks a criterion's value.
    MissingDataPolicy {
        /// Exclude the CDMO (listed among the excluded, with the reason).
        Exclude = "exclude",
        /// Count the criterion as 0 (its worst).
        Zero = "zero",
        /// Count it as 0 and reduce the CDMO's whole score by the set's penalty.
        Penalise = "penalise",
    }
}

/// The raw values mapping to 0 (`worst`) and 1 (`best`); either order. Values beyond
/// are clamped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scale {
    pub worst: f64,
    pub best: f64,
}

/// A point on Earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightedCriterion {
    pub criterion: Criterion,
    /// Non-negative; weights are normalised to sum to 1.
    pub weight: f64,
    /// Overrides the criterion's default scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
    /// Default `zero`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<MissingDataPolicy>,
    /// Required for `distance`: where material comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<GeoPoint>,
}

/// An ad-hoc match: requirements in the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRequest {
    pub requirements: RequirementSet,
    /// Longest list returned, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Options of a programme match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramMatchRequest {
    /// Longest list returned, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One criterion's part in a candidate's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionScore {
    pub criterion: Criterion,
    /// The profile's value, absent when the profile lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<f64>,
    pub scale: Scale,
    /// 0 to 1.
    pub normalised: f64,
    /// The normalised weight, 0 to 1.
    pub weight: f64,
    /// Points out of 100: weight x normalised x 100 x penalty factor.
    pub contribution: f64,
    /// Set when the value was missing: the policy applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<MissingDataPolicy>,
}

/// A feasible CDMO, ranked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub rank: u32,
    pub profile_id: String,
    pub organization_id: String,
    pub name: String,
    pub countries: Vec<String>,
    /// The profile revision scored.
    pub revision: u32,
    pub organization_verified: bool,
    /// 0 to 100: the sum of the contributions.
    pub total: f64,
    /// Multiplier applied for penalised missing data (1 when none).
    pub penalty_factor: f64,
    pub criteria: Vec<CriterionScore>,
    /// Share of sections with verified evidence, and the per-section confidence.
    pub evidence_confidence: f64,
    pub confidence: Vec<super::SectionConfidence>,
}

/// A hard constraint a CDMO fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedConstraint {
    /// The constraint's field in the requirement set, e.g. `phase_track_record`.
    pub constraint: String,
    pub required: String,
    pub actual: String,
}

/// An excluded CDMO and every constraint it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exclusion {
    pub profile_id: String,
    pub organization_id: String,
    pub name: String,
    pub revision: u32,
    /// Fails exactly one constraint.
    pub near_miss: bool,
    pub failed: Vec<FailedConstraint>,
}

/// How far one weight must move before the top two swap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightSensitivity {
    pub criterion: Criterion,
    pub weight: f64,
    /// The normalised weight at which the two tie (others rescaled in proportion);
    /// absent when no weight in 0..1 swaps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swaps_at: Option<f64>,
}

/// Robustness of the first place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Robustness {
    pub first: String,
    pub second: String,
    /// Points between them.
    pub margin: f64,
    pub sensitivities: Vec<WeightSensitivity>,
    /// The smallest weight change, in absolute normalised weight, that swaps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smallest_swap_change: Option<f64>,
}

/// A ranked, explained shortlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchResult {
    pub feasible_count: u32,
    pub excluded_count: u32,
    /// Best first; ties broken by profile id.
    pub candidates: Vec<Candidate>,
    /// Near misses first, then by fewest failures.
    pub excluded: Vec<Exclusion>,
    /// Absent with fewer than two candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robustness: Option<Robustness>,
}

/// Save a programme's current match as a shortlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateShortlistRequest {
    pub program_id: String,
    /// 1 to 200 characters; defaults to the programme's name and the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Longest list kept, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// An immutable shortlist: the match as it was, pinned to the profile revisions and the
/// requirement set it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shortlist {
    pub id: String,
    pub organization_id: String,
    pub program_id: String,
    pub program_version: u32,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub program: ProgramRequest,
    pub result: MatchResult,
}

/// A shortlist in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShortlistSummary {
    pub id: String,
    pub program_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub candidates: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_candidate: Option<String>,
}

/// Which report of a shortlist to export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportParams {
    /// `csv`, `xlsx` or `pdf`; otherwise taken from the `Accept` header. Anything else
    /// is 406.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For CSV: `ranking` (default) or `excluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}
