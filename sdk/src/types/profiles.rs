//! CDMO capability profiles: the document a CDMO declares, its revisions, its evidence,
//! and search over profiles. Units are in field names (days, months, hours, m2, c for
//! degrees Celsius, l for litres, usd).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::CommaSeparated;

closed_set! {
    /// What kind of manufacturer this is.
    CdmoType {
        CommercialCdmo = "commercial_cdmo",
        AcademicGmpCentre = "academic_gmp_centre",
        HospitalGmpCentre = "hospital_gmp_centre",
        /// Manufactures inside a treating hospital (decentralised production).
        PointOfCare = "point_of_care",
    }
}

closed_set! {
    /// EU GMP cleanroom grade (ISO 5 to 8 equivalents).
    CleanroomGrade { A = "a", B = "b", C = "c", D = "d" }
}

closed_set! {
    /// Regulatory authority.
    Authority {
        Fda = "fda",
        Ema = "ema",
        /// An EU member-state competent authority (e.g. ANSM, PEI, AEMPS).
        EuMemberState = "eu_member_state",
        Mhra = "mhra",
        Pmda = "pmda",
        HealthCanada = "health_canada",
        Tga = "tga",
        Nmpa = "nmpa",
        Roszdravnadzor = "roszdravnadzor",
        Hsa = "hsa",
        Other = "other",
    }
}

closed_set! {
    /// Kind of licence, approval or accreditation.
    LicenceKind {
        ManufacturingAuthorisation = "manufacturing_authorisation",
        ImpLicence = "imp_licence",
        BlaApprovedSite = "bla_approved_site",
        HospitalExemption = "hospital_exemption",
        FactJacieAccreditation = "fact_jacie_accreditation",
    }
}

closed_set! {
    /// Outcome of a regulatory inspection.
    InspectionOutcome {
        NoFindings = "no_findings",
        MinorFindings = "minor_findings",
        MajorFindings = "major_findings",
        CriticalFindings = "critical_findings",
        /// Warning letter, suspension or other enforcement.
        Enforcement = "enforcement",
    }
}

closed_set! {
    /// Where the starting cells come from.
    DonorSource {
        /// The patient's own cells: one batch per patient, scale-out.
        Autologous = "autologous",
        /// Donor cells: off-the-shelf, scale-up, many doses per batch.
        Allogeneic = "allogeneic",
    }
}

closed_set! {
    /// Product modality.
    Modality {
        CarT = "car_t",
        TcrT = "tcr_t",
        Til = "til",
        /// NK and CAR-NK cells.
        Nk = "nk",
        Treg = "treg",
        GammaDeltaT = "gamma_delta_t",
        GeneModifiedHsc = "gene_modified_hsc",
        Msc = "msc",
        IpscDerived = "ipsc_derived",
        DendriticCells = "dendritic_cells",
        TCellProgenitors = "t_cell_progenitors",
        /// Exosomes, secretome.
        CellDerivedProducts = "cell_derived_products",
        /// Animal or plant cells.
        NonHumanCells = "non_human_cells",
    }
}

closed_set! {
    /// Gene-modification method.
    GeneModificationMethod {
        Lentiviral = "lentiviral",
        GammaRetroviral = "gamma_retroviral",
        /// Sleeping Beauty, piggyBac.
        Transposon = "transposon",
        /// CRISPR and other gene editing.
        GeneEditing = "gene_editing",
        MrnaElectroporation = "mrna_electroporation",
        /// Unmodified cells.
        None = "none",
    }
}

closed_set! {
    /// Where viral vector comes from.
    VectorSupply { InHouse = "in_house", Partner = "partner", SponsorSupplied = "sponsor_supplied" }
}

closed_set! {
    /// Development phase, in order.
    Phase {
        ProcessDevelopment = "process_development",
        Phase1 = "phase_1",
        Phase1_2 = "phase_1_2",
        Phase2 = "phase_2",
        /// Pivotal.
        Phase3 = "phase_3",
        Commercial = "commercial",
    }
}

closed_set! {
    /// Manufacturing platform.
    Platform {
        ClinimacsProdigy = "clinimacs_prodigy",
        LonzaCocoon = "lonza_cocoon",
        CellaresCellShuttle = "cellares_cell_shuttle",
        GRex = "g_rex",
        RockingMotionBioreactor = "rocking_motion_bioreactor",
        StirredTankBioreactor = "stirred_tank_bioreactor",
        Other = "other",
    }
}

closed_set! {
    /// How final containers are filled.
    FillAutomation { Manual = "manual", SemiAutomated = "semi_automated", Automated = "automated" }
}

closed_set! {
    /// QC assay.
    QcAssay {
        CompendialSterility = "compendial_sterility",
        RapidMicrobiology = "rapid_microbiology",
        Mycoplasma = "mycoplasma",
        Endotoxin = "endotoxin",
        /// Identity and phenotype by flow cytometry.
        IdentityFlow = "identity_flow",
        Potency = "potency",
        VectorCopyNumber = "vector_copy_number",
        ReplicationCompetentVirus = "replication_competent_virus",
    }
}

closed_set! {
    /// World region, for shipping destinations and site filters.
    Region {
        Europe = "europe",
        NorthAmerica = "north_america",
        LatinAmerica = "latin_america",
        AsiaPacific = "asia_pacific",
        MiddleEast = "middle_east",
        Africa = "africa",
    }
}

closed_set! {
    /// Logistics hub coverage.
    HubScope { Local = "local", Global = "global" }
}

closed_set! {
    /// A top-level section of the profile; evidence and confidence are per section.
    ProfileSection {
        Organization = "organization",
        Sites = "sites",
        DonorSources = "donor_sources",
        Modalities = "modalities",
        GeneModification = "gene_modification",
        Phases = "phases",
        Platforms = "platforms",
        Automation = "automation",
        Quality = "quality",
        Qc = "qc",
        Cryo = "cryo",
        Logistics = "logistics",
        Performance = "performance",
        TechTransfer = "tech_transfer",
        SoftFactors = "soft_factors",
    }
}

closed_set! {
    /// How far a section's facts can be trusted.
    Confidence {
        /// Backed by evidence a platform admin verified, not expired.
        Verified = "verified",
        /// Declared by the CDMO; no current verified evidence.
        SelfDeclared = "self_declared",
        /// Verified evidence exists but has expired.
        Expired = "expired",
    }
}

closed_set! {
    /// Kind of evidence.
    EvidenceKind {
        Document = "document",
        Certificate = "certificate",
        InspectionReport = "inspection_report",
        ThirdPartyRegistry = "third_party_registry",
    }
}

closed_set! {
    /// Verification state of one evidence item.
    EvidenceStatus { Unverified = "unverified", Verified = "verified", Expired = "expired" }
}

closed_set! {
    /// Order of search results.
    ProfileSort {
        Name = "name",
        /// Most recently updated first.
        Updated = "updated",
    }
}

/// Everything a CDMO declares about its capabilities: the body of `POST` and `PUT
/// /v1/cdmos`, and the document each revision stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilityProfile {
    pub organization: OrganizationFacts,
    /// At least one site.
    pub sites: Vec<Site>,
    pub donor_sources: DonorSourceExperience,
    pub modalities: Vec<Modality>,
    pub gene_modification: GeneModification,
    /// Track record per phase; a phase absent means no experience of it.
    pub phases: Vec<PhaseExperience>,
    pub platforms: Vec<PlatformCapability>,
    pub automation: Automation,
    pub quality: QualitySystem,
    pub qc: QualityControl,
    pub cryo: CryoStorage,
    pub logistics: Logistics,
    pub performance: Performance,
    pub tech_transfer: TechTransfer,
    /// Self-declared and subjective: shown, never verified, kept apart from facts.
    pub soft_factors: SoftFactors,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationFacts {
    /// Public name, 1 to 200 characters.
    pub name: String,
    #[serde(rename = "type")]
    pub cdmo_type: CdmoType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years_in_operation: Option<u32>,
    /// http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    /// Stable key of the site within the profile (`[a-z0-9-]`, 1 to 50), e.g. `lyon-1`.
    pub key: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 code, upper case.
    pub country: String,
    pub city: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub cleanrooms: Vec<CleanroomSuite>,
    /// Processing in closed systems (can sit in a grade C/D background).
    pub closed_processing: bool,
    pub isolators: bool,
    #[serde(default)]
    pub licences: Vec<Licence>,
    #[serde(default)]
    pub inspections: Vec<Inspection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CleanroomSuite {
    pub grade: CleanroomGrade,
    /// Number of suites of this grade, at least 1.
    pub count: u32,
    /// Total area of these suites in square metres.
    pub area_m2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Licence {
    pub authority: Authority,
    pub kind: LicenceKind,
    /// What the licence covers, e.g. `ATMP manufacture, somatic cell therapy`.
    pub scope: String,
    pub granted_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    pub authority: Authority,
    pub date: NaiveDate,
    pub outcome: InspectionOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonorSourceExperience {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autologous: Option<AutologousExperience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allogeneic: Option<AllogeneicExperience>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutologousExperience {
    /// Patient batches manufactured per year at current capacity.
    pub batches_per_year: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllogeneicExperience {
    /// Largest bioreactor working volume, litres (up to about 2,000).
    pub max_bioreactor_volume_l: f64,
    /// Typical doses per batch.
    pub doses_per_batch: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeneModification {
    pub methods: Vec<GeneModificationMethod>,
    #[serde(default)]
    pub vector_supply: Vec<VectorSupply>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseExperience {
    pub phase: Phase,
    /// Programmes supported in this phase.
    pub programmes: u32,
    /// GMP batches made for this phase.
    pub gmp_batches: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformCapability {
    pub platform: Platform,
    /// Required for `other`: the platform's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub units: u32,
    /// Batches that can run at the same time on these units.
    pub parallel_batches: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Automation {
    pub automated_wash_concentration: bool,
    pub automated_formulation: bool,
    pub fill: FillAutomation,
    pub controlled_rate_freezers: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualitySystem {
    pub qms: bool,
    pub gmp_warehouse: bool,
    pub validation_programme: bool,
    pub calibration_programme: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityControl {
    pub in_house_assays: Vec<QcAssay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_turnaround_days: Option<u32>,
    /// EU Qualified Person release.
    pub qp_release: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CryoStorage {
    /// Lowest storage temperature, degrees Celsius (LN2 vapour phase: about -150 to -190).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_storage_temp_c: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_positions: Option<u32>,
    pub controlled_rate_freezing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Logistics {
    /// Hours from release to a shipment leaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_lead_time_hours: Option<u32>,
    #[serde(default)]
    pub hubs: Vec<LogisticsHub>,
    pub regions_served: Vec<Region>,
    /// Chain of identity and custody tracked end to end.
    pub chain_of_custody: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogisticsHub {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub scope: HubScope,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Performance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_duration_days: Option<u32>,
    /// Median vein-to-vein (or order-to-release) turnaround.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_turnaround_days: Option<u32>,
    /// Share of batches meeting release specifications, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate_percent: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TechTransfer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_months_min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_months_max: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd_min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd_max: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineering_runs: Option<u32>,
    pub comparability_support: bool,
    pub process_development_services: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftFactors {
    /// ISO 639-1 codes, lower case.
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small_batch_flexibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<String>,
}

/// A section's confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionConfidence {
    pub section: ProfileSection,
    pub confidence: Confidence,
}

/// A CDMO's profile at its current revision. The `ETag` header carries the revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CdmoProfile {
    pub id: String,
    pub organization_id: String,
    /// Whether a platform admin verified the CDMO organisation; unverified CDMOs are
    /// listed but flagged.
    pub organization_verified: bool,
    /// The current revision number, starting at 1.
    pub revision: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Confidence of every section, in section order.
    pub confidence: Vec<SectionConfidence>,
    pub profile: CapabilityProfile,
}

/// One immutable revision of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileRevision {
    pub profile_id: String,
    pub revision: u32,
    /// The user or API key that made the change.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub profile: CapabilityProfile,
}

/// A revision in a listing (without its document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileRevisionSummary {
    pub revision: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One changed field between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// JSON pointer of the changed value, e.g. `/sites/0/closed_processing`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// Field-level differences from revision `against` to revision `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionDiff {
    pub revision: u32,
    pub against: u32,
    pub changes: Vec<FieldChange>,
}

/// Which revision to compare against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DiffParams {
    /// The older revision; defaults to the one before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<u32>,
}

/// A search hit: enough to list and compare, without the whole document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CdmoSummary {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub cdmo_type: CdmoType,
    pub organization_verified: bool,
    pub countries: Vec<String>,
    pub donor_sources: Vec<DonorSource>,
    pub modalities: Vec<Modality>,
    /// The latest phase with at least one programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_phase: Option<Phase>,
    pub revision: u32,
    pub updated_at: DateTime<Utc>,
}

/// Search filters: AND across parameters, OR within a comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CdmoSearch {
    /// Donor sources, e.g. `autologous,allogeneic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<DonorSource>>, style = Form, explode = false))]
    pub donor_source: Option<CommaSeparated<DonorSource>>,
    /// Modalities, e.g. `car_t,nk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<Modality>>, style = Form, explode = false))]
    pub modality: Option<CommaSeparated<Modality>>,
    /// Gene-modification methods, e.g. `lentiviral,transposon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<GeneModificationMethod>>, style = Form, explode = false))]
    pub gene_modification: Option<CommaSeparated<GeneModificationMethod>>,
    /// Minimum phase reached (at least one programme in this phase or a later one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_phase: Option<Phase>,
    /// ISO 3166-1 alpha-2 site countries, e.g. `FR,DE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<String>>, style = Form, explode = false))]
    pub country: Option<CommaSeparated<String>>,
    /// Site regions, e.g. `europe,north_america`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<Region>>, style = Form, explode = false))]
    pub region: Option<CommaSeparated<Region>>,
    /// Cleanroom grades available at a site, e.g. `a,b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<CleanroomGrade>>, style = Form, explode = false))]
    pub cleanroom_grade: Option<CommaSeparated<CleanroomGrade>>,
    /// Only CDMOs with (or without) closed-system processing at a site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_processing: Option<bool>,
    /// Cryogenic storage at or below this temperature, degrees Celsius (e.g. `-150`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryo_max_temp_c: Option<i32>,
    /// Licensing authorities, e.g. `fda,ema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<Authority>>, style = Form, explode = false))]
    pub authority: Option<CommaSeparated<Authority>>,
    /// Licence kinds, e.g. `bla_approved_site,hospital_exemption`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<LicenceKind>>, style = Form, explode = false))]
    pub licence_kind: Option<CommaSeparated<LicenceKind>>,
    /// Platforms, e.g. `clinimacs_prodigy,lonza_cocoon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Vec<Platform>>, style = Form, explode = false))]
    pub platform: Option<CommaSeparated<Platform>>,
    /// Only CDMOs whose organisation a platform admin verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_only: Option<bool>,
    /// Case-insensitive text in the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `name` (default) or `updated` (most recent first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<ProfileSort>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (valid for the same sort).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Evidence for a fact or a section of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewEvidence {
    /// JSON pointer into the profile: a section (`/qc`) or a fact
    /// (`/sites/0/licences/1`). It must exist in the current revision.
    pub subject: String,
    pub kind: EvidenceKind,
    /// Document number, certificate id or registry entry.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// Evidence, with its verification state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub id: String,
    pub profile_id: String,
    pub subject: String,
    pub section: ProfileSection,
    pub kind: EvidenceKind,
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    pub status: EvidenceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// When an edit of the fact reset an earlier verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_reset_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}
