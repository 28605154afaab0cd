//! CDMO capability profiles: the document a CDMO declares, its revisions, its evidence,
//! and search over profiles. Units are in field names (days, months, hours, m2, c for
//! degrees Celsius, l for litres, usd).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::CommaSeparated;

closed_set! {
    /// What kind of manufacturer this is.
    CdmoType {
        /// A commercial contract development and manufacturing organisation.
        CommercialCdmo = "commercial_cdmo",
        /// An academic GMP facility (e.g. a university centre making early-phase batches).
        AcademicGmpCentre = "academic_gmp_centre",
        /// A GMP facility in a hospital that manufactures for trials.
        HospitalGmpCentre = "hospital_gmp_centre",
        /// Manufactures inside a treating hospital (decentralised production).
        PointOfCare = "point_of_care",
    }
}

closed_set! {
    /// EU GMP cleanroom grade (ISO 5 to 8 equivalents).
    CleanroomGrade {
        /// Grade A (ISO 5): critical zone for open aseptic operations.
        A = "a",
        /// Grade B (ISO 5 at rest, ISO 7 in operation): background for grade A.
        B = "b",
        /// Grade C (ISO 7 at rest, ISO 8 in operation).
        C = "c",
        /// Grade D (ISO 8 at rest).
        D = "d",
    }
}

closed_set! {
    /// Regulatory authority.
    Authority {
        /// US Food and Drug Administration.
        Fda = "fda",
        /// European Medicines Agency.
        Ema = "ema",
        /// An EU member-state competent authority (e.g. ANSM, PEI, AEMPS).
        EuMemberState = "eu_member_state",
        /// UK Medicines and Healthcare products Regulatory Agency.
        Mhra = "mhra",
        /// Japan's Pharmaceuticals and Medical Devices Agency.
        Pmda = "pmda",
        /// Health Canada.
        HealthCanada = "health_canada",
        /// Australia's Therapeutic Goods Administration.
        Tga = "tga",
        /// China's National Medical Products Administration.
        Nmpa = "nmpa",
        /// Russia's Federal Service for Surveillance in Healthcare.
        Roszdravnadzor = "roszdravnadzor",
        /// Singapore's Health Sciences Authority.
        Hsa = "hsa",
        /// Any other authority or accrediting body (e.g. FACT, JACIE).
        Other = "other",
    }
}

closed_set! {
    /// Kind of licence, approval or accreditation.
    LicenceKind {
        /// Authorisation to manufacture medicinal products (e.g. an EU MIA).
        ManufacturingAuthorisation = "manufacturing_authorisation",
        /// Licence to manufacture investigational medicinal products for trials.
        ImpLicence = "imp_licence",
        /// A site named in an approved FDA Biologics License Application.
        BlaApprovedSite = "bla_approved_site",
        /// Hospital exemption (or national equivalent) for in-hospital ATMP manufacture.
        HospitalExemption = "hospital_exemption",
        /// FACT or JACIE accreditation for cellular therapy.
        FactJacieAccreditation = "fact_jacie_accreditation",
    }
}

closed_set! {
    /// What a licence authorises at the site.
    LicensedActivity {
        /// Manufacturing the product (including processing and packaging).
        Manufacturing = "manufacturing",
        /// Quality-control testing of the product.
        Testing = "testing",
        /// Batch certification and release (e.g. EU QP certification).
        Release = "release",
    }
}

closed_set! {
    /// Which batches made at a site an authority accepted.
    AcceptedBatches {
        /// Batches for clinical trials (e.g. the FDA accepted batches made outside the US
        /// for an IND; an EU QP certified imported investigational batches).
        ClinicalBatches = "clinical_batches",
        /// Batches for commercial supply of an authorised product.
        CommercialBatches = "commercial_batches",
    }
}

closed_set! {
    /// Outcome of a regulatory inspection.
    InspectionOutcome {
        /// No observations.
        NoFindings = "no_findings",
        /// Minor deficiencies only.
        MinorFindings = "minor_findings",
        /// At least one major deficiency.
        MajorFindings = "major_findings",
        /// At least one critical deficiency.
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
        /// Chimeric antigen receptor T cells.
        CarT = "car_t",
        /// T cells engineered with a T-cell receptor.
        TcrT = "tcr_t",
        /// Tumour-infiltrating lymphocytes.
        Til = "til",
        /// NK and CAR-NK cells.
        Nk = "nk",
        /// Regulatory T cells.
        Treg = "treg",
        /// Gamma-delta T cells.
        GammaDeltaT = "gamma_delta_t",
        /// Gene-modified haematopoietic stem cells.
        GeneModifiedHsc = "gene_modified_hsc",
        /// Mesenchymal stromal (stem) cells.
        Msc = "msc",
        /// Cells derived from induced pluripotent stem cells.
        IpscDerived = "ipsc_derived",
        /// Dendritic cells.
        DendriticCells = "dendritic_cells",
        /// T-cell progenitors.
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
        /// Lentiviral vector transduction.
        Lentiviral = "lentiviral",
        /// Gamma-retroviral vector transduction.
        GammaRetroviral = "gamma_retroviral",
        /// Sleeping Beauty, piggyBac.
        Transposon = "transposon",
        /// CRISPR and other gene editing.
        GeneEditing = "gene_editing",
        /// Transient expression by mRNA electroporation.
        MrnaElectroporation = "mrna_electroporation",
        /// Unmodified cells.
        None = "none",
    }
}

closed_set! {
    /// Where viral vector comes from.
    VectorSupply {
        /// The CDMO makes the vector itself.
        InHouse = "in_house",
        /// From the CDMO's vector partner.
        Partner = "partner",
        /// The sponsor supplies the vector.
        SponsorSupplied = "sponsor_supplied",
    }
}

closed_set! {
    /// Development phase, in order.
    Phase {
        /// Process development and engineering runs, before clinical use.
        ProcessDevelopment = "process_development",
        /// Phase I.
        Phase1 = "phase_1",
        /// Phase I/II.
        Phase1_2 = "phase_1_2",
        /// Phase II.
        Phase2 = "phase_2",
        /// Pivotal.
        Phase3 = "phase_3",
        /// Commercial supply of an approved product.
        Commercial = "commercial",
    }
}

closed_set! {
    /// Manufacturing platform.
    Platform {
        /// Miltenyi CliniMACS Prodigy.
        ClinimacsProdigy = "clinimacs_prodigy",
        /// Lonza Cocoon.
        LonzaCocoon = "lonza_cocoon",
        /// Cellares Cell Shuttle.
        CellaresCellShuttle = "cellares_cell_shuttle",
        /// G-Rex gas-permeable culture vessels.
        GRex = "g_rex",
        /// Rocking-motion (wave) bioreactor.
        RockingMotionBioreactor = "rocking_motion_bioreactor",
        /// Stirred-tank bioreactor.
        StirredTankBioreactor = "stirred_tank_bioreactor",
        /// Another platform, named in `name`.
        Other = "other",
    }
}

closed_set! {
    /// How final containers are filled.
    FillAutomation {
        /// Filled by hand.
        Manual = "manual",
        /// Semi-automated vial or bag filling.
        SemiAutomated = "semi_automated",
        /// Automated vial or bag filling.
        Automated = "automated",
    }
}

closed_set! {
    /// QC assay.
    QcAssay {
        /// Compendial (pharmacopoeia) sterility test.
        CompendialSterility = "compendial_sterility",
        /// Rapid microbiological method for sterility.
        RapidMicrobiology = "rapid_microbiology",
        /// Mycoplasma test.
        Mycoplasma = "mycoplasma",
        /// Bacterial endotoxin test.
        Endotoxin = "endotoxin",
        /// Identity and phenotype by flow cytometry.
        IdentityFlow = "identity_flow",
        /// Potency assay.
        Potency = "potency",
        /// Vector copy number per cell.
        VectorCopyNumber = "vector_copy_number",
        /// Replication-competent lentivirus or retrovirus test.
        ReplicationCompetentVirus = "replication_competent_virus",
    }
}

closed_set! {
    /// World region, for shipping destinations and site filters.
    Region {
        /// Europe, including the UK, Russia and Ukraine.
        Europe = "europe",
        /// United States and Canada (Mexico is in `latin_america`).
        NorthAmerica = "north_america",
        /// Mexico, Central and South America, the Caribbean.
        LatinAmerica = "latin_america",
        /// Asia and Oceania, including Central Asia.
        AsiaPacific = "asia_pacific",
        /// Middle East, including Turkey and the South Caucasus.
        MiddleEast = "middle_east",
        /// Africa, including Egypt.
        Africa = "africa",
    }
}

closed_set! {
    /// Logistics hub coverage.
    HubScope {
        /// Serves its own country or region.
        Local = "local",
        /// Serves destinations worldwide.
        Global = "global",
    }
}

closed_set! {
    /// A top-level section of the profile; evidence and confidence are per section.
    ProfileSection {
        /// `organization`: name, type, years, website, description.
        Organization = "organization",
        /// `sites`: locations, cleanrooms, licences, inspections, batch acceptances.
        Sites = "sites",
        /// `donor_sources`: autologous and allogeneic experience.
        DonorSources = "donor_sources",
        /// `modalities`: product types manufactured.
        Modalities = "modalities",
        /// `gene_modification`: methods and vector supply.
        GeneModification = "gene_modification",
        /// `phases`: track record per phase.
        Phases = "phases",
        /// `platforms`: manufacturing platforms and units.
        Platforms = "platforms",
        /// `automation`: wash, formulation, fill, freezers.
        Automation = "automation",
        /// `quality`: quality system.
        Quality = "quality",
        /// `qc`: QC assays and release.
        Qc = "qc",
        /// `cryo`: cryogenic storage.
        Cryo = "cryo",
        /// `logistics`: shipping, hubs, regions served.
        Logistics = "logistics",
        /// `performance`: duration, turnaround, success rate.
        Performance = "performance",
        /// `tech_transfer`: duration, cost, services.
        TechTransfer = "tech_transfer",
        /// `soft_factors`: self-declared, never carries evidence.
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
        /// A document, e.g. a validation report or quality manual extract.
        Document = "document",
        /// A certificate, e.g. a GMP certificate or licence.
        Certificate = "certificate",
        /// A regulator's inspection report.
        InspectionReport = "inspection_report",
        /// An entry in a public registry, e.g. EudraGMDP.
        ThirdPartyRegistry = "third_party_registry",
    }
}

closed_set! {
    /// Verification state of one evidence item.
    EvidenceStatus {
        /// Not verified by a platform admin (or reset by an edit of the fact).
        Unverified = "unverified",
        /// Verified by a platform admin and not expired.
        Verified = "verified",
        /// Past its `expires_on` date, verified or not.
        Expired = "expired",
    }
}

closed_set! {
    /// Order of search results.
    ProfileSort {
        /// By name.
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
    /// Who the CDMO is.
    pub organization: OrganizationFacts,
    /// At least one site.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub sites: Vec<Site>,
    /// Autologous and/or allogeneic experience; at least one.
    pub donor_sources: DonorSourceExperience,
    /// Modalities manufactured; at least one, no repeats.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub modalities: Vec<Modality>,
    /// Gene-modification methods and vector supply.
    pub gene_modification: GeneModification,
    /// Track record per phase; a phase absent means no experience of it.
    pub phases: Vec<PhaseExperience>,
    /// Manufacturing platforms run.
    pub platforms: Vec<PlatformCapability>,
    /// Supporting automation; `{}` (or absent in a request) when nothing is disclosed.
    #[serde(default)]
    pub automation: Automation,
    /// Quality system; `{}` (or absent in a request) when nothing is disclosed.
    #[serde(default)]
    pub quality: QualitySystem,
    /// QC and release testing.
    pub qc: QualityControl,
    /// Cryogenic storage; `{}` (or absent in a request) when nothing is disclosed.
    #[serde(default)]
    pub cryo: CryoStorage,
    /// Shipping and logistics.
    pub logistics: Logistics,
    /// Process performance; `{}` (or absent in a request) when nothing is disclosed.
    #[serde(default)]
    pub performance: Performance,
    /// Tech transfer into the CDMO; `{}` (or absent in a request) when nothing is
    /// disclosed.
    #[serde(default)]
    pub tech_transfer: TechTransfer,
    /// Self-declared and subjective: shown, never verified, kept apart from facts.
    #[serde(default)]
    pub soft_factors: SoftFactors,
}

/// Who the CDMO is (the `organization` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationFacts {
    /// Public name, 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// What kind of manufacturer this is.
    #[serde(rename = "type")]
    pub cdmo_type: CdmoType,
    /// Years in operation, 0 to 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 200))]
    pub years_in_operation: Option<u32>,
    /// http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub website: Option<String>,
    /// Up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: Option<String>,
}

/// A manufacturing site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    /// Stable key of the site within the profile (`[a-z0-9-]`, 1 to 50), e.g. `lyon-1`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub key: String,
    /// Site name, 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// ISO 3166-1 alpha-2 code, upper case.
    pub country: String,
    /// City, 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub city: String,
    /// Latitude, decimal degrees (-90 to 90); used for distances. Give it with
    /// `longitude`, or leave both out (not disclosed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub latitude: Option<f64>,
    /// Longitude, decimal degrees (-180 to 180); with `latitude`, or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub longitude: Option<f64>,
    /// Cleanroom suites, one entry per grade.
    #[serde(default)]
    pub cleanrooms: Vec<CleanroomSuite>,
    /// Processing in closed systems (can sit in a grade C/D background); absent when
    /// not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_processing: Option<bool>,
    /// Processing in isolators; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolators: Option<bool>,
    /// Licences, approvals and accreditations the site holds.
    #[serde(default)]
    pub licences: Vec<Licence>,
    /// Regulatory inspections of the site.
    #[serde(default)]
    pub inspections: Vec<Inspection>,
    /// Authorities' acceptances of batches made at the site (e.g. the FDA accepting
    /// batches made outside the US for an IND, an EU QP certifying them for an EU trial).
    #[serde(default)]
    pub acceptances: Vec<RegulatoryAcceptance>,
}

/// The cleanroom suites of one grade at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CleanroomSuite {
    /// EU GMP grade.
    pub grade: CleanroomGrade,
    /// Number of suites of this grade, at least 1; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 500))]
    pub count: Option<u32>,
    /// Total area of these suites in square metres; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub area_m2: Option<f64>,
}

/// A licence, approval or accreditation held by a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Licence {
    /// The issuing authority.
    pub authority: Authority,
    /// Kind of licence.
    pub kind: LicenceKind,
    /// What the licence covers, in the licence's own words, e.g. `ATMP manufacture,
    /// somatic cell therapy`. Shown, never matched on (matching reads `coverage`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub scope: String,
    /// What the licence covers, structured: the products (modalities, donor sources) and
    /// the activities it authorises. Absent means not stated (as for licences recorded
    /// before `coverage` existed): such a licence still shows in search by authority and
    /// kind, but never satisfies a licence requirement in matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<LicenceCoverage>,
    /// Date granted; not in the future.
    pub granted_on: NaiveDate,
    /// Expiry date, after `granted_on`; absent when it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// What a licence covers, structured (`Licence.coverage`): the products (by modality and
/// donor source) and the activities it authorises. A licence covers a product when the product's modality and
/// donor source are within its lists and it authorises the activity asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceCoverage {
    /// Modalities covered, no repeats. Empty means not limited by modality (a general
    /// manufacturing authorisation); a hospital exemption granted for one product names
    /// its modality.
    #[serde(default)]
    pub modalities: Vec<Modality>,
    /// Donor sources covered, no repeats. Empty means not limited by donor source.
    #[serde(default)]
    pub donor_sources: Vec<DonorSource>,
    /// Activities authorised: at least one, no repeats.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub activities: Vec<LicensedActivity>,
}

/// An authority's acceptance of batches made at a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegulatoryAcceptance {
    /// The accepting authority.
    pub authority: Authority,
    /// Which batches it accepted.
    pub batches: AcceptedBatches,
    /// Date of the acceptance (e.g. the IND clearance); not in the future.
    pub accepted_on: NaiveDate,
    /// Where it is recorded, e.g. an IND or EudraCT number; up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub reference: Option<String>,
    /// Free text up to 500 characters, e.g. which trial the batches went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub note: Option<String>,
}

/// A regulatory inspection of a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    /// The inspecting authority.
    pub authority: Authority,
    /// Date of the inspection; not in the future.
    pub date: NaiveDate,
    /// What the inspection found.
    pub outcome: InspectionOutcome,
}

/// Experience per donor source; declare at least one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonorSourceExperience {
    /// Autologous experience; absent if none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autologous: Option<AutologousExperience>,
    /// Allogeneic experience; absent if none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allogeneic: Option<AllogeneicExperience>,
}

/// Autologous (patient-specific, scale-out) manufacturing experience. The object's
/// presence declares the experience (`{}` when no figure is disclosed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutologousExperience {
    /// Patient batches manufactured per year at current capacity; absent when not
    /// disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100000))]
    pub batches_per_year: Option<u32>,
}

/// Allogeneic (off-the-shelf, scale-up) manufacturing experience. The object's presence
/// declares the experience (`{}` when no figure is disclosed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllogeneicExperience {
    /// Largest bioreactor working volume, litres (up to about 2,000); absent when not
    /// disclosed, which is not 0 L: matching applies the missing-data policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 5000))]
    pub max_bioreactor_volume_l: Option<f64>,
    /// Typical doses per batch; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000))]
    pub doses_per_batch: Option<u32>,
}

/// Gene-modification capabilities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeneModification {
    /// Methods performed, no repeats (`none`: unmodified cells).
    pub methods: Vec<GeneModificationMethod>,
    /// Where viral vector can come from, no repeats.
    #[serde(default)]
    pub vector_supply: Vec<VectorSupply>,
}

/// Track record in one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseExperience {
    /// The phase; each phase at most once per profile.
    pub phase: Phase,
    /// Programmes supported in this phase.
    #[cfg_attr(feature = "openapi", schema(maximum = 10000))]
    pub programmes: u32,
    /// GMP batches made for this phase; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000))]
    pub gmp_batches: Option<u32>,
}

/// A manufacturing platform the CDMO runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformCapability {
    /// The platform.
    pub platform: Platform,
    /// Required for `other`: the platform's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// Number of units (instruments or vessels), 1 to 10,000; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub units: Option<u32>,
    /// Batches that can run at the same time on these units; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub parallel_batches: Option<u32>,
}

/// Supporting automation (the `automation` section). Each fact is absent when not
/// disclosed (distinct from `false` or 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Automation {
    /// Automated cell wash and concentration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_wash_concentration: Option<bool>,
    /// Automated final formulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_formulation: Option<bool>,
    /// How final containers (vials, bags) are filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<FillAutomation>,
    /// Number of controlled-rate freezers, 0 to 1,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1000))]
    pub controlled_rate_freezers: Option<u32>,
}

/// Quality system elements in place (the `quality` section). Each fact is absent when
/// not disclosed (distinct from `false`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualitySystem {
    /// A quality management system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qms: Option<bool>,
    /// A GMP warehouse for materials and product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmp_warehouse: Option<bool>,
    /// A validation programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_programme: Option<bool>,
    /// A calibration programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_programme: Option<bool>,
}

/// QC and release testing (the `qc` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityControl {
    /// QC assays performed in house, no repeats.
    pub in_house_assays: Vec<QcAssay>,
    /// Typical QC release turnaround, days (0 to 365).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub release_turnaround_days: Option<u32>,
    /// EU Qualified Person release; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qp_release: Option<bool>,
}

/// Cryogenic storage (the `cryo` section). Each fact is absent when not disclosed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CryoStorage {
    /// Lowest storage temperature, degrees Celsius (LN2 vapour phase: about -150 to -190).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = -273, maximum = 25))]
    pub min_storage_temp_c: Option<i32>,
    /// Storage positions available (e.g. bags or vials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_positions: Option<u32>,
    /// Controlled-rate freezing of product in house.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controlled_rate_freezing: Option<bool>,
}

/// Shipping and logistics (the `logistics` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Logistics {
    /// Hours from release to a shipment leaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1440))]
    pub shipping_lead_time_hours: Option<u32>,
    /// Logistics hubs used.
    #[serde(default)]
    pub hubs: Vec<LogisticsHub>,
    /// Regions the CDMO ships to, no repeats.
    pub regions_served: Vec<Region>,
    /// Chain of identity and custody tracked end to end; absent when not disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_of_custody: Option<bool>,
}

/// A logistics hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogisticsHub {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Local or global coverage.
    pub scope: HubScope,
}

/// Process performance, as declared (the `performance` section). Each fact is absent
/// when not disclosed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Performance {
    /// Manufacturing process duration, days (0 to 365).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub process_duration_days: Option<u32>,
    /// Median vein-to-vein (or order-to-release) turnaround.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub median_turnaround_days: Option<u32>,
    /// Share of batches meeting release specifications, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub success_rate_percent: Option<f64>,
}

/// Tech transfer into the CDMO (the `tech_transfer` section). Each fact is absent when
/// not disclosed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TechTransfer {
    /// Shortest typical transfer, months (0 to 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 120))]
    pub duration_months_min: Option<u32>,
    /// Longest typical transfer, months (0 to 120); not below the minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 120))]
    pub duration_months_max: Option<u32>,
    /// Lowest typical transfer cost, USD, at most 1,000,000,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000000))]
    pub cost_usd_min: Option<u64>,
    /// Highest typical transfer cost, USD, at most 1,000,000,000; not below the minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000000))]
    pub cost_usd_max: Option<u64>,
    /// Engineering runs in a typical transfer, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub engineering_runs: Option<u32>,
    /// Supports comparability studies after process changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparability_support: Option<bool>,
    /// Offers process development services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_development_services: Option<bool>,
}

/// Subjective, self-declared factors (the `soft_factors` section); never verified.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftFactors {
    /// ISO 639-1 codes, lower case.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Flexibility for small early-phase batches, free text up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub small_batch_flexibility: Option<String>,
    /// How the CDMO communicates with sponsors, free text up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub communication: Option<String>,
}

/// A section's confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionConfidence {
    /// The profile section.
    pub section: ProfileSection,
    /// How far its facts can be trusted.
    pub confidence: Confidence,
}

/// A CDMO's profile at its current revision. The `ETag` header carries the revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CdmoProfile {
    /// Profile id (server-assigned), as in `/v1/cdmos/{id}`.
    pub id: String,
    /// The CDMO organisation that owns the profile.
    pub organization_id: String,
    /// Whether a platform admin verified the CDMO organisation; unverified CDMOs are
    /// listed but flagged.
    pub organization_verified: bool,
    /// The current revision number, starting at 1.
    pub revision: u32,
    /// When the profile was created (revision 1).
    pub created_at: DateTime<Utc>,
    /// When the current revision was made.
    pub updated_at: DateTime<Utc>,
    /// Confidence of every section, in section order.
    pub confidence: Vec<SectionConfidence>,
    /// Field paths of the facts the profile does not disclose, in document order, e.g.
    /// `sites[0].isolators` or `donor_sources.allogeneic.max_bioreactor_volume_l`.
    /// Matching treats each through the criterion's missing-data policy, and a hard
    /// constraint on one fails with "not disclosed". Not listed: free text
    /// (`organization.website`, `organization.description`, soft factors) and fields
    /// whose absence has its own meaning (an absent donor source is no experience, an
    /// absent licence `expires_on` no expiry, an absent platform `name` a listed platform).
    // Always sent by the server; default only so an SDK reading an older server decodes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub undisclosed: Vec<String>,
    /// Whether the profile is on the market (its CDMO may unlist it).
    pub listing: super::ProfileListing,
    /// The document at the current revision.
    pub profile: CapabilityProfile,
}

/// One immutable revision of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileRevision {
    /// The profile this revision belongs to.
    pub profile_id: String,
    /// Revision number, from 1.
    pub revision: u32,
    /// The user or API key that made the change.
    pub created_by: String,
    /// When the revision was made.
    pub created_at: DateTime<Utc>,
    /// The document as of this revision.
    pub profile: CapabilityProfile,
}

/// A revision in a listing (without its document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileRevisionSummary {
    /// Revision number, from 1.
    pub revision: u32,
    /// The user or API key that made the change.
    pub created_by: String,
    /// When the revision was made.
    pub created_at: DateTime<Utc>,
}

/// One changed field between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// JSON pointer of the changed value, e.g. `/sites/0/closed_processing`.
    pub path: String,
    /// The value before; absent when it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// The value after; absent when it was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// Field-level differences from revision `against` to revision `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionDiff {
    /// The newer revision.
    pub revision: u32,
    /// The older revision it is compared with.
    pub against: u32,
    /// Every changed value (arrays compared by position).
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
    /// Profile id.
    pub id: String,
    /// The CDMO organisation.
    pub organization_id: String,
    /// The CDMO's public name.
    pub name: String,
    /// What kind of manufacturer this is.
    pub cdmo_type: CdmoType,
    /// Whether a platform admin verified the CDMO organisation.
    pub organization_verified: bool,
    /// Distinct site countries (ISO 3166-1 alpha-2), in site order.
    pub countries: Vec<String>,
    /// Donor sources with declared experience.
    pub donor_sources: Vec<DonorSource>,
    /// Modalities manufactured.
    pub modalities: Vec<Modality>,
    /// The latest phase with at least one programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_phase: Option<Phase>,
    /// The current revision number.
    pub revision: u32,
    /// When the current revision was made.
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
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub q: Option<String>,
    /// `name` (default) or `updated` (most recent first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<ProfileSort>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
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
    /// Kind of evidence.
    pub kind: EvidenceKind,
    /// Document number, certificate id or registry entry.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reference: String,
    /// Where the evidence can be read: an http(s) URL, at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub url: Option<String>,
    /// When the evidence stops being valid; absent if it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// Evidence, with its verification state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    /// Evidence id (server-assigned).
    pub id: String,
    /// The profile the evidence is for.
    pub profile_id: String,
    /// JSON pointer into the profile of the fact or section it backs.
    pub subject: String,
    /// The section `subject` falls in.
    pub section: ProfileSection,
    /// Kind of evidence.
    pub kind: EvidenceKind,
    /// Document number, certificate id or registry entry.
    pub reference: String,
    /// Where the evidence can be read; absent when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the evidence stops being valid; absent if it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// Verification state as of today.
    pub status: EvidenceStatus,
    /// Id of the platform admin (user or API key) that verified it; absent while unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
    /// When it was verified; absent while unverified, and cleared when an edit resets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// When an edit of the fact reset an earlier verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_reset_at: Option<DateTime<Utc>>,
    /// The user or API key that added it.
    pub created_by: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}
