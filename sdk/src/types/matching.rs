//! Sponsor programmes, requirement sets, match results and shortlists.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AcceptedBatches, Authority, CleanroomGrade, DonorSource, GeneModificationMethod, LicenceKind,
    LicensedActivity, Modality, NewAllocationHold, OfferedSlots, Phase, Platform, QcAssay, Region,
    SlotOffer,
};

/// The product a programme develops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// The product's modality.
    pub modality: Modality,
    /// Where the starting cells come from.
    pub donor_source: DonorSource,
    /// How the cells are modified (`none` for unmodified cells).
    pub gene_modification: GeneModificationMethod,
}

/// When manufacturing should start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    /// Earliest date manufacturing may start, 2000-01-01 to 2100-12-31.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_start: Option<NaiveDate>,
    /// Latest acceptable start, 2000-01-01 to 2100-12-31; not before `earliest_start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_start: Option<NaiveDate>,
}

/// A sponsor's programme: what it makes, for which phase and markets, and what it needs
/// from a manufacturer. Private to the sponsor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramRequest {
    /// 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// What the programme makes; its donor source, modality and method become hard constraints where `requirements` leaves them open.
    pub product: Product,
    /// The phase manufacturing is for; track record depth counts programmes from this phase on.
    pub target_phase: Phase,
    /// ISO 3166-1 alpha-2 codes of the markets the product targets, e.g. `["US", "FR"]`.
    #[serde(default)]
    pub target_markets: Vec<String>,
    /// When manufacturing should start.
    #[serde(default)]
    pub timeline: Timeline,
    /// Hard constraints and weighted criteria for matching.
    pub requirements: RequirementSet,
}

/// A stored programme. `version` is its ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Program {
    /// Programme id (server-assigned).
    pub id: String,
    /// The sponsor organisation that owns the programme.
    pub organization_id: String,
    /// Version number, 1 on creation, incremented by each update.
    pub version: u32,
    /// When the programme was created.
    pub created_at: DateTime<Utc>,
    /// When the programme was last updated.
    pub updated_at: DateTime<Utc>,
    /// When it was archived (hidden from default lists, still readable); absent while
    /// not archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
    /// The programme as last written.
    #[serde(flatten)]
    pub program: ProgramRequest,
}

/// What a CDMO must have (hard constraints) and how feasible CDMOs are ranked (weighted
/// criteria).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementSet {
    /// Hard constraints; a CDMO that fails any is excluded.
    #[serde(default)]
    pub constraints: HardConstraints,
    /// At least one criterion with a positive weight.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub criteria: Vec<WeightedCriterion>,
    /// Score reduction, in percent, for each missing value under the `penalise` policy
    /// (0 to 50, default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 50))]
    pub missing_data_penalty_percent: Option<f64>,
    /// Manufacturing slots needed: a hard constraint when `required`, and what the
    /// `capacity_fit` and `earliest_start` criteria measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityNeed>,
    /// How far the sponsor would relax threshold constraints: an excluded CDMO is a near
    /// miss only when each gap it has on a listed constraint is at most `max_gap`.
    /// Categorical constraints cannot be listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near_miss_tolerances: Vec<NearMissTolerance>,
    /// An order of importance for rank acceptability, instead of weight ranges: groups of
    /// criteria, most important first; criteria in one group weigh the same, and each
    /// group at least as much as the next. Names every criterion of `criteria` once, e.g.
    /// `[["track_record_depth"], ["success_rate"], ["cost", "distance"]]` for "track
    /// record > success rate > cost = distance". The point weights still give the
    /// ranking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weight_order: Vec<Vec<Criterion>>,
}

impl RequirementSet {
    /// The order of importance the point weights imply (heavier first, equal weights in
    /// one group), for a `weight_order` that keeps the ranking's priorities but lets rank
    /// acceptability vary the amounts.
    pub fn order_of_point_weights(&self) -> Vec<Vec<Criterion>> {
        let mut by_weight: Vec<&WeightedCriterion> = self.criteria.iter().collect();
        by_weight.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let mut order: Vec<(f64, Vec<Criterion>)> = Vec::new();
        for c in by_weight {
            match order.last_mut() {
                Some((weight, group)) if *weight == c.weight => group.push(c.criterion),
                _ => order.push((c.weight, vec![c.criterion])),
            }
        }
        order.into_iter().map(|(_, group)| group).collect()
    }
}

/// The largest gap on one threshold constraint that still makes a near miss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearMissTolerance {
    /// A threshold constraint (see [`ConstraintCode`]).
    pub constraint: ConstraintCode,
    /// In the constraint's gap unit (programmes, degrees Celsius, hours, grades, assays,
    /// regions, litres, slots); at least 0.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub max_gap: f64,
}

closed_set! {
    /// A hard constraint's stable code in exclusions (singular; `constraint` names the
    /// request field instead).
    ConstraintCode {
        /// `constraints.donor_source`. Categorical.
        DonorSource = "donor_source",
        /// `constraints.modalities`. Categorical.
        Modality = "modality",
        /// `constraints.gene_modification`. Categorical.
        GeneModification = "gene_modification",
        /// `constraints.platforms` (platform lock). Categorical.
        Platform = "platform",
        /// `constraints.phase_track_record`. Threshold, gap in programmes.
        PhaseTrackRecord = "phase_track_record",
        /// `constraints.licences[i]`. Categorical.
        Licence = "licence",
        /// `constraints.accepted_by[i]`. Categorical.
        RegulatoryAcceptance = "regulatory_acceptance",
        /// `constraints.min_cleanroom_grade`. Threshold, gap in grades.
        CleanroomGrade = "cleanroom_grade",
        /// `constraints.closed_processing_required`. Categorical.
        ClosedProcessing = "closed_processing",
        /// `constraints.max_cryo_temp_c`. Threshold, gap in degrees Celsius.
        CryoTemperature = "cryo_temperature",
        /// `constraints.countries_allowed`. Categorical.
        CountryAllowed = "country_allowed",
        /// `constraints.countries_excluded`. Categorical.
        CountryExcluded = "country_excluded",
        /// `constraints.qc_assays_in_house`. Threshold, gap in assays missing.
        QcAssays = "qc_assays",
        /// `constraints.max_shipping_lead_time_hours`. Threshold, gap in hours.
        ShippingTime = "shipping_time",
        /// `constraints.regions_served`. Threshold, gap in regions not served.
        RegionsServed = "regions_served",
        /// `constraints.min_bioreactor_volume_l`. Threshold, gap in litres.
        BioreactorVolume = "bioreactor_volume",
        /// `constraints.verified_only`. Categorical.
        VerifiedOrganization = "verified_organization",
        /// `capacity` with `required`. Threshold, gap in slots.
        Capacity = "capacity",
        /// A criterion with the `exclude` missing-data policy and no value. Categorical.
        CriterionValue = "criterion_value",
    }
}

impl ConstraintCode {
    /// Whether a gap can be measured and negotiated (threshold) or not (categorical).
    pub fn class(self) -> ConstraintClass {
        match self {
            Self::PhaseTrackRecord
            | Self::CleanroomGrade
            | Self::CryoTemperature
            | Self::QcAssays
            | Self::ShippingTime
            | Self::RegionsServed
            | Self::BioreactorVolume
            | Self::Capacity => ConstraintClass::Threshold,
            _ => ConstraintClass::Categorical,
        }
    }
}

closed_set! {
    /// Whether failing a constraint can be narrowed by degree.
    ConstraintClass {
        /// A different kind of thing (donor source, modality, method, platform lock,
        /// licence, location, verification): no negotiation closes it.
        Categorical = "categorical",
        /// A quantity short of the requirement: the gap says by how much.
        Threshold = "threshold",
    }
}

closed_set! {
    /// The unit of a constraint value or gap.
    Unit {
        /// Manufacturing programmes.
        Programmes = "programmes",
        /// Degrees Celsius.
        Celsius = "celsius",
        /// Hours.
        Hours = "hours",
        /// Cleanroom grades (A to D).
        Grades = "grades",
        /// QC assays.
        Assays = "assays",
        /// Regions.
        Regions = "regions",
        /// Litres.
        Litres = "litres",
        /// Manufacturing slots.
        Slots = "slots",
    }
}

/// A typed constraint value: a number with its unit, a set of codes, or a flag; or
/// `not_disclosed` when the profile does not state the fact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintValue {
    /// A quantity, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    /// The unit of `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// Wire names from the constraint's closed set (modalities, platforms, grades, QC
    /// assays, regions, ISO country codes, criteria); for licences
    /// `authority/kind/modalities/donor_sources/activities` (lists joined by `+`, `any`
    /// where not asked or not limited; a held licence whose `coverage` is not stated is
    /// `authority/kind/not_stated`); for acceptances `authority/batches` (`any`: either).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// A yes/no fact (closed processing, organisation verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<bool>,
    /// The profile does not disclose this fact.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_disclosed: bool,
}

/// How far a CDMO is from a threshold constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gap {
    /// How much is missing, in `unit` (always positive).
    pub amount: f64,
    /// The unit of `amount`.
    pub unit: Unit,
    /// `amount` relative to the requirement, capped at 1: the required programmes,
    /// assays, regions, litres or slots, 3 grades, 100 degrees, the required hours. Near
    /// misses are ordered by the sum of these.
    pub relative: f64,
}

/// Slots of one kind needed within a window, from published capacity (unexpired holds
/// and confirmations subtracted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityNeed {
    /// Kind of slot needed.
    pub slot_kind: super::SlotKind,
    /// At least 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub slots: u32,
    /// First day of the window, 2000-01-01 to 2100-12-31.
    pub window_start: NaiveDate,
    /// Last day of the window, at most 2100-12-31; not before `window_start`.
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
    /// Platform lock: the sponsor's process runs on one of these platforms (a
    /// point-of-care CAR-T process on CliniMACS Prodigy, say), so the CDMO must operate
    /// one of them. `other` matches a CDMO listing a platform of kind `other`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
    /// At least `min_programmes` programmes in `phase` or a later phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_track_record: Option<PhaseTrackRecord>,
    /// Each must be held (unexpired) at one of the CDMO's sites, by a licence whose
    /// stated `coverage` covers the product: `modalities` (any of) and `donor_source` of
    /// these constraints where given, and the requirement's activities. A licence whose
    /// coverage is not stated covers nothing (its free-text `scope` is never matched on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<LicenceRequirement>,
    /// Regulatory acceptance: each authority listed (all of) must have accepted batches
    /// made at one of the CDMO's sites, e.g. the FDA accepting ex-US clinical batches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_by: Vec<AcceptanceRequirement>,
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
    #[cfg_attr(feature = "openapi", schema(minimum = -273, maximum = 25))]
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
    #[cfg_attr(feature = "openapi", schema(maximum = 1440))]
    pub max_shipping_lead_time_hours: Option<u32>,
    /// Ships to every one of these regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_served: Vec<Region>,
    /// Allogeneic scale-up: a bioreactor of at least this working volume, litres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub min_bioreactor_volume_l: Option<f64>,
    /// Only CDMOs whose organisation the platform verified.
    #[serde(default)]
    pub verified_only: bool,
}

/// A minimum track record: at least `min_programmes` programmes in `phase` or a later phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseTrackRecord {
    /// The earliest phase that counts.
    pub phase: Phase,
    /// Programmes needed, at least 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub min_programmes: u32,
}

/// A licence to hold; give the authority, the kind, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceRequirement {
    /// The issuing authority; any authority when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// The kind of licence; any kind when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<LicenceKind>,
    /// Activities one licence must authorise, all of them, no repeats; `[manufacturing]`
    /// when empty or absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<LicensedActivity>,
}

impl LicenceRequirement {
    /// A licence of `authority` and/or `kind` authorising manufacturing.
    pub fn new(authority: Option<Authority>, kind: Option<LicenceKind>) -> Self {
        Self {
            authority,
            kind,
            activities: Vec::new(),
        }
    }
}

/// Batches made at one of the CDMO's sites accepted by an authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceRequirement {
    /// The authority that must have accepted the batches; each authority at most once
    /// per list.
    pub authority: Authority,
    /// Which batches; either kind when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<AcceptedBatches>,
}

closed_set! {
    /// A ranking criterion. Each has a fixed default scale (worst, best), documented in
    /// the API reference; a requirement set may give its own.
    Criterion {
        /// Programmes at or beyond the target phase (the programme's, or an ad-hoc match's
        /// `target_phase`; every phase when there is none). Scale 0 (worst) to 10 (best).
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
        /// enforcement 0), of inspections by the criterion's `authorities` when given.
        /// Scale 0 to 1.
        InspectionHistory = "inspection_history",
        /// Share of profile sections backed by current verified evidence. Scale 0 to 1.
        EvidenceConfidence = "evidence_confidence",
        /// Largest allogeneic bioreactor working volume, litres. Scale 0 to 2,000.
        ScaleUp = "scale_up",
        /// Share of the `capacity` need free in its window. Scale 0 to 1.
        CapacityFit = "capacity_fit",
        /// Days from the window's start to the first free slot in it. Scale 180 to 0.
        EarliestStart = "earliest_start",
        /// 1 when the CDMO runs one of the criterion's `platforms` (the sponsor's process
        /// could move to others, so this ranks rather than filters), else 0. Scale 0 to 1.
        PlatformMatch = "platform_match",
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
    /// The raw value that scores 0, -1e9 to 1e9.
    #[cfg_attr(feature = "openapi", schema(minimum = -1000000000, maximum = 1000000000))]
    pub worst: f64,
    /// The raw value that scores 1, -1e9 to 1e9.
    #[cfg_attr(feature = "openapi", schema(minimum = -1000000000, maximum = 1000000000))]
    pub best: f64,
}

/// A point on Earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    /// Latitude, decimal degrees (-90 to 90).
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub latitude: f64,
    /// Longitude, decimal degrees (-180 to 180).
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub longitude: f64,
}

/// A ranking criterion with its weight; each criterion at most once per set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightedCriterion {
    /// What is measured.
    pub criterion: Criterion,
    /// 0 to 1,000; weights are normalised to sum to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
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
    /// Only for `inspection_history`: count only inspections by these authorities, no
    /// repeats (all inspections when empty or absent). A CDMO with none by them has no
    /// value, and the missing-data policy applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<Authority>,
    /// Required for `platform_match` (and only allowed there): the platforms the
    /// sponsor's process runs on; a CDMO running any of them scores 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
    /// For rank acceptability: the range the criterion's normalised weight may take
    /// (0 to 1 when absent, once any criterion states one). The point `weight` still gives
    /// the ranking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_range: Option<WeightRange>,
}

impl WeightedCriterion {
    /// `criterion` with `weight`, its default scale and missing-data policy, and no
    /// criterion-specific options.
    pub fn new(criterion: Criterion, weight: f64) -> Self {
        Self {
            criterion,
            weight,
            scale: None,
            missing: None,
            origin: None,
            authorities: Vec::new(),
            platforms: Vec::new(),
            weight_range: None,
        }
    }
}

/// An ad-hoc match: requirements in the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRequest {
    /// The requirements to match CDMOs against.
    pub requirements: RequirementSet,
    /// The phase the product is heading for, as a programme's `target_phase`:
    /// `track_record_depth` counts programmes at or beyond it (all phases when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_phase: Option<Phase>,
    /// Longest list returned, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
    /// The previous response's `excluded_next_cursor`: the excluded list continues
    /// after it (the candidates are the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_cursor: Option<String>,
    /// Also compute rank acceptability (`rank_acceptability` in the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_acceptability: Option<RankAcceptabilityRequest>,
    /// How allocations across several CDMOs are proposed when no single CDMO has the
    /// slots of the capacity need (`split_allocation` in the result); defaults apply
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_allocation: Option<SplitAllocationRequest>,
}

impl MatchRequest {
    /// A match of `requirements`, with no target phase and the default limit.
    pub fn new(requirements: RequirementSet) -> Self {
        Self {
            requirements,
            target_phase: None,
            limit: None,
            excluded_cursor: None,
            rank_acceptability: None,
            split_allocation: None,
        }
    }
}

/// Options of a programme match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramMatchRequest {
    /// Longest list returned, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
    /// The previous response's `excluded_next_cursor`: the excluded list continues
    /// after it (the candidates are the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_cursor: Option<String>,
    /// Also compute rank acceptability (`rank_acceptability` in the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_acceptability: Option<RankAcceptabilityRequest>,
    /// How allocations across several CDMOs are proposed when no single CDMO has the
    /// slots of the capacity need (`split_allocation` in the result); defaults apply
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_allocation: Option<SplitAllocationRequest>,
}

/// One criterion's part in a candidate's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionScore {
    /// The criterion.
    pub criterion: Criterion,
    /// The profile's value, absent when the profile lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<f64>,
    /// The scale applied: the set's own or the criterion's default.
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
    /// Position in the ranking, from 1.
    pub rank: u32,
    /// The CDMO's profile id.
    pub profile_id: String,
    /// The CDMO organisation.
    pub organization_id: String,
    /// The CDMO's name.
    pub name: String,
    /// Site countries (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// The profile revision scored.
    pub revision: u32,
    /// Whether a platform admin verified the CDMO organisation.
    pub organization_verified: bool,
    /// 0 to 100: the sum of the contributions.
    pub total: f64,
    /// Multiplier applied for penalised missing data (1 when none).
    pub penalty_factor: f64,
    /// Each criterion's part in the total, in the requirement set's order.
    pub criteria: Vec<CriterionScore>,
    /// Share of sections with verified evidence, and the per-section confidence.
    pub evidence_confidence: f64,
    /// Share of the weight of the criteria that rest on profile facts whose section is
    /// backed by verified evidence, 0 to 1; absent when no criterion rests on profile
    /// facts (only `evidence_confidence`, `capacity_fit`, `earliest_start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_completeness: Option<f64>,
    /// Confidence of each profile section, in section order.
    pub confidence: Vec<super::SectionConfidence>,
}

/// A hard constraint a CDMO fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedConstraint {
    /// The constraint's field in the requirement set, e.g. `phase_track_record`.
    pub constraint: String,
    /// The constraint's stable code.
    pub code: ConstraintCode,
    /// Categorical or threshold.
    pub class: ConstraintClass,
    /// What the constraint asks, in words, e.g. `at least 1 programme in phase_3 or later`.
    pub required: String,
    /// What the profile has, in words, e.g. `0 programmes in phase_3 or later`.
    pub actual: String,
    /// What the constraint asks, typed.
    pub required_value: ConstraintValue,
    /// What the profile has, typed; `not_disclosed` when the profile does not say.
    pub actual_value: ConstraintValue,
    /// For a threshold the profile discloses: how far it falls short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
}

/// An excluded CDMO and every constraint it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exclusion {
    /// The CDMO's profile id.
    pub profile_id: String,
    /// The CDMO organisation.
    pub organization_id: String,
    /// The CDMO's name.
    pub name: String,
    /// The profile revision checked.
    pub revision: u32,
    /// Fails only threshold constraints, at most two, each with a known gap within the
    /// set's `near_miss_tolerances`: a small, negotiable shortfall.
    pub near_miss: bool,
    /// For a near miss, the sum of its relative gaps (the excluded list's order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_gap: Option<f64>,
    /// Every constraint the CDMO fails.
    pub failed: Vec<FailedConstraint>,
}

/// How far one weight must move before the top two swap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightSensitivity {
    /// The criterion whose weight would move.
    pub criterion: Criterion,
    /// Its current normalised weight, 0 to 1.
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
    /// Profile id of the first candidate.
    pub first: String,
    /// Profile id of the second candidate.
    pub second: String,
    /// Points between them.
    pub margin: f64,
    /// For each criterion, the weight at which the two would swap.
    pub sensitivities: Vec<WeightSensitivity>,
    /// The smallest weight change, in absolute normalised weight, that swaps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smallest_swap_change: Option<f64>,
}

/// A ranked, explained shortlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchResult {
    /// CDMOs that pass every hard constraint, before `limit` applies.
    pub feasible_count: u32,
    /// CDMOs excluded, before `limit` applies.
    pub excluded_count: u32,
    /// Best first; ties broken by profile id.
    pub candidates: Vec<Candidate>,
    /// Near misses first, smallest `relative_gap` first; then the rest by fewest failed
    /// constraints; ties by profile id.
    pub excluded: Vec<Exclusion>,
    /// Send as `excluded_cursor` to list the excluded after these; absent on the last
    /// page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_next_cursor: Option<String>,
    /// Absent with fewer than two candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robustness: Option<Robustness>,
    /// The rule that made the near misses in `excluded`, with the tolerances this match
    /// applied. Absent only on shortlists saved before the rule was returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_miss_rule: Option<NearMissRule>,
    /// Present when the request asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_acceptability: Option<RankAcceptability>,
    /// Present when the requirement set states a capacity need and no CDMO that meets
    /// every other hard constraint has all its slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_allocation: Option<SplitAllocation>,
}

/// How a match decides which excluded CDMOs are near misses, and orders the excluded
/// list. Returned with every match so that a client can show the rule beside the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearMissRule {
    /// A near miss fails at least one and at most this many hard constraints.
    pub max_failed_constraints: u32,
    /// The class every failed constraint of a near miss is in (`threshold`: a shortfall
    /// that can be negotiated; a categorical mismatch never makes a near miss).
    pub class: ConstraintClass,
    /// The requirement set's `near_miss_tolerances` this match applied: a gap above its
    /// constraint's `max_gap` is not a near miss.
    pub tolerances: Vec<NearMissTolerance>,
    /// The rule and the excluded list's order, in words.
    pub description: String,
}

/// Save a programme's current match as a shortlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateShortlistRequest {
    /// The programme to match, one of your organisation's.
    pub program_id: String,
    /// 1 to 200 characters; defaults to the programme's name and the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// Longest list kept, 1 to 100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
    /// Also compute and keep rank acceptability (`rank_acceptability` in the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_acceptability: Option<RankAcceptabilityRequest>,
}

/// An immutable shortlist: the match as it was, pinned to the profile revisions and the
/// requirement set it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shortlist {
    /// Shortlist id (server-assigned).
    pub id: String,
    /// The sponsor organisation that owns it.
    pub organization_id: String,
    /// The programme matched.
    pub program_id: String,
    /// The programme's version when the shortlist was saved.
    pub program_version: u32,
    /// The shortlist's name.
    pub name: String,
    /// The user or API key that saved it.
    pub created_by: String,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
    /// When it was archived (hidden from default lists, still readable); absent while
    /// not archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
    /// The programme as it was matched.
    pub program: ProgramRequest,
    /// The match result as it was, pinned to the profile revisions scored.
    pub result: MatchResult,
}

/// A shortlist in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShortlistSummary {
    /// Shortlist id.
    pub id: String,
    /// The programme matched.
    pub program_id: String,
    /// The shortlist's name.
    pub name: String,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
    /// Number of ranked candidates.
    pub candidates: u32,
    /// Name of the first-ranked CDMO; absent when no CDMO was feasible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_candidate: Option<String>,
    /// When it was archived (hidden from default lists, still readable); absent while
    /// not archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
}

/// Which report of a shortlist to export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportParams {
    /// `csv`, `xlsx`, `pdf` or `html`; otherwise taken from the `Accept` header.
    /// Anything else is 406.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For CSV: `ranking` (default), `excluded` or `quotes` (the quotes received on the
    /// shortlist's programme); anything else is 400 naming `table`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

/// The admissible range of one criterion's normalised weight, for rank acceptability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightRange {
    /// 0 to 1, at most `max`.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub min: f64,
    /// 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub max: f64,
}

/// How a match proposes allocations of its capacity need across several CDMOs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitAllocationRequest {
    /// Most CDMOs in one allocation, 2 to 4 (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 2, maximum = 4))]
    pub max_cdmos: Option<u32>,
    /// Most allocations proposed, 1 to 10 (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub proposals: Option<u32>,
}

/// Allocations of the capacity need across several CDMOs, proposed because no CDMO that
/// meets every other hard constraint has all its slots free in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitAllocation {
    /// The capacity need's `slots`.
    pub slots_needed: u32,
    /// Most CDMOs in one allocation.
    pub max_cdmos: u32,
    /// CDMOs that meet every hard constraint except capacity and have at least one free
    /// slot of the kind in the window: those an allocation draws on.
    pub considered: u32,
    /// Best first; empty when no `max_cdmos` of the considered CDMOs have the slots
    /// together. Each is a different set of CDMOs.
    pub proposals: Vec<AllocationProposal>,
    /// How allocations are made and ordered, in words.
    pub description: String,
}

/// One way to get the slots from several CDMOs. Hold it with
/// `POST /v1/reservations/allocations` (all or nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationProposal {
    /// 1 for the best.
    pub rank: u32,
    /// The slot-weighted score: each CDMO's `total` times its slots, summed, over the
    /// slots needed (totals taken to 6 decimals, so that sums are exact).
    pub score: f64,
    /// One per CDMO, highest total first.
    pub parts: Vec<AllocationPart>,
}

/// One CDMO's share of an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationPart {
    /// The CDMO's profile.
    pub profile_id: String,
    /// The CDMO organisation.
    pub organization_id: String,
    /// The CDMO's name.
    pub name: String,
    /// Its total in this match, as a candidate's `total`.
    pub total: f64,
    /// Slots it provides.
    pub slots: u32,
    /// Where the slots are: its blocks in the window, earliest first.
    pub blocks: Vec<OfferedSlots>,
}

impl AllocationProposal {
    /// The request that holds this allocation's slots.
    pub fn hold_request(&self) -> NewAllocationHold {
        NewAllocationHold {
            blocks: self
                .parts
                .iter()
                .flat_map(|part| &part.blocks)
                .map(|block| SlotOffer {
                    capacity_id: block.capacity_id.clone(),
                    slots: block.slots,
                })
                .collect(),
            program_id: None,
            note: None,
            shared_summary: None,
        }
    }
}

/// Ask a match for rank acceptability: how often each candidate comes first, or in the
/// top 3, over every weight vector the requirement set admits (its `weight_range`s or its
/// `weight_order`; only the point weights when it states neither).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankAcceptabilityRequest {
    /// Weight vectors drawn, 1,000 to 100,000 (default 10,000). The standard error of an
    /// acceptability is at most 0.5/√samples (0.005 at the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1000, maximum = 100000))]
    pub samples: Option<u32>,
}

closed_set! {
    /// How the admissible weights were sampled.
    AcceptabilityMethod {
        /// The set admits one weight vector (no ranges, no order): one sample.
        Point = "point",
        /// An order of importance: uniform on the simplex of ordered weights, drawn
        /// exactly as Dirichlet(1, …, 1) weights of the region's vertices.
        OrderedDirichlet = "ordered_dirichlet",
        /// Weight ranges: a hit-and-run walk on the region (uniform directions within the
        /// weight simplex, uniform point on each chord), after a burn-in of 1,000 steps and
        /// keeping one point every d steps (d: free weights).
        HitAndRun = "hit_and_run",
    }
}

/// One criterion's weight in a central weight vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionWeight {
    /// The criterion.
    pub criterion: Criterion,
    /// Normalised weight, 0 to 1.
    pub weight: f64,
}

/// A candidate's rank acceptability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateAcceptability {
    /// The CDMO's profile id.
    pub profile_id: String,
    /// The CDMO's name.
    pub name: String,
    /// Its rank under the point weights, from 1 (as in `candidates`, which may stop
    /// before it).
    pub point_rank: u32,
    /// Its total under the point weights.
    pub point_total: f64,
    /// Share of the sampled weight vectors under which it ranks first, 0 to 1.
    pub rank_1: f64,
    /// Share under which it ranks first, second or third, 0 to 1.
    pub top_3: f64,
    /// The mean of the sampled weight vectors under which it ranks first, in the
    /// requirement set's criterion order; absent when it never does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub central_weights: Vec<CriterionWeight>,
    /// Whether it ranks first under its own central weights: 1 or 0 (criterion values
    /// are exact, so there is no other uncertainty to average over); absent with no
    /// central weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_factor: Option<f64>,
}

/// SMAA-2 rank acceptability of a match's feasible candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankAcceptability {
    /// How the weights were drawn.
    pub method: AcceptabilityMethod,
    /// Weight vectors drawn.
    pub samples: u32,
    /// The generator's seed, derived from the request: the same request gives the same
    /// figures.
    pub seed: String,
    /// Feasible candidates considered (every feasible CDMO, not only those returned).
    pub considered: u32,
    /// Candidates set aside exactly: under every admissible weight vector, at least three
    /// others score higher, so they can never reach the top 3.
    pub pruned: u32,
    /// Every candidate that reaches the top 3 under some sample, by `rank_1`, then
    /// `top_3`, then `point_rank`.
    pub candidates: Vec<CandidateAcceptability>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_point_weights_puts_heavier_first_and_groups_equal_weights() {
        let set = RequirementSet {
            criteria: vec![
                WeightedCriterion::new(Criterion::TechTransferCost, 0.2),
                WeightedCriterion::new(Criterion::TrackRecordDepth, 0.4),
                WeightedCriterion::new(Criterion::Distance, 0.2),
                WeightedCriterion::new(Criterion::SuccessRate, 0.3),
            ],
            ..RequirementSet::default()
        };
        assert_eq!(
            set.order_of_point_weights(),
            vec![
                vec![Criterion::TrackRecordDepth],
                vec![Criterion::SuccessRate],
                vec![Criterion::TechTransferCost, Criterion::Distance],
            ]
        );
    }
}
