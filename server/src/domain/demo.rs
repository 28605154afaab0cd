//! Demo and benchmark data: about forty hand-written fictional CDMOs (among them anchors
//! that give the "Scenarios from the field" of the domain reference clear right answers
//! and near misses), a few fictional sponsors, and a deterministic generator of
//! synthetic profiles for benchmarks.
//!
//! Pure code: no clock, no database, no external randomness. Every name is invented;
//! cities and coordinates are real. All dates lie on or before 2026-01-01.

use cdmx_sdk::types::*;
use chrono::NaiveDate;

use super::geo::region_of;

/// A demo CDMO: its organisation name, whether the platform has verified it, its profile.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCdmo {
    pub organization_name: String,
    pub verified: bool,
    pub profile: CapabilityProfile,
}

/// A demo sponsor organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSponsor {
    pub name: String,
}

// ---------------------------------------------------------------------------------------
// Small helpers shared by the hand-written data and the generator.
// ---------------------------------------------------------------------------------------

/// A date from known-valid constants. An impossible date falls back to the earliest
/// representable one (in the past, so still valid); the tests check no demo date does.
fn ymd((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Lower-case ASCII slug of a name, for site keys and `.example` web addresses.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c != '\'' && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// EU member states (their competent authorities license ATMP manufacture).
const EU_MEMBERS: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

fn in_eu(country: &str) -> bool {
    EU_MEMBERS.contains(&country)
}

/// Whether a Qualified Person releases batches at a site in this country (EU and UK).
fn has_qp(country: &str) -> bool {
    in_eu(country) || country == "GB"
}

/// The authority that licenses manufacture in a country.
fn national_authority(country: &str) -> Authority {
    match country {
        "US" => Authority::Fda,
        "GB" => Authority::Mhra,
        "JP" => Authority::Pmda,
        "CA" => Authority::HealthCanada,
        "AU" => Authority::Tga,
        "CN" => Authority::Nmpa,
        "SG" => Authority::Hsa,
        c if in_eu(c) => Authority::EuMemberState,
        _ => Authority::Other,
    }
}

/// Working languages of a CDMO in a country (ISO 639-1).
fn languages_of(country: &str) -> &'static [&'static str] {
    match country {
        "FR" => &["fr", "en"],
        "DE" | "AT" => &["de", "en"],
        "CH" => &["fr", "de", "en"],
        "BE" => &["nl", "fr", "en"],
        "NL" => &["nl", "en"],
        "ES" => &["es", "en"],
        "IT" => &["it", "en"],
        "SE" => &["sv", "en"],
        "DK" => &["da", "en"],
        "JP" => &["ja", "en"],
        "KR" => &["ko", "en"],
        "CN" => &["zh", "en"],
        "IL" => &["he", "en"],
        "BR" => &["pt", "en"],
        "CA" => &["en", "fr"],
        _ => &["en"],
    }
}

// ---------------------------------------------------------------------------------------
// Builders for the hand-written profiles.
// ---------------------------------------------------------------------------------------

/// A site under construction.
struct SiteDraft(Site);

fn site(key: &str, name: &str, country: &str, city: &str, lat: f64, lon: f64) -> SiteDraft {
    SiteDraft(Site {
        key: key.into(),
        name: name.into(),
        country: country.into(),
        city: city.into(),
        latitude: lat,
        longitude: lon,
        cleanrooms: Vec::new(),
        closed_processing: false,
        isolators: false,
        licences: Vec::new(),
        inspections: Vec::new(),
    })
}

impl SiteDraft {
    /// Cleanroom suites: (grade, number of suites, total area in m2).
    fn rooms(mut self, rooms: &[(CleanroomGrade, u32, f64)]) -> Self {
        self.0.cleanrooms = rooms
            .iter()
            .map(|&(grade, count, area_m2)| CleanroomSuite {
                grade,
                count,
                area_m2,
            })
            .collect();
        self
    }

    /// Processing in closed systems.
    fn closed(mut self) -> Self {
        self.0.closed_processing = true;
        self
    }

    fn isolators(mut self) -> Self {
        self.0.isolators = true;
        self
    }

    fn licence(
        mut self,
        authority: Authority,
        kind: LicenceKind,
        scope: &str,
        granted: (i32, u32, u32),
    ) -> Self {
        self.0.licences.push(Licence {
            authority,
            kind,
            scope: scope.into(),
            granted_on: ymd(granted),
            expires_on: None,
        });
        self
    }

    /// A FACT or JACIE accreditation (granted by the accrediting body, not an authority).
    fn accreditation(
        mut self,
        scope: &str,
        granted: (i32, u32, u32),
        expires: (i32, u32, u32),
    ) -> Self {
        self.0.licences.push(Licence {
            authority: Authority::Other,
            kind: LicenceKind::FactJacieAccreditation,
            scope: scope.into(),
            granted_on: ymd(granted),
            expires_on: Some(ymd(expires)),
        });
        self
    }

    fn inspected(
        mut self,
        authority: Authority,
        date: (i32, u32, u32),
        outcome: InspectionOutcome,
    ) -> Self {
        self.0.inspections.push(Inspection {
            authority,
            date: ymd(date),
            outcome,
        });
        self
    }
}

/// A demo CDMO under construction: defaults that fit its type and home country, then
/// the facts that make it what it is.
struct Draft {
    verified: bool,
    profile: CapabilityProfile,
}

impl Draft {
    fn new(name: &str, kind: CdmoType, years: u32, first: SiteDraft) -> Self {
        let country = first.0.country.clone();
        let home: Vec<Region> = region_of(&country).into_iter().collect();
        let (automation, assays, release_days, cryo_c, positions, ship_h) = match kind {
            CdmoType::CommercialCdmo => (
                (true, true, FillAutomation::SemiAutomated, 4),
                &[
                    QcAssay::CompendialSterility,
                    QcAssay::Mycoplasma,
                    QcAssay::Endotoxin,
                    QcAssay::IdentityFlow,
                    QcAssay::Potency,
                ][..],
                7,
                -180,
                5_000,
                Some(24),
            ),
            CdmoType::AcademicGmpCentre | CdmoType::HospitalGmpCentre => (
                (false, false, FillAutomation::Manual, 1),
                &[
                    QcAssay::CompendialSterility,
                    QcAssay::Mycoplasma,
                    QcAssay::Endotoxin,
                    QcAssay::IdentityFlow,
                ][..],
                10,
                -160,
                1_500,
                Some(48),
            ),
            // Point of care (the server never decodes an unknown type).
            _ => (
                (true, true, FillAutomation::Manual, 1),
                &[
                    QcAssay::RapidMicrobiology,
                    QcAssay::Mycoplasma,
                    QcAssay::Endotoxin,
                    QcAssay::IdentityFlow,
                ][..],
                3,
                -150,
                300,
                None,
            ),
        };
        let (performance, tech_transfer) = match kind {
            CdmoType::CommercialCdmo => {
                ((10, 18, 95.0), (9, 15, 1_000_000, 3_000_000, 2, true, true))
            }
            CdmoType::AcademicGmpCentre => {
                ((12, 21, 90.0), (6, 12, 300_000, 900_000, 1, false, true))
            }
            CdmoType::HospitalGmpCentre => {
                ((11, 20, 91.0), (6, 10, 300_000, 800_000, 1, false, false))
            }
            // Point of care (the server never decodes an unknown type).
            _ => ((9, 13, 93.0), (6, 9, 300_000, 600_000, 1, false, false)),
        };
        let profile = CapabilityProfile {
            organization: OrganizationFacts {
                name: name.into(),
                cdmo_type: kind,
                years_in_operation: Some(years),
                website: Some(format!("https://www.{}.example", slug(name))),
                description: None,
            },
            sites: vec![first.0],
            donor_sources: DonorSourceExperience::default(),
            modalities: Vec::new(),
            gene_modification: GeneModification {
                methods: vec![GeneModificationMethod::None],
                vector_supply: Vec::new(),
            },
            phases: Vec::new(),
            platforms: Vec::new(),
            automation: Automation {
                automated_wash_concentration: automation.0,
                automated_formulation: automation.1,
                fill: automation.2,
                controlled_rate_freezers: automation.3,
            },
            quality: QualitySystem {
                qms: true,
                gmp_warehouse: true,
                validation_programme: true,
                calibration_programme: true,
            },
            qc: QualityControl {
                in_house_assays: assays.to_vec(),
                release_turnaround_days: Some(release_days),
                qp_release: has_qp(&country),
            },
            cryo: CryoStorage {
                min_storage_temp_c: Some(cryo_c),
                storage_positions: Some(positions),
                controlled_rate_freezing: true,
            },
            logistics: Logistics {
                shipping_lead_time_hours: ship_h,
                hubs: Vec::new(),
                regions_served: home,
                chain_of_custody: true,
            },
            performance: Performance {
                process_duration_days: Some(performance.0),
                median_turnaround_days: Some(performance.1),
                success_rate_percent: Some(performance.2),
            },
            tech_transfer: TechTransfer {
                duration_months_min: Some(tech_transfer.0),
                duration_months_max: Some(tech_transfer.1),
                cost_usd_min: Some(tech_transfer.2),
                cost_usd_max: Some(tech_transfer.3),
                engineering_runs: Some(tech_transfer.4),
                comparability_support: tech_transfer.5,
                process_development_services: tech_transfer.6,
            },
            soft_factors: SoftFactors {
                languages: languages_of(&country)
                    .iter()
                    .map(|l| (*l).to_owned())
                    .collect(),
                small_batch_flexibility: None,
                communication: None,
            },
        };
        Self {
            verified: true,
            profile,
        }
    }

    fn unverified(mut self) -> Self {
        self.verified = false;
        self
    }

    fn about(mut self, description: &str) -> Self {
        self.profile.organization.description = Some(description.into());
        self
    }

    fn site(mut self, site: SiteDraft) -> Self {
        self.profile.sites.push(site.0);
        self
    }

    /// Autologous experience: patient batches per year at current capacity.
    fn auto(mut self, batches_per_year: u32) -> Self {
        self.profile.donor_sources.autologous = Some(AutologousExperience { batches_per_year });
        self
    }

    /// Allogeneic experience: largest bioreactor (litres), typical doses per batch.
    fn allo(mut self, max_bioreactor_volume_l: f64, doses_per_batch: u32) -> Self {
        self.profile.donor_sources.allogeneic = Some(AllogeneicExperience {
            max_bioreactor_volume_l,
            doses_per_batch,
        });
        self
    }

    fn modalities(mut self, modalities: &[Modality]) -> Self {
        self.profile.modalities = modalities.to_vec();
        self
    }

    fn genes(mut self, methods: &[GeneModificationMethod], supply: &[VectorSupply]) -> Self {
        self.profile.gene_modification = GeneModification {
            methods: methods.to_vec(),
            vector_supply: supply.to_vec(),
        };
        self
    }

    /// Track record: (phase, programmes, GMP batches).
    fn phases(mut self, phases: &[(Phase, u32, u32)]) -> Self {
        self.profile.phases = phases
            .iter()
            .map(|&(phase, programmes, gmp_batches)| PhaseExperience {
                phase,
                programmes,
                gmp_batches,
            })
            .collect();
        self
    }

    fn platform(mut self, platform: Platform, units: u32, parallel_batches: u32) -> Self {
        self.profile.platforms.push(PlatformCapability {
            platform,
            name: None,
            units,
            parallel_batches,
        });
        self
    }

    fn other_platform(mut self, name: &str, units: u32, parallel_batches: u32) -> Self {
        self.profile.platforms.push(PlatformCapability {
            platform: Platform::Other,
            name: Some(name.into()),
            units,
            parallel_batches,
        });
        self
    }

    fn automation(
        mut self,
        wash: bool,
        formulation: bool,
        fill: FillAutomation,
        freezers: u32,
    ) -> Self {
        self.profile.automation = Automation {
            automated_wash_concentration: wash,
            automated_formulation: formulation,
            fill,
            controlled_rate_freezers: freezers,
        };
        self.profile.cryo.controlled_rate_freezing = freezers > 0;
        self
    }

    fn quality(mut self, qms: bool, warehouse: bool, validation: bool, calibration: bool) -> Self {
        self.profile.quality = QualitySystem {
            qms,
            gmp_warehouse: warehouse,
            validation_programme: validation,
            calibration_programme: calibration,
        };
        self
    }

    fn qc(mut self, assays: &[QcAssay], release_turnaround_days: u32) -> Self {
        self.profile.qc.in_house_assays = assays.to_vec();
        self.profile.qc.release_turnaround_days = Some(release_turnaround_days);
        self
    }

    /// Lowest storage temperature (degrees Celsius) and storage positions.
    fn cryo(mut self, min_storage_temp_c: i32, positions: u32) -> Self {
        self.profile.cryo.min_storage_temp_c = Some(min_storage_temp_c);
        self.profile.cryo.storage_positions = Some(positions);
        self
    }

    /// Shipping lead time (hours after release) and destination regions.
    fn ships(mut self, lead_time_hours: Option<u32>, regions: &[Region]) -> Self {
        self.profile.logistics.shipping_lead_time_hours = lead_time_hours;
        self.profile.logistics.regions_served = regions.to_vec();
        self
    }

    fn hub(mut self, country: &str, scope: HubScope) -> Self {
        self.profile.logistics.hubs.push(LogisticsHub {
            country: country.into(),
            scope,
        });
        self
    }

    /// Process duration and median turnaround (days), success rate (percent).
    fn performance(
        mut self,
        process_days: u32,
        turnaround_days: u32,
        success_percent: f64,
    ) -> Self {
        self.profile.performance = Performance {
            process_duration_days: Some(process_days),
            median_turnaround_days: Some(turnaround_days),
            success_rate_percent: Some(success_percent),
        };
        self
    }

    /// Tech transfer: months (min, max), cost in USD (min, max), engineering runs,
    /// comparability support, process development services.
    fn transfer(
        mut self,
        months: (u32, u32),
        cost_usd: (u64, u64),
        engineering_runs: u32,
        comparability: bool,
        process_development: bool,
    ) -> Self {
        self.profile.tech_transfer = TechTransfer {
            duration_months_min: Some(months.0),
            duration_months_max: Some(months.1),
            cost_usd_min: Some(cost_usd.0),
            cost_usd_max: Some(cost_usd.1),
            engineering_runs: Some(engineering_runs),
            comparability_support: comparability,
            process_development_services: process_development,
        };
        self
    }

    fn flexibility(mut self, text: &str) -> Self {
        self.profile.soft_factors.small_batch_flexibility = Some(text.into());
        self
    }

    fn communication(mut self, text: &str) -> Self {
        self.profile.soft_factors.communication = Some(text.into());
        self
    }

    fn build(self) -> DemoCdmo {
        DemoCdmo {
            organization_name: self.profile.organization.name.clone(),
            verified: self.verified,
            profile: self.profile,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The hand-written catalogue.
// ---------------------------------------------------------------------------------------

/// The deterministic demo data set: about 40 fictional CDMOs.
pub fn demo_cdmos() -> Vec<DemoCdmo> {
    catalogue::commercial()
        .into_iter()
        .chain(catalogue::academic())
        .chain(catalogue::hospital())
        .chain(catalogue::point_of_care())
        .map(Draft::build)
        .collect()
}

/// A few fictional sponsor organisations (3 to 5).
pub fn demo_sponsors() -> Vec<DemoSponsor> {
    [
        // Allogeneic CAR-T developer looking for an industrial partner (scenario 1).
        "Lumenvia Therapeutics",
        // French biotech with a T-cell progenitor product in Phase I/II (scenario 2).
        "Thymelle Biotherapies",
        // Sponsor with a six-point checklist before signing (scenario 3).
        "Northgate Oncology",
        // Academic group with a lentiviral gene therapy for RAG1-SCID (scenario 4).
        "Bellweather Paediatric Immunology Group",
    ]
    .into_iter()
    .map(|name| DemoSponsor { name: name.into() })
    .collect()
}

mod catalogue {
    use super::*;
    use Authority::*;
    use CdmoType::*;
    use CleanroomGrade::*;
    use FillAutomation::*;
    use GeneModificationMethod as Gm;
    use HubScope::*;
    use InspectionOutcome::*;
    use LicenceKind::*;
    use Modality::*;
    use Phase::*;
    use QcAssay::*;
    use Region::*;
    use VectorSupply::*;

    const ALL_ASSAYS: &[QcAssay] = &[
        CompendialSterility,
        RapidMicrobiology,
        Mycoplasma,
        Endotoxin,
        IdentityFlow,
        Potency,
        VectorCopyNumber,
        ReplicationCompetentVirus,
    ];

    pub(super) fn commercial() -> Vec<Draft> {
        vec![
            // Scenario 1 (allogeneic CAR-T industrial partner) and scenario 3 (six-point
            // checklist): stirred-tank scale-up to 500 L, Phase 3 and commercial supply,
            // FDA BLA-approved US site plus an EU site named in an EMA marketing
            // authorisation, A/B suites with closed systems, fully automated fill,
            // LN2 vapour storage at -190 C, shipping within 6 hours, global hubs.
            Draft::new(
                "Tessaric Biomanufacturing",
                CommercialCdmo,
                18,
                site("philadelphia-1", "Navy Yard Campus", "US", "Philadelphia", 39.8951, -75.1743)
                    .rooms(&[(A, 6, 90.0), (B, 6, 720.0), (C, 8, 1_100.0), (D, 4, 900.0)])
                    .closed()
                    .isolators()
                    .licence(Fda, BlaApprovedSite, "Commercial manufacture of autologous and allogeneic CAR-T drug product", (2021, 8, 16))
                    .inspected(Fda, (2021, 5, 10), NoFindings)
                    .inspected(Fda, (2024, 3, 12), MinorFindings),
            )
            .site(
                site("leiden-1", "Leiden Bio Science Park", "NL", "Leiden", 52.1676, 4.4800)
                    .rooms(&[(A, 4, 60.0), (B, 4, 480.0), (C, 6, 700.0)])
                    .closed()
                    .isolators()
                    .licence(EuMemberState, ManufacturingAuthorisation, "ATMP manufacture, import and QP certification (IGJ)", (2017, 2, 1))
                    .licence(Ema, ManufacturingAuthorisation, "Named manufacturing site of a centrally authorised CAR-T medicine", (2022, 11, 3))
                    .inspected(EuMemberState, (2022, 6, 14), NoFindings)
                    .inspected(EuMemberState, (2025, 4, 8), MinorFindings),
            )
            .about("Industrial cell therapy CDMO running autologous scale-out and allogeneic scale-up under one quality system in the US and the Netherlands, from process development to commercial supply.")
            .auto(900)
            .allo(500.0, 400)
            .modalities(&[CarT, TcrT, Nk, GammaDeltaT])
            .genes(&[Gm::Lentiviral, Gm::GeneEditing, Gm::MrnaElectroporation], &[InHouse, Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 40, 60), (Phase1, 28, 310), (Phase1_2, 14, 190), (Phase2, 9, 240), (Phase3, 4, 380), (Commercial, 2, 2_100)])
            .platform(Platform::ClinimacsProdigy, 24, 24)
            .platform(Platform::LonzaCocoon, 16, 16)
            .platform(Platform::StirredTankBioreactor, 6, 3)
            .platform(Platform::RockingMotionBioreactor, 10, 10)
            .automation(true, true, Automated, 12)
            .qc(ALL_ASSAYS, 6)
            .cryo(-190, 40_000)
            .ships(Some(6), &[NorthAmerica, Europe, AsiaPacific, MiddleEast, LatinAmerica])
            .hub("US", Global)
            .hub("NL", Global)
            .hub("SG", Global)
            .performance(10, 16, 97.2)
            .transfer((12, 18), (2_000_000, 4_500_000), 3, true, true)
            .communication("Dedicated programme manager, weekly joint operations review, batch records shared within 48 hours of release."),
            // Scenario 1 (allogeneic CAR-T industrial partner): 2,000 L stirred tanks,
            // thousands of doses per batch, Phase 3 and commercial, -196 C, global hubs
            // on three continents.
            Draft::new(
                "Aldermoor Cell Industries",
                CommercialCdmo,
                11,
                site("stevenage-1", "Stevenage Manufacturing Centre", "GB", "Stevenage", 51.9038, -0.1966)
                    .rooms(&[(A, 4, 60.0), (B, 4, 400.0), (C, 10, 1_600.0)])
                    .closed()
                    .licence(Mhra, ManufacturingAuthorisation, "MIA and MIA(IMP): allogeneic cell therapy drug substance and drug product", (2016, 9, 1))
                    .inspected(Mhra, (2023, 1, 24), NoFindings),
            )
            .site(
                site("durham-1", "Research Triangle Plant", "US", "Durham", 35.9940, -78.8986)
                    .rooms(&[(B, 2, 200.0), (C, 8, 1_400.0), (D, 4, 600.0)])
                    .closed()
                    .licence(Fda, BlaApprovedSite, "Allogeneic cell therapy drug substance and drug product", (2023, 10, 2))
                    .inspected(Fda, (2023, 6, 20), MinorFindings),
            )
            .about("Allogeneic specialist: donor cell banks, stirred-tank expansion up to 2,000 L and cryopreserved off-the-shelf inventory for late-stage trials and market supply.")
            .allo(2_000.0, 2_500)
            .modalities(&[CarT, Nk, Msc, IpscDerived])
            .genes(&[Gm::Lentiviral, Gm::GeneEditing], &[InHouse, Partner])
            .phases(&[(ProcessDevelopment, 22, 40), (Phase1, 12, 40), (Phase1_2, 8, 30), (Phase2, 6, 28), (Phase3, 3, 36), (Commercial, 1, 60)])
            .platform(Platform::StirredTankBioreactor, 8, 4)
            .platform(Platform::RockingMotionBioreactor, 12, 12)
            .automation(true, true, Automated, 10)
            .qc(ALL_ASSAYS, 8)
            .cryo(-196, 60_000)
            .ships(Some(12), &[Europe, NorthAmerica, AsiaPacific, MiddleEast])
            .hub("GB", Global)
            .hub("US", Global)
            .hub("JP", Global)
            .performance(21, 25, 96.1)
            .transfer((12, 24), (2_500_000, 5_000_000), 3, true, true),
            // Scenario 1 near miss: allogeneic stirred-tank scale-up and multi-region
            // shipping, but its track record stops at Phase 2.
            Draft::new(
                "Quillon Cell Manufacturing",
                CommercialCdmo,
                7,
                site("marburg-1", "Marburg Behring Park", "DE", "Marburg", 50.8021, 8.7667)
                    .rooms(&[(A, 2, 30.0), (B, 2, 220.0), (C, 4, 500.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "ATMP manufacture (Regierungspraesidium Giessen)", (2019, 5, 6))
                    .inspected(EuMemberState, (2024, 10, 1), NoFindings),
            )
            .about("Allogeneic CAR-NK and CAR-T scale-up in 200 L stirred tanks for early and mid-stage trials.")
            .allo(200.0, 150)
            .modalities(&[Nk, CarT])
            .genes(&[Gm::Lentiviral, Gm::Transposon], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 10, 20), (Phase1, 6, 30), (Phase1_2, 4, 22), (Phase2, 2, 18)])
            .platform(Platform::StirredTankBioreactor, 3, 2)
            .platform(Platform::RockingMotionBioreactor, 6, 6)
            .automation(true, true, SemiAutomated, 4)
            .cryo(-180, 12_000)
            .ships(Some(24), &[Europe, NorthAmerica])
            .hub("DE", Global)
            .performance(18, 22, 93.5)
            .transfer((9, 15), (1_200_000, 2_800_000), 2, true, true),
            // Scenario 1 near miss: allogeneic NK at 500 L with one Phase 3 programme, but
            // no commercial supply and shipping to Asia-Pacific only through a local hub.
            Draft::new(
                "Orvanta Biologics",
                CommercialCdmo,
                9,
                site("incheon-1", "Songdo Bio Cluster", "KR", "Incheon", 37.3826, 126.6566)
                    .rooms(&[(A, 2, 40.0), (B, 2, 260.0), (C, 6, 900.0)])
                    .closed()
                    .licence(Other, ManufacturingAuthorisation, "MFDS advanced regenerative bio-products manufacturing licence", (2018, 7, 2))
                    .inspected(Other, (2024, 5, 21), MinorFindings),
            )
            .allo(500.0, 800)
            .modalities(&[Nk, CarT])
            .genes(&[Gm::Lentiviral, Gm::MrnaElectroporation], &[Partner])
            .phases(&[(ProcessDevelopment, 12, 20), (Phase1, 7, 40), (Phase1_2, 4, 30), (Phase2, 3, 36), (Phase3, 1, 24)])
            .platform(Platform::StirredTankBioreactor, 4, 2)
            .platform(Platform::GRex, 20, 20)
            .automation(true, true, Automated, 6)
            .cryo(-180, 20_000)
            .ships(Some(24), &[AsiaPacific])
            .hub("KR", Local)
            .performance(16, 21, 95.4)
            .transfer((9, 18), (1_500_000, 3_500_000), 2, true, true),
            // Scenario 3 (six-point checklist): Phase 3 and commercial, FDA BLA site and
            // EU authorisations, QMS and GMP warehouse, A/B suites with closed systems,
            // automated wash, formulation and fill, -180 C, shipping within 8 hours.
            Draft::new(
                "Corvane Biologics",
                CommercialCdmo,
                14,
                site("gosselies-1", "Biopark Gosselies", "BE", "Gosselies", 50.4667, 4.4333)
                    .rooms(&[(A, 4, 64.0), (B, 4, 420.0), (C, 6, 800.0)])
                    .closed()
                    .isolators()
                    .licence(EuMemberState, ManufacturingAuthorisation, "FAMHP manufacturing authorisation: ATMPs, QP certification", (2015, 5, 4))
                    .licence(Ema, ManufacturingAuthorisation, "Named manufacturing site in an EU marketing authorisation (CAR-T)", (2023, 2, 17))
                    .inspected(EuMemberState, (2024, 2, 6), NoFindings),
            )
            .site(
                site("rockville-1", "Rockville Cell Therapy Plant", "US", "Rockville", 39.0840, -77.1528)
                    .rooms(&[(A, 2, 30.0), (B, 2, 210.0), (C, 6, 900.0), (D, 2, 300.0)])
                    .closed()
                    .licence(Fda, BlaApprovedSite, "CAR-T drug product manufacture for a licensed product", (2024, 7, 9))
                    .inspected(Fda, (2024, 4, 15), NoFindings),
            )
            .about("Transatlantic autologous CAR-T CDMO with a validated, fully automated fill-finish line and a GMP warehouse at each site.")
            .auto(600)
            .allo(50.0, 60)
            .modalities(&[CarT, TcrT, Til])
            .genes(&[Gm::Lentiviral, Gm::GammaRetroviral], &[InHouse, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 30, 45), (Phase1, 18, 150), (Phase1_2, 9, 110), (Phase2, 7, 150), (Phase3, 3, 210), (Commercial, 1, 700)])
            .platform(Platform::ClinimacsProdigy, 20, 20)
            .platform(Platform::GRex, 40, 20)
            .platform(Platform::RockingMotionBioreactor, 6, 6)
            .automation(true, true, Automated, 8)
            .qc(ALL_ASSAYS, 5)
            .cryo(-180, 25_000)
            .ships(Some(8), &[Europe, NorthAmerica, MiddleEast])
            .hub("BE", Global)
            .hub("US", Global)
            .performance(9, 15, 96.8)
            .transfer((10, 16), (1_800_000, 3_800_000), 3, true, true)
            .flexibility("Reserves two suites for Phase I/II sponsors; batch slots can move at four weeks' notice.")
            .communication("Named project lead on each side of the Atlantic; sponsor dashboard with batch status and deviations."),
            // Scenario 3 near miss: meets the checklist except the FDA licence (EU only).
            Draft::new(
                "Bellcourt Advanced Therapies",
                CommercialCdmo,
                12,
                site("barcelona-1", "Parc Cientific Barcelona", "ES", "Barcelona", 41.3874, 2.1686)
                    .rooms(&[(A, 3, 45.0), (B, 3, 300.0), (C, 4, 420.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "AEMPS manufacturing authorisation: somatic cell therapy and gene therapy medicinal products", (2014, 3, 10))
                    .inspected(EuMemberState, (2023, 11, 7), NoFindings),
            )
            .auto(350)
            .modalities(&[CarT, Til, TcrT])
            .genes(&[Gm::Lentiviral], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 12, 20), (Phase1, 9, 70), (Phase1_2, 6, 55), (Phase2, 4, 60), (Phase3, 2, 90)])
            .platform(Platform::ClinimacsProdigy, 10, 10)
            .platform(Platform::GRex, 16, 8)
            .automation(true, true, Automated, 5)
            .qc(&[CompendialSterility, RapidMicrobiology, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber], 6)
            .cryo(-180, 8_000)
            .ships(Some(12), &[Europe, LatinAmerica])
            .hub("ES", Global)
            .performance(11, 17, 95.9)
            .transfer((9, 14), (900_000, 2_400_000), 2, true, true),
            // Scenario 3 near miss: US commercial autologous supply, but semi-automated
            // fill and no EU licence.
            Draft::new(
                "Sequoyah Cell Manufacturing",
                CommercialCdmo,
                16,
                site("princeton-1", "Princeton Commercial Plant", "US", "Princeton", 40.3573, -74.6672)
                    .rooms(&[(A, 6, 80.0), (B, 6, 650.0), (C, 10, 1_500.0)])
                    .closed()
                    .licence(Fda, BlaApprovedSite, "Commercial manufacture of autologous CAR-T cell therapies", (2019, 12, 2))
                    .inspected(Fda, (2019, 10, 8), NoFindings)
                    .inspected(Fda, (2022, 9, 13), MajorFindings)
                    .inspected(Fda, (2024, 9, 24), MinorFindings),
            )
            .auto(1_800)
            .modalities(&[CarT, TcrT])
            .genes(&[Gm::Lentiviral, Gm::GammaRetroviral], &[InHouse, Partner])
            .phases(&[(ProcessDevelopment, 15, 30), (Phase1, 10, 90), (Phase1_2, 5, 60), (Phase2, 5, 110), (Phase3, 3, 260), (Commercial, 2, 3_100)])
            .platform(Platform::ClinimacsProdigy, 40, 40)
            .platform(Platform::GRex, 60, 30)
            .automation(true, true, SemiAutomated, 14)
            .qc(ALL_ASSAYS, 7)
            .cryo(-190, 50_000)
            .ships(Some(4), &[NorthAmerica, Europe])
            .hub("US", Global)
            .performance(12, 17, 96.4)
            .transfer((12, 20), (2_000_000, 5_000_000), 3, true, true),
            Draft::new(
                "Saltvik Cell Therapeutics",
                CommercialCdmo,
                6,
                site("gothenburg-1", "Gothenburg Science Park", "SE", "Gothenburg", 57.7089, 11.9746)
                    .rooms(&[(C, 3, 240.0), (D, 2, 150.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "Swedish MPA manufacturing authorisation, investigational and authorised ATMPs", (2020, 1, 15))
                    .inspected(EuMemberState, (2023, 3, 28), NoFindings),
            )
            .auto(120)
            .modalities(&[CarT, Treg])
            .genes(&[Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 8, 12), (Phase1, 6, 35), (Phase1_2, 3, 20), (Phase2, 2, 24)])
            .platform(Platform::LonzaCocoon, 10, 10)
            .automation(true, true, SemiAutomated, 2)
            .cryo(-180, 4_000)
            .ships(Some(24), &[Europe])
            .performance(12, 19, 94.0)
            .transfer((6, 12), (700_000, 1_600_000), 2, true, true),
            Draft::new(
                "Ferrowood Cell Solutions",
                CommercialCdmo,
                8,
                site("houston-1", "Texas Medical Center Annex", "US", "Houston", 29.7070, -95.4010)
                    .rooms(&[(A, 4, 50.0), (B, 4, 360.0), (C, 2, 200.0)])
                    .inspected(Fda, (2023, 8, 22), MinorFindings),
            )
            .unverified()
            .auto(260)
            .modalities(&[Til, CarT])
            .genes(&[Gm::None, Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 9, 14), (Phase1, 8, 60), (Phase1_2, 5, 44), (Phase2, 4, 70), (Phase3, 1, 55)])
            .platform(Platform::GRex, 80, 40)
            .automation(false, true, SemiAutomated, 4)
            .cryo(-180, 9_000)
            .ships(Some(24), &[NorthAmerica])
            .performance(22, 25, 91.5)
            .transfer((8, 14), (800_000, 2_000_000), 2, true, true),
            Draft::new(
                "Pellanor Cell Manufacturing",
                CommercialCdmo,
                4,
                site("san-diego-1", "Torrey Pines Facility", "US", "San Diego", 32.8960, -117.2400)
                    .rooms(&[(C, 1, 150.0), (D, 2, 900.0)])
                    .closed(),
            )
            .unverified()
            .about("High-throughput autologous manufacturing on robotic closed-system cartridges in a grade D background.")
            .auto(2_400)
            .modalities(&[CarT])
            .genes(&[Gm::Lentiviral], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 6, 10), (Phase1, 5, 40), (Phase1_2, 3, 30), (Phase2, 2, 35)])
            .platform(Platform::CellaresCellShuttle, 2, 32)
            .automation(true, true, Automated, 6)
            .cryo(-180, 15_000)
            .ships(Some(12), &[NorthAmerica])
            .performance(8, 14, 94.5)
            .transfer((6, 10), (600_000, 1_500_000), 2, true, true),
            Draft::new(
                "Yamabuki Cell Processing",
                CommercialCdmo,
                10,
                site("kobe-1", "Port Island Biomedical Campus", "JP", "Kobe", 34.6640, 135.2120)
                    .rooms(&[(A, 2, 24.0), (B, 3, 210.0), (C, 4, 300.0)])
                    .licence(Pmda, ManufacturingAuthorisation, "Regenerative medical products manufacturing licence (PMD Act)", (2018, 4, 1))
                    .inspected(Pmda, (2023, 9, 12), NoFindings),
            )
            .allo(30.0, 100)
            .modalities(&[IpscDerived, Msc])
            .phases(&[(ProcessDevelopment, 9, 15), (Phase1, 4, 16), (Phase1_2, 3, 14), (Phase2, 1, 6)])
            .platform(Platform::StirredTankBioreactor, 4, 4)
            .other_platform("Multilayer flask lines", 12, 6)
            .automation(false, true, SemiAutomated, 3)
            .cryo(-180, 6_000)
            .ships(Some(24), &[AsiaPacific, NorthAmerica])
            .performance(24, 25, 92.0)
            .transfer((9, 15), (1_000_000, 2_500_000), 2, true, true),
            Draft::new(
                "Straitsbridge Cell Therapy",
                CommercialCdmo,
                7,
                site("singapore-1", "one-north Biopolis", "SG", "Singapore", 1.2996, 103.7873)
                    .rooms(&[(B, 2, 160.0), (C, 4, 380.0)])
                    .closed()
                    .licence(Hsa, ManufacturingAuthorisation, "Cell, tissue and gene therapy product manufacturer's licence", (2019, 6, 3))
                    .inspected(Hsa, (2024, 2, 19), MinorFindings),
            )
            .auto(180)
            .modalities(&[CarT, Nk, GammaDeltaT])
            .genes(&[Gm::Lentiviral, Gm::MrnaElectroporation], &[Partner])
            .phases(&[(ProcessDevelopment, 10, 16), (Phase1, 7, 50), (Phase1_2, 4, 40), (Phase2, 2, 20)])
            .platform(Platform::LonzaCocoon, 12, 12)
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .cryo(-180, 6_000)
            .ships(Some(12), &[AsiaPacific, Europe])
            .hub("SG", Global)
            .performance(10, 16, 94.8)
            .transfer((6, 12), (800_000, 2_000_000), 2, true, true),
            Draft::new(
                "Jadeport Biomanufacturing",
                CommercialCdmo,
                8,
                site("suzhou-1", "Suzhou BioBAY", "CN", "Suzhou", 31.2700, 120.7400)
                    .rooms(&[(A, 4, 50.0), (B, 4, 380.0), (C, 6, 700.0)])
                    .closed()
                    .licence(Nmpa, ManufacturingAuthorisation, "Drug manufacturing licence: cell therapy products", (2020, 11, 20))
                    .inspected(Nmpa, (2022, 7, 5), MinorFindings),
            )
            .unverified()
            .auto(700)
            .modalities(&[CarT, TcrT])
            .genes(&[Gm::Lentiviral], &[InHouse])
            .phases(&[(ProcessDevelopment, 25, 40), (Phase1, 22, 180), (Phase1_2, 10, 90), (Phase2, 6, 120)])
            .platform(Platform::ClinimacsProdigy, 10, 10)
            .platform(Platform::GRex, 30, 15)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber, ReplicationCompetentVirus], 7)
            .cryo(-196, 20_000)
            .ships(Some(24), &[AsiaPacific])
            .performance(11, 18, 93.0)
            .transfer((6, 12), (500_000, 1_500_000), 2, true, true),
            Draft::new(
                "Wattle Cell Therapies",
                CommercialCdmo,
                5,
                site("melbourne-1", "Parkville Precinct", "AU", "Melbourne", -37.7840, 144.9510)
                    .rooms(&[(B, 2, 140.0), (C, 2, 180.0)])
                    .closed()
                    .licence(Tga, ManufacturingAuthorisation, "Manufacturing licence: Class 2 and Class 3 biologicals", (2021, 2, 8)),
            )
            .unverified()
            .auto(90)
            .allo(20.0, 40)
            .modalities(&[CarT, Msc])
            .genes(&[Gm::Lentiviral, Gm::None], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 5, 8), (Phase1, 5, 30), (Phase1_2, 2, 12)])
            .platform(Platform::RockingMotionBioreactor, 4, 4)
            .platform(Platform::GRex, 10, 10)
            .automation(false, false, Manual, 2)
            .cryo(-170, 3_000)
            .ships(Some(48), &[AsiaPacific])
            .performance(13, 20, 90.5)
            .transfer((6, 12), (400_000, 1_200_000), 1, false, true),
            Draft::new(
                "Maplecrest Cell Manufacturing",
                CommercialCdmo,
                9,
                site("toronto-1", "Discovery District Facility", "CA", "Toronto", 43.6600, -79.3900)
                    .rooms(&[(A, 2, 30.0), (B, 3, 240.0), (C, 3, 260.0)])
                    .closed()
                    .licence(HealthCanada, ManufacturingAuthorisation, "Drug establishment licence: fabrication, packaging and testing of cell therapies", (2018, 10, 1))
                    .inspected(HealthCanada, (2023, 5, 16), NoFindings),
            )
            .auto(150)
            .modalities(&[CarT, TcrT, Treg])
            .genes(&[Gm::Lentiviral, Gm::GammaRetroviral], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 11, 18), (Phase1, 9, 60), (Phase1_2, 5, 40), (Phase2, 3, 45)])
            .platform(Platform::ClinimacsProdigy, 8, 8)
            .cryo(-185, 5_000)
            .ships(Some(24), &[NorthAmerica])
            .performance(10, 17, 95.0)
            .transfer((8, 14), (800_000, 2_000_000), 2, true, true),
            Draft::new(
                "Averne Biomanufacturing",
                CommercialCdmo,
                10,
                site("lyon-1", "Lyon Gerland Biodistrict", "FR", "Lyon", 45.7300, 4.8300)
                    .rooms(&[(A, 3, 45.0), (B, 3, 280.0), (C, 4, 400.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "ANSM pharmaceutical establishment: ATMP and lentiviral vector manufacture", (2016, 6, 20))
                    .inspected(EuMemberState, (2024, 6, 4), MinorFindings),
            )
            .about("French CDMO integrating lentiviral vector production and autologous CAR-T manufacture.")
            .auto(220)
            .modalities(&[CarT, GeneModifiedHsc])
            .genes(&[Gm::Lentiviral], &[InHouse])
            .phases(&[(ProcessDevelopment, 14, 22), (Phase1, 10, 70), (Phase1_2, 6, 50), (Phase2, 3, 40)])
            .platform(Platform::ClinimacsProdigy, 12, 12)
            .platform(Platform::StirredTankBioreactor, 2, 2)
            .qc(ALL_ASSAYS, 8)
            .cryo(-180, 6_000)
            .ships(Some(24), &[Europe, NorthAmerica])
            .performance(10, 18, 94.2)
            .transfer((9, 15), (1_000_000, 2_500_000), 2, true, true),
            Draft::new(
                "Ostrakon Bioprocess",
                CommercialCdmo,
                6,
                site("utrecht-1", "Utrecht Science Park", "NL", "Utrecht", 52.0860, 5.1770)
                    .rooms(&[(B, 2, 150.0), (C, 4, 600.0), (D, 2, 400.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "IGJ manufacturing authorisation: cell-based and cell-derived products", (2021, 9, 13)),
            )
            .unverified()
            .about("Large-scale MSC expansion and exosome/secretome production; also cultivates non-human cell lines.")
            .allo(1_000.0, 5_000)
            .modalities(&[Msc, CellDerivedProducts, NonHumanCells])
            .phases(&[(ProcessDevelopment, 12, 30), (Phase1, 6, 20), (Phase1_2, 3, 12), (Phase2, 2, 10)])
            .platform(Platform::StirredTankBioreactor, 6, 4)
            .platform(Platform::RockingMotionBioreactor, 4, 4)
            .cryo(-150, 10_000)
            .ships(Some(48), &[Europe, NorthAmerica])
            .performance(21, 24, 93.8)
            .transfer((6, 12), (600_000, 1_800_000), 2, true, true),
            Draft::new(
                "Lémanis Cell Works",
                CommercialCdmo,
                5,
                site("geneva-1", "Plan-les-Ouates Facility", "CH", "Geneva", 46.1700, 6.1100)
                    .rooms(&[(A, 1, 15.0), (B, 1, 90.0), (C, 2, 120.0)])
                    .closed()
                    .licence(Other, ManufacturingAuthorisation, "Swissmedic manufacturing licence: transplant products", (2021, 4, 12)),
            )
            .unverified()
            .auto(60)
            .modalities(&[Treg, DendriticCells])
            .phases(&[(ProcessDevelopment, 4, 6), (Phase1, 4, 20), (Phase1_2, 2, 12)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .cryo(-180, 2_000)
            .ships(Some(24), &[Europe])
            .performance(12, 19, 92.5)
            .transfer((6, 10), (500_000, 1_200_000), 1, true, true),
            // Allogeneic scale-up with a Phase 3 programme but no commercial supply and
            // Europe-only shipping: a second near miss for scenario 1.
            Draft::new(
                "Aurinberg Cell Therapies",
                CommercialCdmo,
                15,
                site("leipzig-1", "BioCity Leipzig", "DE", "Leipzig", 51.3180, 12.3930)
                    .rooms(&[(A, 2, 30.0), (B, 3, 260.0), (C, 4, 500.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "Manufacturing authorisation (Landesdirektion Sachsen): ATMPs", (2012, 3, 1))
                    .inspected(EuMemberState, (2023, 10, 10), MinorFindings),
            )
            .auto(80)
            .allo(200.0, 1_200)
            .modalities(&[Msc, CarT])
            .genes(&[Gm::None, Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 10, 20), (Phase1, 8, 40), (Phase1_2, 5, 30), (Phase2, 4, 40), (Phase3, 1, 30)])
            .platform(Platform::StirredTankBioreactor, 4, 3)
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .cryo(-180, 10_000)
            .ships(Some(24), &[Europe])
            .hub("DE", Local)
            .performance(18, 23, 95.1)
            .transfer((9, 15), (900_000, 2_200_000), 2, true, true),
        ]
    }

    pub(super) fn academic() -> Vec<Draft> {
        vec![
            // Scenario 2 (French T-cell progenitor product, Phase I/II): public academic
            // GMP centre in Paris, t_cell_progenitors, Phase 1 and Phase 1/2 experience,
            // small flexible batches, raw-material supply, and an FDA inspection without
            // findings so US trials accept its ex-US batches.
            Draft::new(
                "Plateforme Hélianthe de Thérapie Cellulaire",
                AcademicGmpCentre,
                22,
                site("paris-1", "Hôpital Hélianthe, bâtiment Biothérapies", "FR", "Paris", 48.8400, 2.3600)
                    .rooms(&[(A, 2, 24.0), (B, 2, 120.0), (C, 2, 80.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "ANSM pharmaceutical establishment authorisation (public hospital)", (2011, 9, 12))
                    .licence(EuMemberState, ImpLicence, "ANSM authorisation: investigational ATMP manufacture, incl. T-cell progenitors", (2014, 4, 1))
                    .inspected(EuMemberState, (2023, 5, 16), MinorFindings)
                    .inspected(Fda, (2024, 9, 17), NoFindings),
            )
            .about("Public academic GMP centre of a Paris teaching hospital making Phase I/II batches for biotechs. Batches made here have been accepted in a US IND trial after an FDA inspection without findings. Supplies GMP-grade raw materials (cytokines, coated culture vessels) to sponsors.")
            .auto(40)
            .allo(0.0, 1)
            .modalities(&[TCellProgenitors, DendriticCells, Msc])
            .genes(&[Gm::None, Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 6, 18), (Phase1, 5, 28), (Phase1_2, 3, 22)])
            .platform(Platform::ClinimacsProdigy, 3, 3)
            .other_platform("Delta-like ligand coated culture vessels", 20, 4)
            .automation(false, false, Manual, 2)
            .qc(&[CompendialSterility, RapidMicrobiology, Mycoplasma, Endotoxin, IdentityFlow, Potency], 10)
            .cryo(-180, 3_000)
            .ships(Some(24), &[Europe, NorthAmerica])
            .hub("FR", Local)
            .performance(7, 14, 92.5)
            .transfer((6, 9), (300_000, 700_000), 1, true, true)
            .flexibility("Single-patient and small-cohort batches (1 to 6 a month) for Phase I/II; campaign slots can be split across cohorts and moved at two weeks' notice.")
            .communication("French and English; monthly steering meeting with the sponsor; QP available for release questions."),
            // A French academic centre without T-cell progenitor experience (scenario 2
            // must not match it).
            Draft::new(
                "Centre de Biothérapies Rhodanien",
                AcademicGmpCentre,
                17,
                site("lyon-1", "Lyon Est Hospital Campus", "FR", "Lyon", 45.7400, 4.8800)
                    .rooms(&[(A, 1, 12.0), (B, 2, 90.0), (C, 1, 40.0)])
                    .licence(EuMemberState, ImpLicence, "ANSM authorisation: investigational cell therapy manufacture", (2013, 1, 21))
                    .inspected(EuMemberState, (2022, 11, 29), MinorFindings),
            )
            .auto(30)
            .modalities(&[Msc, DendriticCells, CarT])
            .genes(&[Gm::None, Gm::MrnaElectroporation], &[])
            .phases(&[(Phase1, 6, 30), (Phase1_2, 2, 14)])
            .platform(Platform::ClinimacsProdigy, 2, 2)
            .cryo(-160, 1_200)
            .ships(Some(48), &[Europe])
            .performance(12, 21, 89.5)
            .flexibility("Accepts single-batch academic and biotech projects."),
            // Scenario 2 near miss: same modality and FDA inspection, but in Belgium, so a
            // "France only" constraint excludes it.
            Draft::new(
                "Meerdaal University Cell Therapy Facility",
                AcademicGmpCentre,
                14,
                site("leuven-1", "Gasthuisberg Campus Annex", "BE", "Leuven", 50.8798, 4.7005)
                    .rooms(&[(A, 2, 20.0), (B, 2, 110.0), (C, 2, 70.0)])
                    .closed()
                    .licence(EuMemberState, ImpLicence, "FAMHP authorisation: investigational ATMP manufacture", (2016, 2, 29))
                    .inspected(EuMemberState, (2023, 4, 18), NoFindings)
                    .inspected(Fda, (2025, 3, 11), NoFindings),
            )
            .auto(50)
            .allo(0.0, 1)
            .modalities(&[TCellProgenitors, GeneModifiedHsc, CarT])
            .genes(&[Gm::Lentiviral, Gm::None], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 5, 10), (Phase1, 4, 20), (Phase1_2, 2, 14), (Phase2, 1, 8)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber], 9)
            .cryo(-180, 2_500)
            .ships(Some(24), &[Europe, NorthAmerica])
            .performance(8, 15, 93.0)
            .transfer((6, 10), (350_000, 800_000), 1, true, true)
            .flexibility("Small Phase I/II batches, including single-patient lots; flexible scheduling around academic trial recruitment."),
            // Scenario 4 (lentiviral gene therapy for RAG1-SCID): gene-modified HSC,
            // lentiviral vector made in house, VCN and RCV assays in house, Phase 1/2.
            Draft::new(
                "Istituto Valdora per la Terapia Genica",
                AcademicGmpCentre,
                25,
                site("milan-1", "Valdora Research Hospital Campus", "IT", "Milan", 45.5050, 9.2660)
                    .rooms(&[(A, 3, 36.0), (B, 3, 200.0), (C, 2, 120.0)])
                    .closed()
                    .licence(EuMemberState, ImpLicence, "AIFA authorisation: investigational gene therapy (HSC) manufacture", (2010, 5, 3))
                    .licence(EuMemberState, ManufacturingAuthorisation, "AIFA manufacturing authorisation: gene therapy medicinal products and lentiviral vectors", (2016, 7, 11))
                    .inspected(EuMemberState, (2024, 1, 23), NoFindings),
            )
            .about("Academic gene therapy institute making lentiviral vectors and transduced autologous CD34+ cells for rare inherited immune and blood disorders.")
            .auto(60)
            .modalities(&[GeneModifiedHsc])
            .genes(&[Gm::Lentiviral], &[InHouse])
            .phases(&[(ProcessDevelopment, 8, 20), (Phase1, 6, 24), (Phase1_2, 4, 30), (Phase2, 2, 16)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .other_platform("Closed CD34+ selection and transduction bag system", 10, 4)
            .automation(true, false, Manual, 2)
            .qc(ALL_ASSAYS, 12)
            .cryo(-180, 4_000)
            .ships(Some(24), &[Europe, NorthAmerica, MiddleEast])
            .performance(4, 20, 95.5)
            .transfer((6, 12), (400_000, 1_000_000), 1, true, true)
            .flexibility("Runs rare-disease programmes with a handful of patients a year; one vector lot can serve a whole Phase I/II study."),
            // Scenario 4 (lentiviral gene therapy for RAG1-SCID): second academic option
            // with gene-modified HSC, lentiviral and gene editing, VCN and RCV in house.
            Draft::new(
                "Thornfield Institute Gene Therapy Facility",
                AcademicGmpCentre,
                19,
                site("london-1", "Bloomsbury Clean Room Suite", "GB", "London", 51.5246, -0.1340)
                    .rooms(&[(A, 2, 24.0), (B, 2, 140.0), (C, 3, 150.0)])
                    .closed()
                    .licence(Mhra, ImpLicence, "MIA(IMP): gene therapy and somatic cell therapy investigational products", (2012, 10, 1))
                    .inspected(Mhra, (2022, 6, 7), MinorFindings),
            )
            .auto(70)
            .modalities(&[GeneModifiedHsc, CarT])
            .genes(&[Gm::Lentiviral, Gm::GeneEditing], &[InHouse])
            .phases(&[(ProcessDevelopment, 10, 22), (Phase1, 8, 40), (Phase1_2, 5, 36), (Phase2, 2, 14)])
            .platform(Platform::ClinimacsProdigy, 6, 6)
            .automation(true, false, Manual, 2)
            .qc(ALL_ASSAYS, 12)
            .cryo(-180, 3_500)
            .ships(Some(24), &[Europe, NorthAmerica])
            .performance(5, 21, 94.0)
            .transfer((6, 12), (400_000, 1_100_000), 1, true, true)
            .flexibility("Open to academic sponsors with one or two patients per quarter."),
            // Scenario 4 near miss: gene-modified HSC but gamma-retroviral only and no
            // replication-competent virus assay in house.
            Draft::new(
                "Uppvik University Cell Therapy Centre",
                AcademicGmpCentre,
                12,
                site("uppsala-1", "Uppvik University Hospital", "SE", "Uppsala", 59.8490, 17.6400)
                    .rooms(&[(A, 1, 12.0), (B, 1, 70.0), (C, 1, 40.0)])
                    .licence(EuMemberState, ImpLicence, "Swedish MPA authorisation: investigational ATMP manufacture", (2015, 8, 17))
                    .inspected(EuMemberState, (2022, 2, 8), NoFindings),
            )
            .auto(20)
            .modalities(&[GeneModifiedHsc, Msc])
            .genes(&[Gm::GammaRetroviral, Gm::None], &[SponsorSupplied])
            .phases(&[(Phase1, 3, 10), (Phase1_2, 1, 4)])
            .other_platform("Static culture bags", 6, 3)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, VectorCopyNumber], 12)
            .cryo(-160, 900)
            .ships(Some(48), &[Europe])
            .performance(5, 22, 88.0),
            Draft::new(
                "Kagami University Cell Processing Center",
                AcademicGmpCentre,
                13,
                site("kyoto-1", "Kagami University Hospital", "JP", "Kyoto", 35.0210, 135.7760)
                    .rooms(&[(A, 2, 20.0), (B, 2, 120.0), (C, 2, 60.0)])
                    .licence(Pmda, ImpLicence, "Specified cell processing licence (Act on the Safety of Regenerative Medicine)", (2015, 11, 25))
                    .inspected(Pmda, (2021, 10, 5), NoFindings),
            )
            .auto(30)
            .allo(10.0, 50)
            .modalities(&[IpscDerived, Msc])
            .phases(&[(ProcessDevelopment, 6, 12), (Phase1, 5, 18), (Phase1_2, 2, 8)])
            .platform(Platform::RockingMotionBioreactor, 2, 2)
            .other_platform("Multilayer flasks", 10, 5)
            .cryo(-180, 2_000)
            .ships(Some(48), &[AsiaPacific])
            .performance(25, 25, 90.0),
            Draft::new(
                "Ashgrove University Cell Manufacturing Core",
                AcademicGmpCentre,
                16,
                site("seattle-1", "South Lake Union Core", "US", "Seattle", 47.6270, -122.3370)
                    .rooms(&[(A, 2, 28.0), (B, 4, 260.0), (C, 2, 120.0)])
                    .closed()
                    .accreditation("FACT immune effector cell accreditation", (2023, 3, 1), (2026, 3, 1))
                    .inspected(Fda, (2021, 7, 13), MinorFindings),
            )
            .auto(140)
            .modalities(&[CarT, TcrT, Treg])
            .genes(&[Gm::Lentiviral, Gm::GeneEditing], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 12, 20), (Phase1, 14, 120), (Phase1_2, 6, 60), (Phase2, 2, 25)])
            .platform(Platform::ClinimacsProdigy, 6, 6)
            .platform(Platform::GRex, 12, 12)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber], 9)
            .cryo(-180, 5_000)
            .ships(Some(24), &[NorthAmerica])
            .performance(10, 18, 92.0)
            .flexibility("Investigator-initiated trials welcome; minimum one batch."),
            Draft::new(
                "Bramblewood University GMP Facility",
                AcademicGmpCentre,
                11,
                site("vancouver-1", "Bramblewood Health Sciences Campus", "CA", "Vancouver", 49.2620, -123.1240)
                    .rooms(&[(B, 2, 100.0), (C, 2, 80.0)])
                    .closed()
                    .licence(HealthCanada, ImpLicence, "Drug establishment licence: clinical trial cell therapy material", (2017, 4, 3)),
            )
            .auto(60)
            .modalities(&[CarT, Msc])
            .genes(&[Gm::Lentiviral, Gm::None], &[SponsorSupplied])
            .phases(&[(Phase1, 5, 30), (Phase1_2, 2, 10)])
            .platform(Platform::ClinimacsProdigy, 3, 3)
            .cryo(-180, 1_500)
            .ships(Some(48), &[NorthAmerica])
            .performance(12, 19, 91.0),
            Draft::new(
                "Kurrajong Cell Therapy Facility",
                AcademicGmpCentre,
                9,
                site("sydney-1", "Camperdown Research Precinct", "AU", "Sydney", -33.8890, 151.1870)
                    .rooms(&[(A, 1, 15.0), (B, 2, 110.0), (C, 1, 50.0)])
                    .licence(Tga, ImpLicence, "TGA manufacturing licence: clinical trial biologicals", (2018, 9, 10)),
            )
            .unverified()
            .auto(40)
            .allo(5.0, 20)
            .modalities(&[CarT, Msc, Nk])
            .quality(true, false, true, true)
            .genes(&[Gm::Transposon, Gm::None], &[])
            .phases(&[(Phase1, 4, 24), (Phase1_2, 2, 10)])
            .platform(Platform::GRex, 8, 8)
            .cryo(-170, 1_200)
            .ships(Some(48), &[AsiaPacific])
            .performance(14, 22, 88.5),
            Draft::new(
                "Elbtal University Cell Therapy GMP Unit",
                AcademicGmpCentre,
                15,
                site("dresden-1", "Elbtal University Medical Centre", "DE", "Dresden", 51.0550, 13.7800)
                    .rooms(&[(A, 2, 24.0), (B, 2, 140.0), (C, 2, 90.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "Manufacturing authorisation (Landesdirektion Sachsen): investigational ATMPs", (2013, 6, 3))
                    .inspected(EuMemberState, (2024, 4, 9), NoFindings),
            )
            .auto(100)
            .modalities(&[CarT, Nk, Treg])
            .genes(&[Gm::Lentiviral, Gm::GammaRetroviral], &[SponsorSupplied])
            .phases(&[(ProcessDevelopment, 6, 10), (Phase1, 7, 50), (Phase1_2, 4, 36), (Phase2, 2, 20)])
            .platform(Platform::ClinimacsProdigy, 6, 6)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber], 10)
            .cryo(-180, 2_000)
            .ships(Some(24), &[Europe])
            .performance(12, 20, 92.0),
            Draft::new(
                "Rijnmond Academic Cell Therapy Facility",
                AcademicGmpCentre,
                18,
                site("rotterdam-1", "Rijnmond University Medical Centre", "NL", "Rotterdam", 51.9110, 4.4680)
                    .rooms(&[(A, 2, 20.0), (B, 2, 120.0), (C, 1, 50.0)])
                    .licence(EuMemberState, ManufacturingAuthorisation, "IGJ manufacturing authorisation: investigational cell therapies", (2015, 10, 19)),
            )
            .unverified()
            .auto(50)
            .modalities(&[DendriticCells, Til, Msc])
            .phases(&[(Phase1, 5, 30), (Phase1_2, 3, 20), (Phase2, 1, 10)])
            .platform(Platform::GRex, 6, 6)
            .cryo(-80, 800)
            .ships(Some(48), &[Europe])
            .performance(18, 24, 89.0),
        ]
    }

    pub(super) fn hospital() -> Vec<Draft> {
        vec![
            Draft::new(
                "Hôpital Sainte-Aurore Unité de Thérapie Cellulaire",
                HospitalGmpCentre,
                20,
                site("marseille-1", "Hôpital Sainte-Aurore", "FR", "Marseille", 43.2900, 5.4000)
                    .rooms(&[(A, 1, 10.0), (B, 1, 60.0), (C, 1, 30.0)])
                    .licence(EuMemberState, ImpLicence, "ANSM authorisation: cell therapy preparations and investigational ATMPs", (2012, 2, 6))
                    .accreditation("JACIE accreditation: collection and processing", (2022, 6, 1), (2026, 6, 1))
                    .inspected(EuMemberState, (2021, 9, 14), MinorFindings),
            )
            .auto(60)
            .quality(true, false, true, true)
            .modalities(&[Msc, DendriticCells, CarT])
            .phases(&[(Phase1, 3, 15)])
            .other_platform("Open processing in grade A laminar flow cabinets", 2, 2)
            .cryo(-80, 600)
            .ships(None, &[Europe])
            .performance(10, 18, 90.0),
            Draft::new(
                "Westmere Royal Infirmary Cellular Therapy Unit",
                HospitalGmpCentre,
                21,
                site("birmingham-1", "Westmere Royal Infirmary", "GB", "Birmingham", 52.4530, -1.9400)
                    .rooms(&[(A, 2, 20.0), (B, 2, 130.0), (C, 2, 70.0)])
                    .closed()
                    .licence(Mhra, ImpLicence, "MIA(IMP): somatic cell therapy investigational products", (2015, 3, 2))
                    .accreditation("JACIE accreditation: haematopoietic cell and immune effector cell processing", (2023, 1, 1), (2027, 1, 1))
                    .inspected(Mhra, (2021, 5, 11), MajorFindings)
                    .inspected(Mhra, (2023, 6, 27), NoFindings),
            )
            .auto(110)
            .modalities(&[CarT, Til, Msc])
            .genes(&[Gm::Lentiviral, Gm::None], &[SponsorSupplied])
            .phases(&[(Phase1, 5, 40), (Phase1_2, 3, 30), (Phase2, 1, 12)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .platform(Platform::GRex, 6, 6)
            .cryo(-180, 2_000)
            .ships(Some(24), &[Europe])
            .performance(11, 20, 91.5),
            Draft::new(
                "Clinica Sant'Elmo Laboratorio GMP",
                HospitalGmpCentre,
                16,
                site("bologna-1", "Clinica Sant'Elmo", "IT", "Bologna", 44.4950, 11.3700)
                    .rooms(&[(A, 1, 12.0), (B, 2, 90.0), (C, 1, 40.0)])
                    .licence(EuMemberState, ImpLicence, "AIFA authorisation: investigational cell therapy manufacture", (2014, 12, 1))
                    .accreditation("JACIE accreditation: cell processing", (2021, 10, 1), (2025, 10, 1))
                    .inspected(EuMemberState, (2023, 2, 14), NoFindings),
            )
            .auto(45)
            .modalities(&[Msc, CarT])
            .genes(&[Gm::None, Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(Phase1, 4, 26), (Phase1_2, 2, 12)])
            .platform(Platform::ClinimacsProdigy, 2, 2)
            .cryo(-170, 900)
            .ships(Some(48), &[Europe])
            .performance(11, 19, 91.0),
            Draft::new(
                "Harrowgate Memorial Cancer Center Cell Therapy Facility",
                HospitalGmpCentre,
                23,
                site("boston-1", "Harrowgate Memorial, Longwood", "US", "Boston", 42.3370, -71.1060)
                    .rooms(&[(A, 3, 36.0), (B, 4, 280.0), (C, 2, 120.0)])
                    .closed()
                    .accreditation("FACT immune effector cell and cellular therapy accreditation", (2022, 9, 1), (2025, 9, 1))
                    .inspected(Fda, (2023, 3, 21), MinorFindings),
            )
            .auto(160)
            .modalities(&[CarT, Til, Nk])
            .genes(&[Gm::Lentiviral, Gm::GammaRetroviral, Gm::None], &[Partner, SponsorSupplied])
            .phases(&[(ProcessDevelopment, 8, 14), (Phase1, 12, 110), (Phase1_2, 5, 50), (Phase2, 3, 40)])
            .platform(Platform::ClinimacsProdigy, 6, 6)
            .platform(Platform::GRex, 20, 10)
            .qc(&[CompendialSterility, Mycoplasma, Endotoxin, IdentityFlow, Potency, VectorCopyNumber], 8)
            .cryo(-190, 6_000)
            .ships(Some(24), &[NorthAmerica])
            .performance(12, 19, 93.0)
            .transfer((6, 10), (400_000, 1_000_000), 1, true, true),
            Draft::new(
                "Hangang Medical Center Cell Therapy Center",
                HospitalGmpCentre,
                10,
                site("seoul-1", "Hangang Medical Center", "KR", "Seoul", 37.5800, 127.0000)
                    .rooms(&[(A, 1, 12.0), (B, 2, 80.0), (C, 1, 40.0)])
                    .licence(Other, ImpLicence, "MFDS cell processing facility licence (advanced regenerative bio law)", (2020, 8, 28)),
            )
            .unverified()
            .auto(40)
            .modalities(&[CarT, Nk])
            .genes(&[Gm::Lentiviral, Gm::None], &[SponsorSupplied])
            .phases(&[(Phase1, 3, 20)])
            .platform(Platform::GRex, 4, 4)
            .cryo(-150, 700)
            .ships(Some(48), &[AsiaPacific])
            .performance(13, 21, 89.0),
            Draft::new(
                "Klinikum Auenfeld GMP-Zentrum",
                HospitalGmpCentre,
                14,
                site("frankfurt-1", "Klinikum Auenfeld", "DE", "Frankfurt am Main", 50.0950, 8.6600)
                    .rooms(&[(A, 2, 20.0), (B, 2, 110.0), (C, 2, 60.0)])
                    .closed()
                    .licence(EuMemberState, ManufacturingAuthorisation, "Manufacturing authorisation (Regierungspraesidium Darmstadt): cell preparations", (2011, 7, 4))
                    .licence(EuMemberState, HospitalExemption, "Hospital exemption (section 4b AMG): MSC preparation for steroid-refractory GvHD", (2016, 1, 11))
                    .accreditation("JACIE accreditation: processing", (2022, 3, 1), (2026, 3, 1))
                    .inspected(EuMemberState, (2022, 10, 18), NoFindings),
            )
            .auto(70)
            .allo(2.0, 30)
            .modalities(&[Msc, CarT, GammaDeltaT])
            .genes(&[Gm::None, Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(Phase1, 4, 30), (Phase1_2, 2, 16), (Phase2, 1, 10)])
            .platform(Platform::ClinimacsProdigy, 3, 3)
            .other_platform("Multilayer flasks", 8, 4)
            .cryo(-180, 1_500)
            .ships(Some(24), &[Europe])
            .performance(14, 21, 92.0),
        ]
    }

    pub(super) fn point_of_care() -> Vec<Draft> {
        vec![
            // Scenario 5 (decentralised CAR-T in a national children's cancer centre):
            // point of care, CliniMACS Prodigy in a grade C/D background, hospital
            // exemption, 8-day process.
            Draft::new(
                "Alborada Children's Hospital CAR-T Unit",
                PointOfCare,
                5,
                site("madrid-1", "Hospital Infantil Alborada", "ES", "Madrid", 40.4830, -3.6870)
                    .rooms(&[(C, 1, 35.0), (D, 1, 40.0)])
                    .closed()
                    .licence(EuMemberState, HospitalExemption, "AEMPS hospital-exemption authorisation: CD19 CAR-T for paediatric ALL", (2021, 3, 15))
                    .accreditation("JACIE accreditation: immune effector cells", (2022, 5, 1), (2026, 5, 1))
                    .inspected(EuMemberState, (2023, 10, 24), NoFindings),
            )
            .about("CAR-T manufacturing inside the national children's cancer hospital: apheresis, automated closed manufacture and infusion on one campus.")
            .auto(40)
            .modalities(&[CarT])
            .genes(&[Gm::Lentiviral], &[Partner])
            .phases(&[(Phase1, 2, 24), (Phase1_2, 1, 30)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .cryo(-150, 200)
            .ships(None, &[Europe])
            .performance(8, 11, 94.0)
            .communication("Clinicians and manufacturing staff share one building; daily huddle on each patient's slot."),
            // Scenario 5: a second point-of-care unit with Prodigy and hospital exemption.
            Draft::new(
                "Skogsbacka Children's Cancer Centre CAR-T Unit",
                PointOfCare,
                3,
                site("stockholm-1", "Skogsbacka Children's Hospital", "SE", "Stockholm", 59.3500, 18.0300)
                    .rooms(&[(C, 1, 30.0)])
                    .closed()
                    .licence(EuMemberState, HospitalExemption, "Swedish MPA hospital exemption: academic CD19/CD22 CAR-T", (2022, 9, 5))
                    .inspected(EuMemberState, (2024, 11, 12), MinorFindings),
            )
            .auto(25)
            .modalities(&[CarT])
            .genes(&[Gm::Lentiviral], &[Partner])
            .phases(&[(Phase1, 1, 18), (Phase1_2, 1, 10)])
            .platform(Platform::ClinimacsProdigy, 3, 3)
            .ships(None, &[Europe])
            .performance(10, 13, 92.0),
            Draft::new(
                "Rotmain Klinikum Point-of-Care CAR-T",
                PointOfCare,
                2,
                site("bayreuth-1", "Rotmain Klinikum", "DE", "Bayreuth", 49.9456, 11.5713)
                    .rooms(&[(C, 1, 25.0), (D, 1, 30.0)])
                    .closed()
                    .licence(EuMemberState, HospitalExemption, "Hospital exemption (section 4b AMG): CD19 CAR-T for adult lymphoma", (2023, 6, 19)),
            )
            .auto(20)
            .modalities(&[CarT])
            .genes(&[Gm::Lentiviral], &[Partner])
            .phases(&[(Phase1, 1, 12)])
            .platform(Platform::ClinimacsProdigy, 2, 2)
            .ships(None, &[Europe])
            .performance(12, 15, 91.0),
            // Scenario 5 near miss: point of care, but on Lonza Cocoon and without a
            // hospital exemption (US trial under an IND).
            Draft::new(
                "Bayfront Community Cancer Institute Point-of-Care Lab",
                PointOfCare,
                3,
                site("tampa-1", "Bayfront Community Cancer Institute", "US", "Tampa", 27.9400, -82.4600)
                    .rooms(&[(C, 1, 30.0)])
                    .closed()
                    .accreditation("FACT immune effector cell accreditation", (2023, 8, 1), (2026, 8, 1)),
            )
            .unverified()
            .auto(30)
            .modalities(&[CarT])
            .genes(&[Gm::Lentiviral], &[SponsorSupplied])
            .phases(&[(Phase1, 1, 15)])
            .platform(Platform::LonzaCocoon, 4, 4)
            .ships(None, &[NorthAmerica])
            .performance(9, 12, 90.0),
            // Scenario 5: a national equivalent of the hospital exemption outside the EU.
            Draft::new(
                "Yarkon Medical Center Point-of-Care Unit",
                PointOfCare,
                6,
                site("tel-aviv-1", "Yarkon Medical Center", "IL", "Tel Aviv", 32.0800, 34.7900)
                    .rooms(&[(B, 1, 40.0), (C, 1, 30.0)])
                    .closed()
                    .licence(Other, HospitalExemption, "Ministry of Health approval for in-hospital CAR-T production (national equivalent of hospital exemption)", (2019, 4, 1))
                    .inspected(Other, (2023, 12, 5), NoFindings),
            )
            .unverified()
            .auto(60)
            .modalities(&[CarT, Nk])
            .genes(&[Gm::Lentiviral], &[InHouse, Partner])
            .phases(&[(Phase1, 2, 60), (Phase1_2, 1, 40), (Phase2, 1, 30)])
            .platform(Platform::ClinimacsProdigy, 4, 4)
            .cryo(-180, 500)
            .ships(Some(12), &[MiddleEast])
            .performance(9, 12, 94.5),
        ]
    }
}

// ---------------------------------------------------------------------------------------
// Synthetic profiles for benchmarks.
// ---------------------------------------------------------------------------------------

/// SplitMix64: a tiny, fast, deterministic generator (Steele, Lea and Flood, 2014).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0); the modulo bias is negligible here.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + u32::try_from(self.below(u64::from(hi - lo) + 1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One item, with probability proportional to its weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return Some(*item);
            }
            roll -= weight;
        }
        items.last().map(|(item, _)| *item)
    }

    /// Up to `n` distinct items drawn by weight (at least one if `items` is not empty).
    fn distinct<T: Copy + PartialEq>(&mut self, items: &[(T, u32)], n: usize) -> Vec<T> {
        let mut out = Vec::new();
        for _ in 0..n * 8 {
            if out.len() >= n {
                break;
            }
            if let Some(item) = self.weighted(items)
                && !out.contains(&item)
            {
                out.push(item);
            }
        }
        out
    }

    fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or(fallback)
    }
}

/// A real city: (country, name, latitude, longitude).
type City = (&'static str, &'static str, f64, f64);

/// Site countries, weighted towards the United States and Europe.
const COUNTRY_WEIGHTS: &[(&str, u32)] = &[
    ("US", 30),
    ("DE", 7),
    ("GB", 7),
    ("FR", 6),
    ("NL", 4),
    ("ES", 3),
    ("IT", 3),
    ("BE", 3),
    ("CH", 3),
    ("SE", 2),
    ("DK", 1),
    ("IE", 2),
    ("CA", 4),
    ("JP", 5),
    ("KR", 4),
    ("CN", 7),
    ("SG", 2),
    ("AU", 3),
    ("IL", 1),
    ("BR", 1),
    ("IN", 2),
];

const CITIES: &[City] = &[
    ("US", "Boston", 42.3601, -71.0589),
    ("US", "Philadelphia", 39.9526, -75.1652),
    ("US", "San Diego", 32.7157, -117.1611),
    ("US", "Houston", 29.7604, -95.3698),
    ("US", "Seattle", 47.6062, -122.3321),
    ("US", "Durham", 35.9940, -78.8986),
    ("US", "Rockville", 39.0840, -77.1528),
    ("US", "Los Angeles", 34.0522, -118.2437),
    ("DE", "Munich", 48.1351, 11.5820),
    ("DE", "Berlin", 52.5200, 13.4050),
    ("DE", "Heidelberg", 49.3988, 8.6724),
    ("DE", "Leipzig", 51.3397, 12.3731),
    ("GB", "London", 51.5072, -0.1276),
    ("GB", "Stevenage", 51.9038, -0.1966),
    ("GB", "Cambridge", 52.2053, 0.1218),
    ("GB", "Manchester", 53.4808, -2.2426),
    ("GB", "Oxford", 51.7520, -1.2577),
    ("FR", "Paris", 48.8566, 2.3522),
    ("FR", "Lyon", 45.7640, 4.8357),
    ("FR", "Marseille", 43.2965, 5.3698),
    ("FR", "Nantes", 47.2184, -1.5536),
    ("FR", "Toulouse", 43.6047, 1.4442),
    ("NL", "Leiden", 52.1601, 4.4970),
    ("NL", "Utrecht", 52.0907, 5.1214),
    ("NL", "Amsterdam", 52.3676, 4.9041),
    ("ES", "Madrid", 40.4168, -3.7038),
    ("ES", "Barcelona", 41.3874, 2.1686),
    ("ES", "Valencia", 39.4699, -0.3763),
    ("IT", "Milan", 45.4642, 9.1900),
    ("IT", "Rome", 41.9028, 12.4964),
    ("IT", "Bologna", 44.4949, 11.3426),
    ("BE", "Leuven", 50.8798, 4.7005),
    ("BE", "Gosselies", 50.4667, 4.4333),
    ("BE", "Ghent", 51.0543, 3.7174),
    ("CH", "Geneva", 46.2044, 6.1432),
    ("CH", "Basel", 47.5596, 7.5886),
    ("CH", "Zurich", 47.3769, 8.5417),
    ("SE", "Stockholm", 59.3293, 18.0686),
    ("SE", "Gothenburg", 57.7089, 11.9746),
    ("SE", "Uppsala", 59.8586, 17.6389),
    ("DK", "Copenhagen", 55.6761, 12.5683),
    ("IE", "Dublin", 53.3498, -6.2603),
    ("IE", "Cork", 51.8985, -8.4756),
    ("CA", "Toronto", 43.6532, -79.3832),
    ("CA", "Montreal", 45.5019, -73.5674),
    ("CA", "Vancouver", 49.2827, -123.1207),
    ("JP", "Tokyo", 35.6762, 139.6503),
    ("JP", "Osaka", 34.6937, 135.5023),
    ("JP", "Kobe", 34.6901, 135.1955),
    ("JP", "Kyoto", 35.0116, 135.7681),
    ("KR", "Seoul", 37.5665, 126.9780),
    ("KR", "Incheon", 37.4563, 126.7052),
    ("CN", "Shanghai", 31.2304, 121.4737),
    ("CN", "Suzhou", 31.2990, 120.5853),
    ("CN", "Beijing", 39.9042, 116.4074),
    ("CN", "Guangzhou", 23.1291, 113.2644),
    ("SG", "Singapore", 1.3521, 103.8198),
    ("AU", "Melbourne", -37.8136, 144.9631),
    ("AU", "Sydney", -33.8688, 151.2093),
    ("AU", "Brisbane", -27.4698, 153.0251),
    ("IL", "Tel Aviv", 32.0853, 34.7818),
    ("BR", "São Paulo", -23.5558, -46.6396),
    ("IN", "Bengaluru", 12.9716, 77.5946),
];

/// Invented name stems for synthetic CDMOs.
const STEMS: &[&str] = &[
    "Aelvar",
    "Brisvane",
    "Corlith",
    "Dravessa",
    "Fenwyr",
    "Galdric",
    "Hesperine",
    "Ilvarra",
    "Jessamor",
    "Kelvanto",
    "Lorimel",
    "Mervaine",
    "Nortessa",
    "Oriskel",
    "Pavelline",
    "Quenmoor",
    "Rostavel",
    "Selvanne",
    "Tamberlin",
    "Ulvarro",
    "Veskari",
    "Wendral",
    "Xanthel",
    "Yorvessa",
    "Zephrane",
];

fn random_city(rng: &mut SplitMix64) -> City {
    let fallback: City = ("US", "Boston", 42.3601, -71.0589);
    let country = rng.weighted(COUNTRY_WEIGHTS).unwrap_or("US");
    let cities: Vec<City> = CITIES.iter().copied().filter(|c| c.0 == country).collect();
    rng.pick(&cities, fallback)
}

fn random_date(rng: &mut SplitMix64, first_year: u32, last_year: u32) -> (i32, u32, u32) {
    let year = i32::try_from(rng.range(first_year, last_year)).unwrap_or(2020);
    (year, rng.range(1, 12), rng.range(1, 28))
}

const PHASE_ORDER: [Phase; 5] = [
    Phase::Phase1,
    Phase::Phase1_2,
    Phase::Phase2,
    Phase::Phase3,
    Phase::Commercial,
];

/// Synthetic profile number `index` of the stream for `seed`, for benchmarks:
/// realistic distributions, deterministic in (seed, index), unique organization.name per index.
pub fn synthetic_profile(seed: u64, index: u64) -> CapabilityProfile {
    let mut seeder = SplitMix64(seed);
    let mut rng = SplitMix64(seeder.next_u64() ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next_u64();

    let kind = rng
        .weighted(&[
            (CdmoType::CommercialCdmo, 45),
            (CdmoType::AcademicGmpCentre, 25),
            (CdmoType::HospitalGmpCentre, 18),
            (CdmoType::PointOfCare, 12),
        ])
        .unwrap_or(CdmoType::CommercialCdmo);
    let commercial = kind == CdmoType::CommercialCdmo;
    let poc = kind == CdmoType::PointOfCare;
    // Size of the organisation: scales units, programmes and batches.
    let scale = if commercial {
        rng.weighted(&[(1, 40), (2, 30), (3, 20), (4, 10)])
            .unwrap_or(1)
    } else {
        rng.weighted(&[(1, 75), (2, 25)]).unwrap_or(1)
    };

    // Donor sources.
    let (autologous, allogeneic) = match kind {
        CdmoType::CommercialCdmo => {
            rng.weighted(&[((true, false), 60), ((false, true), 15), ((true, true), 25)])
        }
        CdmoType::AcademicGmpCentre => {
            rng.weighted(&[((true, false), 75), ((false, true), 15), ((true, true), 10)])
        }
        CdmoType::HospitalGmpCentre => {
            rng.weighted(&[((true, false), 85), ((false, true), 10), ((true, true), 5)])
        }
        // Point of care (the server never decodes an unknown type).
        _ => Some((true, false)),
    }
    .unwrap_or((true, false));

    // Modalities.
    let modalities = if poc {
        let mut m = vec![Modality::CarT];
        if rng.chance(20) {
            m.push(if rng.chance(50) {
                Modality::Nk
            } else {
                Modality::GammaDeltaT
            });
        }
        m
    } else {
        let max = if commercial { 4 } else { 3 };
        let n = rng.range(1, max) as usize;
        rng.distinct(
            &[
                (Modality::CarT, 30),
                (Modality::TcrT, 6),
                (Modality::Til, 5),
                (Modality::Nk, 8),
                (Modality::Treg, 4),
                (Modality::GammaDeltaT, 3),
                (Modality::GeneModifiedHsc, 5),
                (Modality::Msc, 10),
                (Modality::IpscDerived, 4),
                (Modality::DendriticCells, 4),
                (Modality::TCellProgenitors, 2),
                (Modality::CellDerivedProducts, 3),
                (Modality::NonHumanCells, 1),
            ],
            n,
        )
    };

    // Gene modification, from the modalities.
    let modifiable = modalities.iter().any(|m| {
        matches!(
            m,
            Modality::CarT
                | Modality::TcrT
                | Modality::Nk
                | Modality::GammaDeltaT
                | Modality::GeneModifiedHsc
                | Modality::TCellProgenitors
                | Modality::IpscDerived
        )
    });
    let gene_modification = if modifiable {
        let n = rng.weighted(&[(1, 55), (2, 35), (3, 10)]).unwrap_or(1);
        let mut methods = rng.distinct(
            &[
                (GeneModificationMethod::Lentiviral, 50),
                (GeneModificationMethod::GammaRetroviral, 12),
                (GeneModificationMethod::Transposon, 10),
                (GeneModificationMethod::GeneEditing, 15),
                (GeneModificationMethod::MrnaElectroporation, 8),
            ],
            n,
        );
        if modalities.contains(&Modality::GeneModifiedHsc)
            && !methods.contains(&GeneModificationMethod::Lentiviral)
            && rng.chance(80)
        {
            methods.insert(0, GeneModificationMethod::Lentiviral);
        }
        if rng.chance(10) {
            methods.push(GeneModificationMethod::None);
        }
        let viral = methods.iter().any(|m| {
            matches!(
                m,
                GeneModificationMethod::Lentiviral | GeneModificationMethod::GammaRetroviral
            )
        });
        let vector_supply = if viral {
            let n = rng.range(1, 2) as usize;
            rng.distinct(
                &[
                    (VectorSupply::InHouse, if commercial { 30 } else { 15 }),
                    (VectorSupply::Partner, 40),
                    (VectorSupply::SponsorSupplied, 35),
                ],
                n,
            )
        } else {
            Vec::new()
        };
        GeneModification {
            methods,
            vector_supply,
        }
    } else {
        GeneModification {
            methods: vec![GeneModificationMethod::None],
            vector_supply: Vec::new(),
        }
    };

    // Phase track record, skewed to early phases. The weights pick the latest phase
    // reached: Phase 1, 1/2, 2, 3, commercial.
    let max_phase = match kind {
        CdmoType::CommercialCdmo => rng.weighted(&[(1, 15), (2, 20), (3, 25), (4, 25), (5, 15)]),
        CdmoType::AcademicGmpCentre => rng.weighted(&[(1, 35), (2, 40), (3, 20), (4, 5)]),
        CdmoType::HospitalGmpCentre => rng.weighted(&[(1, 40), (2, 40), (3, 15), (4, 5)]),
        // Point of care (the server never decodes an unknown type).
        _ => rng.weighted(&[(1, 50), (2, 40), (3, 10)]),
    }
    .unwrap_or(1);
    let mut phases = Vec::new();
    if commercial || rng.chance(40) {
        let programmes = rng.range(2, 10) * scale;
        phases.push(PhaseExperience {
            phase: Phase::ProcessDevelopment,
            programmes,
            gmp_batches: programmes * rng.range(1, 3),
        });
    }
    for (rank, phase) in PHASE_ORDER.iter().copied().enumerate().take(max_phase) {
        if phase == Phase::Phase1_2 && rank + 1 < max_phase && rng.chance(30) {
            continue;
        }
        let (programmes, batches_each) = match phase {
            Phase::Phase1 => (rng.range(2, 8) * scale, rng.range(4, 12)),
            Phase::Phase1_2 => (rng.range(1, 5) * scale, rng.range(5, 15)),
            Phase::Phase2 => (rng.range(1, 4) * scale, rng.range(8, 25)),
            Phase::Phase3 => (rng.range(1, 2) * scale.min(2), rng.range(20, 80)),
            _ => (rng.range(1, 2), rng.range(150, 800)),
        };
        // Allogeneic batches serve many patients: far fewer of them.
        let batches_each = if autologous {
            batches_each
        } else {
            (batches_each / 4).max(1)
        };
        phases.push(PhaseExperience {
            phase,
            programmes,
            gmp_batches: programmes * batches_each,
        });
    }
    let reached_commercial = max_phase >= 5;

    // Platforms.
    let mut platform_kinds: Vec<Platform> = Vec::new();
    if poc {
        platform_kinds.push(if rng.chance(75) {
            Platform::ClinimacsProdigy
        } else {
            Platform::LonzaCocoon
        });
    } else {
        if autologous {
            let n = if commercial {
                rng.range(1, 3)
            } else {
                rng.range(1, 2)
            } as usize;
            platform_kinds = rng.distinct(
                &[
                    (Platform::ClinimacsProdigy, 30),
                    (Platform::LonzaCocoon, 15),
                    (
                        Platform::CellaresCellShuttle,
                        if commercial { 6 } else { 1 },
                    ),
                    (Platform::GRex, 25),
                    (Platform::RockingMotionBioreactor, 15),
                    (Platform::Other, 9),
                ],
                n,
            );
        }
        if allogeneic {
            let bioreactor = rng
                .weighted(&[
                    (Platform::StirredTankBioreactor, 45),
                    (Platform::RockingMotionBioreactor, 35),
                    (Platform::GRex, 10),
                    (Platform::Other, 10),
                ])
                .unwrap_or(Platform::RockingMotionBioreactor);
            if !platform_kinds.contains(&bioreactor) {
                platform_kinds.push(bioreactor);
            }
        }
    }
    let platforms: Vec<PlatformCapability> = platform_kinds
        .iter()
        .map(|&platform| {
            let (units, parallel) = match platform {
                Platform::CellaresCellShuttle => {
                    let units = rng.range(1, 3);
                    (units, units * 16)
                }
                Platform::StirredTankBioreactor => {
                    let units = rng.range(1, 4) * scale;
                    (units, (units / 2).max(1))
                }
                Platform::GRex => {
                    let units = rng.range(4, 20) * scale;
                    (units, (units / 2).max(1))
                }
                _ if poc => {
                    let units = rng.range(1, 4);
                    (units, units)
                }
                _ if commercial => {
                    let units = rng.range(4, 12) * scale;
                    (units, units)
                }
                _ => {
                    let units = rng.range(1, 6);
                    (units, units)
                }
            };
            let name = (platform == Platform::Other).then(|| {
                rng.pick(
                    &[
                        "Static culture bags",
                        "Multilayer flasks",
                        "Custom closed processing system",
                        "Hollow-fibre bioreactor",
                    ],
                    "Static culture bags",
                )
                .to_owned()
            });
            PlatformCapability {
                platform,
                name,
                units,
                parallel_batches: parallel,
            }
        })
        .collect();

    let allogeneic_experience = allogeneic.then(|| {
        let volume = if platform_kinds.contains(&Platform::StirredTankBioreactor) {
            rng.weighted(&[(50, 30), (200, 30), (500, 20), (1_000, 12), (2_000, 8)])
                .unwrap_or(50)
        } else if platform_kinds.contains(&Platform::RockingMotionBioreactor) {
            rng.pick(&[10, 20, 25, 50], 10)
        } else {
            rng.range(1, 10)
        };
        AllogeneicExperience {
            max_bioreactor_volume_l: f64::from(volume),
            doses_per_batch: (volume * rng.range(1, 3)).clamp(10, 5_000),
        }
    });
    let autologous_experience = autologous.then(|| AutologousExperience {
        batches_per_year: match kind {
            CdmoType::CommercialCdmo => {
                rng.range(40, 400) * scale * if reached_commercial { 3 } else { 1 }
            }
            CdmoType::PointOfCare => rng.range(10, 60),
            _ => rng.range(15, 150),
        },
    });

    // Sites.
    let site_count = if commercial {
        rng.weighted(&[(1, 65), (2, 25), (3, 10)]).unwrap_or(1)
    } else {
        rng.weighted(&[(1, 92), (2, 8)]).unwrap_or(1)
    };
    let stem = rng.pick(STEMS, "Aelvar");
    let mut sites = Vec::new();
    for i in 0..site_count {
        let (country, city, lat, lon) = random_city(&mut rng);
        let authority = national_authority(country);
        let europe = region_of(country) == Some(Region::Europe);
        let closed = poc
            || rng.chance(match kind {
                CdmoType::CommercialCdmo => 70,
                _ => 50,
            });
        let open_suites = !poc && (!closed || rng.chance(60));
        let mut cleanrooms = Vec::new();
        if open_suites {
            let a = rng.range(1, 3 * scale);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::A,
                count: a,
                area_m2: f64::from(a * rng.range(10, 20)),
            });
            let b = a + rng.range(0, 2);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::B,
                count: b,
                area_m2: f64::from(b * rng.range(60, 120)),
            });
        }
        let with_c = rng.chance(80) || cleanrooms.is_empty();
        if with_c {
            let c = rng.range(1, if poc { 1 } else { 4 * scale });
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::C,
                count: c,
                area_m2: f64::from(c * rng.range(30, 150)),
            });
        }
        if closed && rng.chance(50) {
            let d = rng.range(1, 4);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::D,
                count: d,
                area_m2: f64::from(d * rng.range(40, 250)),
            });
        }

        let mut licences = Vec::new();
        let mut licence =
            |kind: LicenceKind, authority: Authority, scope: &str, rng: &mut SplitMix64| {
                let granted = random_date(rng, 2005, 2025);
                let expires_on = (kind == LicenceKind::FactJacieAccreditation)
                    .then(|| ymd((granted.0 + 3, granted.1, granted.2)));
                licences.push(Licence {
                    authority,
                    kind,
                    scope: scope.into(),
                    granted_on: ymd(granted),
                    expires_on,
                });
            };
        match kind {
            CdmoType::CommercialCdmo => {
                if authority == Authority::Fda {
                    if reached_commercial && rng.chance(70) {
                        licence(
                            LicenceKind::BlaApprovedSite,
                            authority,
                            "Commercial cell therapy manufacture",
                            &mut rng,
                        );
                    }
                } else {
                    let authorised = rng.chance(75);
                    if authorised {
                        licence(
                            LicenceKind::ManufacturingAuthorisation,
                            authority,
                            "ATMP manufacturing authorisation",
                            &mut rng,
                        );
                    }
                    // Without a manufacturing authorisation, at least an IMP licence.
                    if !authorised || rng.chance(40) {
                        licence(
                            LicenceKind::ImpLicence,
                            authority,
                            "Investigational ATMP manufacture",
                            &mut rng,
                        );
                    }
                    if reached_commercial && in_eu(country) && rng.chance(30) {
                        licence(
                            LicenceKind::ManufacturingAuthorisation,
                            Authority::Ema,
                            "Named site in a centrally authorised ATMP",
                            &mut rng,
                        );
                    }
                }
            }
            CdmoType::AcademicGmpCentre | CdmoType::HospitalGmpCentre => {
                if authority != Authority::Fda && rng.chance(85) {
                    licence(
                        LicenceKind::ImpLicence,
                        authority,
                        "Investigational cell therapy manufacture",
                        &mut rng,
                    );
                }
                let accredited = if kind == CdmoType::HospitalGmpCentre {
                    70
                } else {
                    25
                };
                if rng.chance(accredited) {
                    licence(
                        LicenceKind::FactJacieAccreditation,
                        Authority::Other,
                        "FACT-JACIE cellular therapy accreditation",
                        &mut rng,
                    );
                }
            }
            // Point of care (the server never decodes an unknown type).
            _ => {
                if (europe || authority == Authority::Other) && rng.chance(85) {
                    licence(
                        LicenceKind::HospitalExemption,
                        authority,
                        "Hospital exemption: in-hospital CAR-T production",
                        &mut rng,
                    );
                } else if rng.chance(60) {
                    licence(
                        LicenceKind::FactJacieAccreditation,
                        Authority::Other,
                        "FACT-JACIE immune effector cell accreditation",
                        &mut rng,
                    );
                }
            }
        }

        let inspection_count = rng
            .weighted(&[(0, 20), (1, 35), (2, 30), (3, 15)])
            .unwrap_or(0);
        let mut inspections: Vec<Inspection> = (0..inspection_count)
            .map(|_| {
                let by = if authority != Authority::Fda && max_phase >= 4 && rng.chance(15) {
                    Authority::Fda
                } else {
                    authority
                };
                Inspection {
                    authority: by,
                    date: ymd(random_date(&mut rng, 2015, 2025)),
                    outcome: rng
                        .weighted(&[
                            (InspectionOutcome::NoFindings, 50),
                            (InspectionOutcome::MinorFindings, 38),
                            (InspectionOutcome::MajorFindings, 8),
                            (InspectionOutcome::CriticalFindings, 2),
                            (InspectionOutcome::Enforcement, 2),
                        ])
                        .unwrap_or(InspectionOutcome::NoFindings),
                }
            })
            .collect();
        inspections.sort_by_key(|inspection| inspection.date);

        sites.push(Site {
            key: format!("{}-{}", slug(city), i + 1),
            name: format!("{stem} {city}"),
            country: country.into(),
            city: city.into(),
            latitude: lat,
            longitude: lon,
            cleanrooms,
            closed_processing: closed,
            isolators: !poc && rng.chance(30),
            licences,
            inspections,
        });
    }
    let home = sites
        .first()
        .map(|s| s.country.clone())
        .unwrap_or_else(|| "US".into());
    let home_region = region_of(&home).unwrap_or(Region::NorthAmerica);

    // QC.
    let viral = gene_modification.methods.iter().any(|m| {
        matches!(
            m,
            GeneModificationMethod::Lentiviral | GeneModificationMethod::GammaRetroviral
        )
    });
    let mut assays = Vec::new();
    let rapid = rng.chance(40);
    if !rapid || rng.chance(50) {
        assays.push(QcAssay::CompendialSterility);
    }
    if rapid {
        assays.push(QcAssay::RapidMicrobiology);
    }
    for (assay, percent) in [
        (QcAssay::Mycoplasma, 90),
        (QcAssay::Endotoxin, 95),
        (QcAssay::IdentityFlow, 95),
        (QcAssay::Potency, if commercial { 85 } else { 55 }),
        (QcAssay::VectorCopyNumber, if viral { 70 } else { 0 }),
        (
            QcAssay::ReplicationCompetentVirus,
            if viral { 45 } else { 0 },
        ),
    ] {
        if rng.chance(percent) {
            assays.push(assay);
        }
    }

    // Cryo and logistics.
    let small = !commercial && scale == 1;
    let min_storage_temp_c = if small && rng.chance(15) {
        -80
    } else {
        rng.pick(&[-150, -156, -165, -170, -180, -185, -190, -196], -180)
    };
    let shipping_lead_time_hours = if poc {
        rng.chance(50).then(|| rng.range(2, 12))
    } else {
        Some(rng.pick(&[4, 6, 8, 12, 24, 24, 48, 72], 24))
    };
    let mut regions_served = vec![home_region];
    let mut hubs = Vec::new();
    if commercial {
        for (region, percent) in [
            (Region::NorthAmerica, 60),
            (Region::Europe, 60),
            (Region::AsiaPacific, 40),
            (Region::LatinAmerica, 20),
            (Region::MiddleEast, 20),
            (Region::Africa, 5),
        ] {
            if !regions_served.contains(&region) && rng.chance(percent) {
                regions_served.push(region);
            }
        }
        for _ in 0..rng.range(0, 3) {
            let country = rng.weighted(COUNTRY_WEIGHTS).unwrap_or("US");
            if !hubs.iter().any(|h: &LogisticsHub| h.country == country) {
                hubs.push(LogisticsHub {
                    country: country.into(),
                    scope: if rng.chance(60) {
                        HubScope::Global
                    } else {
                        HubScope::Local
                    },
                });
            }
        }
    } else {
        if !poc && rng.chance(20) {
            let other = rng.pick(
                &[Region::Europe, Region::NorthAmerica, Region::AsiaPacific],
                Region::Europe,
            );
            if !regions_served.contains(&other) {
                regions_served.push(other);
            }
        }
        if rng.chance(30) {
            hubs.push(LogisticsHub {
                country: home.clone(),
                scope: HubScope::Local,
            });
        }
    }

    // Performance and tech transfer.
    let process_days = if poc {
        rng.range(7, 12)
    } else if autologous {
        rng.range(7, 16)
    } else {
        rng.range(12, 24)
    };
    let turnaround = (process_days + rng.range(2, 8)).clamp(7, 25);
    let success = f64::from(rng.range(850, 990)) / 10.0;
    let months_min = rng.range(6, 12);
    let months_max = (months_min + rng.range(3, 12)).min(24);
    let cost_min = u64::from(rng.range(6, 40)) * 50_000;
    let cost_max = (cost_min + u64::from(rng.range(4, 60)) * 50_000).min(5_000_000);

    let suffix = match kind {
        CdmoType::CommercialCdmo => rng.pick(
            &[
                "Biomanufacturing",
                "Cell Therapies",
                "Bioprocess",
                "Cell Works",
                "Advanced Therapies",
            ],
            "Biomanufacturing",
        ),
        CdmoType::AcademicGmpCentre => rng.pick(
            &[
                "University GMP Facility",
                "Academic Cell Therapy Centre",
                "Institute Cell Processing Unit",
            ],
            "University GMP Facility",
        ),
        CdmoType::HospitalGmpCentre => rng.pick(
            &[
                "Hospital Cell Therapy Unit",
                "Medical Center GMP Laboratory",
            ],
            "Hospital Cell Therapy Unit",
        ),
        // Point of care (the server never decodes an unknown type).
        _ => rng.pick(
            &["Point-of-Care CAR-T Unit", "Bedside Manufacturing Unit"],
            "Point-of-Care CAR-T Unit",
        ),
    };
    let name = format!("{stem} {suffix} {index}");
    let automated = commercial && rng.chance(50);

    CapabilityProfile {
        organization: OrganizationFacts {
            website: Some(format!("https://www.{}-{index}.example", slug(stem))),
            name,
            cdmo_type: kind,
            years_in_operation: Some(match kind {
                CdmoType::CommercialCdmo => rng.range(2, 30),
                CdmoType::PointOfCare => rng.range(1, 8),
                _ => rng.range(5, 40),
            }),
            description: Some("Synthetic profile generated for benchmarks.".into()),
        },
        sites,
        donor_sources: DonorSourceExperience {
            autologous: autologous_experience,
            allogeneic: allogeneic_experience,
        },
        modalities,
        gene_modification,
        phases,
        platforms,
        automation: Automation {
            automated_wash_concentration: poc || rng.chance(if commercial { 85 } else { 35 }),
            automated_formulation: poc || rng.chance(if commercial { 70 } else { 25 }),
            fill: if automated {
                FillAutomation::Automated
            } else if commercial || rng.chance(25) {
                FillAutomation::SemiAutomated
            } else {
                FillAutomation::Manual
            },
            controlled_rate_freezers: rng.range(1, 3) * scale,
        },
        quality: QualitySystem {
            qms: true,
            gmp_warehouse: commercial || rng.chance(60),
            validation_programme: commercial || rng.chance(85),
            calibration_programme: true,
        },
        qc: QualityControl {
            in_house_assays: assays,
            release_turnaround_days: Some(rng.range(2, 14)),
            qp_release: has_qp(&home) && rng.chance(90),
        },
        cryo: CryoStorage {
            min_storage_temp_c: Some(min_storage_temp_c),
            storage_positions: Some(rng.range(200, 5_000) * scale * if commercial { 4 } else { 1 }),
            controlled_rate_freezing: true,
        },
        logistics: Logistics {
            shipping_lead_time_hours,
            hubs,
            regions_served,
            chain_of_custody: commercial || poc || rng.chance(70),
        },
        performance: Performance {
            process_duration_days: Some(process_days),
            median_turnaround_days: Some(turnaround),
            success_rate_percent: Some(success),
        },
        tech_transfer: TechTransfer {
            duration_months_min: Some(months_min),
            duration_months_max: Some(months_max),
            cost_usd_min: Some(cost_min),
            cost_usd_max: Some(cost_max),
            engineering_runs: Some(rng.range(1, 3)),
            comparability_support: commercial || rng.chance(40),
            process_development_services: commercial || rng.chance(50),
        },
        soft_factors: SoftFactors {
            languages: languages_of(&home)
                .iter()
                .map(|l| (*l).to_owned())
                .collect(),
            small_batch_flexibility: (!commercial || rng.chance(30)).then(|| {
                rng.pick(
                    &[
                        "Single-patient batches accepted for early-phase trials.",
                        "Slots can be split between cohorts and moved at two weeks' notice.",
                        "Minimum campaign of three batches; flexible scheduling.",
                    ],
                    "Single-patient batches accepted for early-phase trials.",
                )
                .to_owned()
            }),
            communication: rng.chance(50).then(|| {
                rng.pick(
                    &[
                        "Weekly sponsor call and shared batch tracker.",
                        "Named project manager; monthly steering meeting.",
                        "Sponsor portal with batch status and deviations.",
                    ],
                    "Weekly sponsor call and shared batch tracker.",
                )
                .to_owned()
            }),
        },
    }
}

/// The requirement set the matching benchmarks use: a late-stage autologous CAR-T
/// programme with four hard constraints and every criterion (missing data penalised).
pub fn benchmark_requirements() -> RequirementSet {
    let weighted = |criterion, weight| WeightedCriterion {
        criterion,
        weight,
        scale: None,
        missing: Some(MissingDataPolicy::Penalise),
        origin: None,
    };
    let mut distance = weighted(Criterion::Distance, 1.0);
    distance.origin = Some(GeoPoint {
        latitude: 48.85,
        longitude: 2.35,
    });
    RequirementSet {
        constraints: HardConstraints {
            donor_source: Some(DonorSource::Autologous),
            modalities: vec![Modality::CarT],
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Phase2,
                min_programmes: 1,
            }),
            max_cryo_temp_c: Some(-150),
            ..Default::default()
        },
        criteria: vec![
            weighted(Criterion::TrackRecordDepth, 3.0),
            weighted(Criterion::TechTransferTime, 1.0),
            weighted(Criterion::TechTransferCost, 1.0),
            weighted(Criterion::QcCoverage, 1.0),
            weighted(Criterion::SuccessRate, 2.0),
            weighted(Criterion::Turnaround, 2.0),
            distance,
            weighted(Criterion::InspectionHistory, 1.0),
            weighted(Criterion::EvidenceConfidence, 1.0),
        ],
        missing_data_penalty_percent: None,
        capacity: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::region_of;
    use crate::domain::profiles::{ValidProfile, max_phase, phase_rank};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    /// Validates a profile, printing every violation if it fails, and checks the rules
    /// the data set promises beyond validation: dates in the past (and not a fallback),
    /// upper-case known country codes.
    fn assert_valid(p: &CapabilityProfile) {
        if let Err(violations) = ValidProfile::parse(p.clone(), today()) {
            let list: Vec<String> = violations
                .into_iter()
                .map(|v| format!("  {}: {}", v.field, v.message))
                .collect();
            panic!("{} is invalid:\n{}", p.organization.name, list.join("\n"));
        }
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for site in &p.sites {
            assert!(region_of(&site.country).is_some(), "{}", site.country);
            let dates = site
                .licences
                .iter()
                .map(|l| l.granted_on)
                .chain(site.inspections.iter().map(|i| i.date));
            for date in dates {
                assert!(
                    (earliest..=latest).contains(&date),
                    "{}: date {date}",
                    p.organization.name
                );
            }
        }
        for hub in &p.logistics.hubs {
            assert!(region_of(&hub.country).is_some(), "{}", hub.country);
        }
    }

    fn has_phase(p: &CapabilityProfile, phase: Phase) -> bool {
        p.phases
            .iter()
            .any(|e| e.phase == phase && e.programmes > 0)
    }

    fn reaches(p: &CapabilityProfile, phase: Phase) -> bool {
        max_phase(p).is_some_and(|m| phase_rank(m) >= phase_rank(phase))
    }

    fn authorities(p: &CapabilityProfile) -> Vec<Authority> {
        p.sites
            .iter()
            .flat_map(|s| s.licences.iter().map(|l| l.authority))
            .collect()
    }

    fn names(cdmos: &[&DemoCdmo]) -> Vec<String> {
        cdmos.iter().map(|c| c.organization_name.clone()).collect()
    }

    /// Asserts that `expected` are among the matching names and `excluded` are not.
    fn assert_answers(matches: &[&DemoCdmo], expected: &[&str], excluded: &[&str]) {
        let found = names(matches);
        for name in expected {
            assert!(
                found.iter().any(|f| f == name),
                "{name} missing from {found:?}"
            );
        }
        for name in excluded {
            assert!(!found.iter().any(|f| f == name), "{name} should not match");
        }
    }

    #[test]
    fn every_demo_cdmo_is_valid() {
        for cdmo in demo_cdmos() {
            assert_eq!(cdmo.organization_name, cdmo.profile.organization.name);
            assert_valid(&cdmo.profile);
        }
    }

    #[test]
    fn the_demo_set_is_deterministic_sized_and_uniquely_named() {
        let cdmos = demo_cdmos();
        assert_eq!(cdmos, demo_cdmos());
        assert!((35..=45).contains(&cdmos.len()), "{}", cdmos.len());
        let mut all = names(&cdmos.iter().collect::<Vec<_>>());
        all.sort();
        all.dedup();
        assert_eq!(all.len(), cdmos.len(), "names are not unique");
        let verified = cdmos.iter().filter(|c| c.verified).count();
        let share = verified as f64 / cdmos.len() as f64;
        assert!((0.65..=0.85).contains(&share), "{verified} verified");
        let sponsors = demo_sponsors();
        assert!((3..=5).contains(&sponsors.len()));
        assert_eq!(sponsors, demo_sponsors());
    }

    #[test]
    fn the_demo_set_covers_the_field() {
        let cdmos = demo_cdmos();
        for kind in CdmoType::ALL {
            assert!(
                cdmos
                    .iter()
                    .any(|c| c.profile.organization.cdmo_type == *kind),
                "{kind:?}"
            );
        }
        assert!(
            cdmos
                .iter()
                .any(|c| c.profile.donor_sources.autologous.is_some())
        );
        assert!(
            cdmos
                .iter()
                .any(|c| c.profile.donor_sources.allogeneic.is_some())
        );
        let mut regions: Vec<Region> = cdmos
            .iter()
            .flat_map(|c| c.profile.sites.iter())
            .filter_map(|s| region_of(&s.country))
            .collect();
        regions.sort();
        regions.dedup();
        assert!(regions.len() >= 3, "{regions:?}");
        let late = cdmos
            .iter()
            .filter(|c| reaches(&c.profile, Phase::Phase3))
            .count();
        assert!(late >= 4, "{late}");
        for platform in [
            Platform::ClinimacsProdigy,
            Platform::LonzaCocoon,
            Platform::CellaresCellShuttle,
            Platform::GRex,
            Platform::RockingMotionBioreactor,
            Platform::StirredTankBioreactor,
        ] {
            assert!(
                cdmos
                    .iter()
                    .any(|c| c.profile.platforms.iter().any(|p| p.platform == platform)),
                "{platform:?}"
            );
        }
    }

    #[test]
    fn scenario_1_allogeneic_industrial_partner() {
        let cdmos = demo_cdmos();
        let fits = |p: &CapabilityProfile| {
            p.donor_sources
                .allogeneic
                .as_ref()
                .is_some_and(|a| a.max_bioreactor_volume_l >= 200.0 && a.doses_per_batch >= 100)
                && p.platforms
                    .iter()
                    .any(|x| x.platform == Platform::StirredTankBioreactor)
                && has_phase(p, Phase::Phase3)
                && has_phase(p, Phase::Commercial)
                && p.cryo.min_storage_temp_c.is_some_and(|t| t <= -150)
                && p.logistics.regions_served.len() >= 3
                && p.logistics.hubs.iter().any(|h| h.scope == HubScope::Global)
        };
        let matches: Vec<&DemoCdmo> = cdmos.iter().filter(|c| fits(&c.profile)).collect();
        assert!(matches.len() >= 2, "{:?}", names(&matches));
        assert_answers(
            &matches,
            &["Tessaric Biomanufacturing", "Aldermoor Cell Industries"],
            &[
                "Quillon Cell Manufacturing",
                "Orvanta Biologics",
                "Aurinberg Cell Therapies",
            ],
        );
        let near_misses: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                c.profile.donor_sources.allogeneic.is_some()
                    && max_phase(&c.profile) == Some(Phase::Phase2)
            })
            .collect();
        assert_answers(&near_misses, &["Quillon Cell Manufacturing"], &[]);
    }

    #[test]
    fn scenario_2_french_academic_centre_for_t_cell_progenitors() {
        let cdmos = demo_cdmos();
        let academic_progenitors = |c: &&DemoCdmo| {
            c.profile.organization.cdmo_type == CdmoType::AcademicGmpCentre
                && c.profile.modalities.contains(&Modality::TCellProgenitors)
                && has_phase(&c.profile, Phase::Phase1)
                && has_phase(&c.profile, Phase::Phase1_2)
        };
        let fda_fact = |p: &CapabilityProfile| {
            p.sites.iter().any(|s| {
                s.inspections.iter().any(|i| {
                    i.authority == Authority::Fda && i.outcome == InspectionOutcome::NoFindings
                }) || s.licences.iter().any(|l| l.authority == Authority::Fda)
            })
        };
        let in_france = |p: &CapabilityProfile| p.sites.iter().all(|s| s.country == "FR");
        let french: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(academic_progenitors)
            .filter(|c| {
                in_france(&c.profile)
                    && fda_fact(&c.profile)
                    && c.profile.soft_factors.small_batch_flexibility.is_some()
            })
            .collect();
        assert_answers(
            &french,
            &["Plateforme Hélianthe de Thérapie Cellulaire"],
            &["Centre de Biothérapies Rhodanien"],
        );
        let elsewhere: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(academic_progenitors)
            .filter(|c| !in_france(&c.profile))
            .collect();
        assert_answers(
            &elsewhere,
            &["Meerdaal University Cell Therapy Facility"],
            &[],
        );
    }

    #[test]
    fn scenario_3_six_point_checklist() {
        let cdmos = demo_cdmos();
        let fits = |p: &CapabilityProfile| {
            let auth = authorities(p);
            has_phase(p, Phase::Phase3)
                && auth.contains(&Authority::Fda)
                && (auth.contains(&Authority::Ema) || auth.contains(&Authority::EuMemberState))
                && p.quality.qms
                && p.quality.gmp_warehouse
                && p.sites.iter().any(|s| {
                    let grades: Vec<CleanroomGrade> =
                        s.cleanrooms.iter().map(|c| c.grade).collect();
                    grades.contains(&CleanroomGrade::A)
                        && grades.contains(&CleanroomGrade::B)
                        && s.closed_processing
                })
                && p.automation.automated_wash_concentration
                && p.automation.automated_formulation
                && p.automation.fill == FillAutomation::Automated
                && p.cryo.min_storage_temp_c.is_some_and(|t| t < -150)
                && p.logistics
                    .shipping_lead_time_hours
                    .is_some_and(|h| h <= 24)
        };
        let matches: Vec<&DemoCdmo> = cdmos.iter().filter(|c| fits(&c.profile)).collect();
        assert!(matches.len() >= 2, "{:?}", names(&matches));
        assert_answers(
            &matches,
            &["Tessaric Biomanufacturing", "Corvane Biologics"],
            &[
                "Bellcourt Advanced Therapies",
                "Sequoyah Cell Manufacturing",
            ],
        );
        // The near miss with everything but an FDA licence.
        assert!(cdmos.iter().any(|c| {
            has_phase(&c.profile, Phase::Phase3)
                && !authorities(&c.profile).contains(&Authority::Fda)
                && c.profile.automation.fill == FillAutomation::Automated
        }));
    }

    #[test]
    fn scenario_4_lentiviral_gene_modified_hsc() {
        let cdmos = demo_cdmos();
        let matches: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                let p = &c.profile;
                p.organization.cdmo_type == CdmoType::AcademicGmpCentre
                    && p.modalities.contains(&Modality::GeneModifiedHsc)
                    && p.gene_modification
                        .methods
                        .contains(&GeneModificationMethod::Lentiviral)
                    && p.qc.in_house_assays.contains(&QcAssay::VectorCopyNumber)
                    && p.qc
                        .in_house_assays
                        .contains(&QcAssay::ReplicationCompetentVirus)
                    && has_phase(p, Phase::Phase1_2)
            })
            .collect();
        assert_answers(
            &matches,
            &[
                "Istituto Valdora per la Terapia Genica",
                "Thornfield Institute Gene Therapy Facility",
            ],
            &["Uppvik University Cell Therapy Centre"],
        );
    }

    #[test]
    fn scenario_5_point_of_care_car_t() {
        let cdmos = demo_cdmos();
        let matches: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                let p = &c.profile;
                p.organization.cdmo_type == CdmoType::PointOfCare
                    && p.modalities.contains(&Modality::CarT)
                    && p.platforms
                        .iter()
                        .any(|x| x.platform == Platform::ClinimacsProdigy)
                    && p.sites.iter().any(|s| s.closed_processing)
                    && p.sites.iter().any(|s| {
                        s.licences
                            .iter()
                            .any(|l| l.kind == LicenceKind::HospitalExemption)
                    })
                    && p.performance
                        .process_duration_days
                        .is_some_and(|d| (7..=12).contains(&d))
            })
            .collect();
        assert_answers(
            &matches,
            &[
                "Alborada Children's Hospital CAR-T Unit",
                "Skogsbacka Children's Cancer Centre CAR-T Unit",
            ],
            &["Bayfront Community Cancer Institute Point-of-Care Lab"],
        );
    }

    #[test]
    fn synthetic_profiles_are_valid_deterministic_and_seeded() {
        let mut names = std::collections::HashSet::new();
        for index in 0..2_000 {
            let p = synthetic_profile(7, index);
            assert_valid(&p);
            assert!(names.insert(p.organization.name.clone()), "{index}");
        }
        for index in [0, 1, 999, 1_999, u64::MAX] {
            assert_eq!(synthetic_profile(7, index), synthetic_profile(7, index));
        }
        let differ = (0..20).any(|i| synthetic_profile(7, i) != synthetic_profile(8, i));
        assert!(differ);
        assert_ne!(synthetic_profile(7, 0), synthetic_profile(8, 0));
    }

    #[test]
    fn synthetic_profiles_follow_realistic_distributions() {
        let profiles: Vec<CapabilityProfile> =
            (0..2_000).map(|i| synthetic_profile(7, i)).collect();
        let share = |f: &dyn Fn(&CapabilityProfile) -> bool| {
            profiles.iter().filter(|p| f(p)).count() as f64 / profiles.len() as f64
        };
        let commercial = share(&|p| p.organization.cdmo_type == CdmoType::CommercialCdmo);
        assert!((0.35..0.55).contains(&commercial), "{commercial}");
        let us = share(&|p| p.sites[0].country == "US");
        assert!((0.2..0.4).contains(&us), "{us}");
        let late = share(&|p| reaches(p, Phase::Phase3));
        let early = share(&|p| !reaches(p, Phase::Phase2));
        assert!(late < early, "{late} {early}");
        for kind in CdmoType::ALL {
            assert!(share(&|p| p.organization.cdmo_type == *kind) > 0.0);
        }
        assert!(profiles.iter().all(|p| (1..=3).contains(&p.sites.len())));
    }
}
