//! Capability profiles: what a valid one is, what search indexes of it, how trustworthy
//! each section is, and how revisions differ.

use cdmx_sdk::types::{
    Authority, CapabilityProfile, CdmoSearch, CleanroomGrade, CommaSeparated, Confidence,
    DonorSource, EvidenceStatus, FieldChange, GeneModificationMethod, LicenceKind, Modality,
    NewEvidence, Phase, Platform, ProfileSection, Region, SectionConfidence,
};
use chrono::NaiveDate;
use serde_json::Value;

use super::{Violations, geo, input, mask_of};

/// A profile that passed validation, normalised (trimmed text, upper-case countries,
/// lower-case languages).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProfile(CapabilityProfile);

/// The highest cost a profile may state, USD: sane, and exact as a JSON number in any
/// client (below 2^53).
const COST_MAX_USD: u64 = 1_000_000_000;

/// A date that records something done: not after `today`, nor before the earliest date
/// a request may name.
fn check_past_date(v: &mut Violations, field: &str, date: NaiveDate, today: NaiveDate) {
    if date > today {
        v.add(field, "must not be in the future");
    } else {
        input::check_date(v, field, date);
    }
}

/// Checks a name or label and stores it as [`input::parse_name`] leaves it.
fn check_name(v: &mut Violations, field: &str, name: &mut String, max: usize) {
    match input::parse_name(name, max) {
        Ok(clean) => *name = clean,
        Err(message) => v.add(field, message),
    }
}

/// Checks free text and stores it as [`input::parse_note`] leaves it.
fn check_text(v: &mut Violations, field: &str, text: &mut String, max: usize, required: bool) {
    match input::parse_note(text, max) {
        Ok(clean) if required && clean.is_empty() => v.add(field, "is required"),
        Ok(clean) => *text = clean,
        Err(message) => v.add(field, message),
    }
}

/// Trims optional text in place.
fn trim_optional(text: &mut Option<String>) {
    if let Some(t) = text {
        *t = t.trim().to_owned();
    }
}

fn check_range<T: PartialOrd + std::fmt::Display>(
    v: &mut Violations,
    field: &str,
    value: T,
    min: T,
    max: T,
) {
    if value < min || value > max {
        v.add(field, format!("must be between {min} and {max}"));
    }
}

fn check_finite_range(v: &mut Violations, field: &str, value: f64, min: f64, max: f64) {
    if !value.is_finite() || value < min || value > max {
        v.add(field, format!("must be a number between {min} and {max}"));
    }
}

fn check_unique<T: PartialEq + Copy + std::fmt::Debug>(
    v: &mut Violations,
    field: &str,
    items: &[T],
) {
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            v.add(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

fn check_url(v: &mut Violations, field: &str, url: &str) {
    let url = url.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 500
        && !url.chars().any(char::is_whitespace)
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        v.add(field, "must be an http(s) URL of at most 500 characters");
    }
}

fn check_country(v: &mut Violations, field: &str, country: &str) {
    if !geo::is_country(&country.trim().to_uppercase()) {
        v.add(
            field,
            format!("`{country}` is not an ISO 3166-1 alpha-2 country code"),
        );
    }
}

impl ValidProfile {
    /// Validates every field, reporting each violation by its path (`sites[0].country`).
    /// `today` bounds dates that cannot lie in the future.
    pub fn parse(mut p: CapabilityProfile, today: NaiveDate) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let o = &mut p.organization;
        check_name(&mut v, "organization.name", &mut o.name, 200);
        if let Some(years) = o.years_in_operation {
            check_range(&mut v, "organization.years_in_operation", years, 0, 200);
        }
        if let Some(url) = &o.website {
            check_url(&mut v, "organization.website", url);
        }
        if let Some(d) = &mut o.description {
            check_text(&mut v, "organization.description", d, 2000, false);
        }

        if p.sites.is_empty() {
            v.add("sites", "at least one site is required");
        }
        for (i, site) in p.sites.iter_mut().enumerate() {
            let at = |f: &str| format!("sites[{i}].{f}");
            site.country = site.country.trim().to_uppercase();
            site.key = site.key.trim().to_owned();
            let key_ok = !site.key.is_empty()
                && site.key.len() <= 50
                && site
                    .key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !key_ok {
                v.add(at("key"), "must be 1 to 50 characters of a-z, 0-9 and -");
            }
            check_name(&mut v, &at("name"), &mut site.name, 200);
            check_country(&mut v, &at("country"), &site.country);
            check_name(&mut v, &at("city"), &mut site.city, 100);
            match (site.latitude, site.longitude) {
                (Some(latitude), Some(longitude)) => {
                    check_finite_range(&mut v, &at("latitude"), latitude, -90.0, 90.0);
                    check_finite_range(&mut v, &at("longitude"), longitude, -180.0, 180.0);
                }
                (Some(_), None) => v.add(
                    at("longitude"),
                    "is required with latitude (give both coordinates, or neither)",
                ),
                (None, Some(_)) => v.add(
                    at("latitude"),
                    "is required with longitude (give both coordinates, or neither)",
                ),
                (None, None) => {}
            }
            for (j, suite) in site.cleanrooms.iter().enumerate() {
                if let Some(count) = suite.count {
                    check_range(
                        &mut v,
                        &at(&format!("cleanrooms[{j}].count")),
                        count,
                        1,
                        500,
                    );
                }
                if let Some(area) = suite.area_m2 {
                    check_finite_range(
                        &mut v,
                        &at(&format!("cleanrooms[{j}].area_m2")),
                        area,
                        1.0,
                        100_000.0,
                    );
                }
            }
            let grades: Vec<_> = site.cleanrooms.iter().map(|c| c.grade).collect();
            check_unique(&mut v, &at("cleanrooms"), &grades);
            for (j, licence) in site.licences.iter_mut().enumerate() {
                let lf = |f: &str| at(&format!("licences[{j}].{f}"));
                check_text(&mut v, &lf("scope"), &mut licence.scope, 500, true);
                if let Some(coverage) = &licence.coverage {
                    check_unique(&mut v, &lf("coverage.modalities"), &coverage.modalities);
                    check_unique(
                        &mut v,
                        &lf("coverage.donor_sources"),
                        &coverage.donor_sources,
                    );
                    if coverage.activities.is_empty() {
                        v.add(
                            lf("coverage.activities"),
                            "name at least one activity the licence authorises",
                        );
                    }
                    check_unique(&mut v, &lf("coverage.activities"), &coverage.activities);
                }
                check_past_date(&mut v, &lf("granted_on"), licence.granted_on, today);
                input::check_optional_date(&mut v, &lf("expires_on"), licence.expires_on);
                if licence.expires_on.is_some_and(|e| e <= licence.granted_on) {
                    v.add(lf("expires_on"), "must be after granted_on");
                }
            }
            for (j, acceptance) in site.acceptances.iter_mut().enumerate() {
                let af = |f: &str| at(&format!("acceptances[{j}].{f}"));
                trim_optional(&mut acceptance.reference);
                trim_optional(&mut acceptance.note);
                if let Some(reference) = &mut acceptance.reference {
                    check_text(&mut v, &af("reference"), reference, 200, true);
                }
                if let Some(note) = &mut acceptance.note {
                    check_text(&mut v, &af("note"), note, 500, true);
                }
                check_past_date(&mut v, &af("accepted_on"), acceptance.accepted_on, today);
            }
            for (j, inspection) in site.inspections.iter().enumerate() {
                check_past_date(
                    &mut v,
                    &at(&format!("inspections[{j}].date")),
                    inspection.date,
                    today,
                );
            }
        }
        for (i, site) in p.sites.iter().enumerate() {
            if p.sites[..i].iter().any(|s| s.key == site.key) {
                v.add(format!("sites[{i}].key"), "is used by another site");
            }
        }

        let donors = &p.donor_sources;
        if donors.autologous.is_none() && donors.allogeneic.is_none() {
            v.add(
                "donor_sources",
                "declare autologous or allogeneic experience (or both)",
            );
        }
        if let Some(batches) = donors.autologous.as_ref().and_then(|a| a.batches_per_year) {
            check_range(
                &mut v,
                "donor_sources.autologous.batches_per_year",
                batches,
                0,
                100_000,
            );
        }
        if let Some(a) = &donors.allogeneic {
            if let Some(volume) = a.max_bioreactor_volume_l {
                check_finite_range(
                    &mut v,
                    "donor_sources.allogeneic.max_bioreactor_volume_l",
                    volume,
                    0.0,
                    5_000.0,
                );
            }
            if let Some(doses) = a.doses_per_batch {
                check_range(
                    &mut v,
                    "donor_sources.allogeneic.doses_per_batch",
                    doses,
                    0,
                    1_000_000,
                );
            }
        }
        if p.modalities.is_empty() {
            v.add("modalities", "at least one modality is required");
        }
        check_unique(&mut v, "modalities", &p.modalities);
        check_unique(
            &mut v,
            "gene_modification.methods",
            &p.gene_modification.methods,
        );
        check_unique(
            &mut v,
            "gene_modification.vector_supply",
            &p.gene_modification.vector_supply,
        );

        let phases: Vec<Phase> = p.phases.iter().map(|e| e.phase).collect();
        check_unique(&mut v, "phases", &phases);
        for (i, e) in p.phases.iter().enumerate() {
            check_range(
                &mut v,
                &format!("phases[{i}].programmes"),
                e.programmes,
                0,
                10_000,
            );
            if let Some(batches) = e.gmp_batches {
                check_range(
                    &mut v,
                    &format!("phases[{i}].gmp_batches"),
                    batches,
                    0,
                    1_000_000,
                );
            }
        }
        for (i, platform) in p.platforms.iter_mut().enumerate() {
            let at = |f: &str| format!("platforms[{i}].{f}");
            if let Some(units) = platform.units {
                check_range(&mut v, &at("units"), units, 1, 10_000);
            }
            if let Some(parallel) = platform.parallel_batches {
                check_range(&mut v, &at("parallel_batches"), parallel, 1, 10_000);
            }
            if let Some(name) = &mut platform.name {
                check_name(&mut v, &at("name"), name, 100);
            } else if platform.platform == Platform::Other {
                v.add(at("name"), "is required for platform `other`");
            }
        }
        if let Some(freezers) = p.automation.controlled_rate_freezers {
            check_range(
                &mut v,
                "automation.controlled_rate_freezers",
                freezers,
                0,
                1_000,
            );
        }
        check_unique(&mut v, "qc.in_house_assays", &p.qc.in_house_assays);
        if let Some(days) = p.qc.release_turnaround_days {
            check_range(&mut v, "qc.release_turnaround_days", days, 0, 365);
        }
        if let Some(t) = p.cryo.min_storage_temp_c {
            check_range(&mut v, "cryo.min_storage_temp_c", t, -273, 25);
        }
        if let Some(h) = p.logistics.shipping_lead_time_hours {
            check_range(&mut v, "logistics.shipping_lead_time_hours", h, 0, 24 * 60);
        }
        for (i, hub) in p.logistics.hubs.iter_mut().enumerate() {
            hub.country = hub.country.trim().to_uppercase();
            check_country(
                &mut v,
                &format!("logistics.hubs[{i}].country"),
                &hub.country,
            );
        }
        check_unique(
            &mut v,
            "logistics.regions_served",
            &p.logistics.regions_served,
        );
        let perf = &p.performance;
        if let Some(d) = perf.process_duration_days {
            check_range(&mut v, "performance.process_duration_days", d, 0, 365);
        }
        if let Some(d) = perf.median_turnaround_days {
            check_range(&mut v, "performance.median_turnaround_days", d, 0, 365);
        }
        if let Some(rate) = perf.success_rate_percent {
            check_finite_range(&mut v, "performance.success_rate_percent", rate, 0.0, 100.0);
        }
        let tt = &p.tech_transfer;
        for (field, value) in [
            ("tech_transfer.cost_usd_min", tt.cost_usd_min),
            ("tech_transfer.cost_usd_max", tt.cost_usd_max),
        ] {
            if let Some(usd) = value {
                check_range(&mut v, field, usd, 0, COST_MAX_USD);
            }
        }
        for (field, value) in [
            ("tech_transfer.duration_months_min", tt.duration_months_min),
            ("tech_transfer.duration_months_max", tt.duration_months_max),
        ] {
            if let Some(months) = value {
                check_range(&mut v, field, months, 0, 120);
            }
        }
        if let (Some(min), Some(max)) = (tt.duration_months_min, tt.duration_months_max)
            && min > max
        {
            v.add(
                "tech_transfer.duration_months_max",
                "must not be below duration_months_min",
            );
        }
        if let (Some(min), Some(max)) = (tt.cost_usd_min, tt.cost_usd_max)
            && min > max
        {
            v.add(
                "tech_transfer.cost_usd_max",
                "must not be below cost_usd_min",
            );
        }
        if let Some(runs) = tt.engineering_runs {
            check_range(&mut v, "tech_transfer.engineering_runs", runs, 0, 100);
        }
        let soft = &mut p.soft_factors;
        for (i, language) in soft.languages.iter_mut().enumerate() {
            *language = language.trim().to_lowercase();
            if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
                v.add(
                    format!("soft_factors.languages[{i}]"),
                    "must be an ISO 639-1 code such as `en`",
                );
            }
        }
        for (field, text) in [
            (
                "soft_factors.small_batch_flexibility",
                &mut soft.small_batch_flexibility,
            ),
            ("soft_factors.communication", &mut soft.communication),
        ] {
            if let Some(text) = text {
                check_text(&mut v, field, text, 2000, false);
            }
        }
        v.into_result(|| Some(Self(p)))
    }

    pub fn profile(&self) -> &CapabilityProfile {
        &self.0
    }

    pub fn into_profile(self) -> CapabilityProfile {
        self.0
    }
}

/// The order of phases, for "at least phase X" questions.
pub fn phase_rank(phase: Phase) -> i32 {
    match phase {
        Phase::ProcessDevelopment => 0,
        Phase::Phase1 => 1,
        Phase::Phase1_2 => 2,
        Phase::Phase2 => 3,
        Phase::Phase3 => 4,
        Phase::Commercial => 5,
        // Unknown values never reach the server: it decodes strictly.
        _ => -1,
    }
}

/// The latest phase in which the CDMO supported at least one programme.
pub fn max_phase(profile: &CapabilityProfile) -> Option<Phase> {
    profile
        .phases
        .iter()
        .filter(|e| e.programmes > 0)
        .map(|e| e.phase)
        .max_by_key(|p| phase_rank(*p))
}

pub fn donor_sources(profile: &CapabilityProfile) -> Vec<DonorSource> {
    let mut sources = Vec::new();
    if profile.donor_sources.autologous.is_some() {
        sources.push(DonorSource::Autologous);
    }
    if profile.donor_sources.allogeneic.is_some() {
        sources.push(DonorSource::Allogeneic);
    }
    sources
}

/// Distinct site countries, in site order.
pub fn countries(profile: &CapabilityProfile) -> Vec<String> {
    let mut countries: Vec<String> = Vec::new();
    for site in &profile.sites {
        if !countries.contains(&site.country) {
            countries.push(site.country.clone());
        }
    }
    countries
}

/// The field paths of the facts `profile` does not disclose, in document order (the
/// `undisclosed` list of a profile response). Free text (website, description, soft
/// factors) is not a fact, and fields whose absence means something else are not listed:
/// an absent donor source is no experience, an absent licence expiry no expiry, an absent
/// platform name a platform of the closed set.
pub fn undisclosed(profile: &CapabilityProfile) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |path: String, disclosed: bool| {
        if !disclosed {
            out.push(path);
        }
    };
    check(
        "organization.years_in_operation".into(),
        profile.organization.years_in_operation.is_some(),
    );
    for (i, site) in profile.sites.iter().enumerate() {
        check(format!("sites[{i}].latitude"), site.latitude.is_some());
        check(format!("sites[{i}].longitude"), site.longitude.is_some());
        for (j, suite) in site.cleanrooms.iter().enumerate() {
            check(
                format!("sites[{i}].cleanrooms[{j}].count"),
                suite.count.is_some(),
            );
            check(
                format!("sites[{i}].cleanrooms[{j}].area_m2"),
                suite.area_m2.is_some(),
            );
        }
        check(
            format!("sites[{i}].closed_processing"),
            site.closed_processing.is_some(),
        );
        check(format!("sites[{i}].isolators"), site.isolators.is_some());
    }
    let donors = &profile.donor_sources;
    if let Some(a) = &donors.autologous {
        check(
            "donor_sources.autologous.batches_per_year".into(),
            a.batches_per_year.is_some(),
        );
    }
    if let Some(a) = &donors.allogeneic {
        check(
            "donor_sources.allogeneic.max_bioreactor_volume_l".into(),
            a.max_bioreactor_volume_l.is_some(),
        );
        check(
            "donor_sources.allogeneic.doses_per_batch".into(),
            a.doses_per_batch.is_some(),
        );
    }
    for (i, e) in profile.phases.iter().enumerate() {
        check(format!("phases[{i}].gmp_batches"), e.gmp_batches.is_some());
    }
    for (i, platform) in profile.platforms.iter().enumerate() {
        check(format!("platforms[{i}].units"), platform.units.is_some());
        check(
            format!("platforms[{i}].parallel_batches"),
            platform.parallel_batches.is_some(),
        );
    }
    let a = &profile.automation;
    let q = &profile.quality;
    let qc = &profile.qc;
    let cryo = &profile.cryo;
    let logistics = &profile.logistics;
    let perf = &profile.performance;
    let tt = &profile.tech_transfer;
    for (path, disclosed) in [
        (
            "automation.automated_wash_concentration",
            a.automated_wash_concentration.is_some(),
        ),
        (
            "automation.automated_formulation",
            a.automated_formulation.is_some(),
        ),
        ("automation.fill", a.fill.is_some()),
        (
            "automation.controlled_rate_freezers",
            a.controlled_rate_freezers.is_some(),
        ),
        ("quality.qms", q.qms.is_some()),
        ("quality.gmp_warehouse", q.gmp_warehouse.is_some()),
        (
            "quality.validation_programme",
            q.validation_programme.is_some(),
        ),
        (
            "quality.calibration_programme",
            q.calibration_programme.is_some(),
        ),
        (
            "qc.release_turnaround_days",
            qc.release_turnaround_days.is_some(),
        ),
        ("qc.qp_release", qc.qp_release.is_some()),
        ("cryo.min_storage_temp_c", cryo.min_storage_temp_c.is_some()),
        ("cryo.storage_positions", cryo.storage_positions.is_some()),
        (
            "cryo.controlled_rate_freezing",
            cryo.controlled_rate_freezing.is_some(),
        ),
        (
            "logistics.shipping_lead_time_hours",
            logistics.shipping_lead_time_hours.is_some(),
        ),
        (
            "logistics.chain_of_custody",
            logistics.chain_of_custody.is_some(),
        ),
        (
            "performance.process_duration_days",
            perf.process_duration_days.is_some(),
        ),
        (
            "performance.median_turnaround_days",
            perf.median_turnaround_days.is_some(),
        ),
        (
            "performance.success_rate_percent",
            perf.success_rate_percent.is_some(),
        ),
        (
            "tech_transfer.duration_months_min",
            tt.duration_months_min.is_some(),
        ),
        (
            "tech_transfer.duration_months_max",
            tt.duration_months_max.is_some(),
        ),
        ("tech_transfer.cost_usd_min", tt.cost_usd_min.is_some()),
        ("tech_transfer.cost_usd_max", tt.cost_usd_max.is_some()),
        (
            "tech_transfer.engineering_runs",
            tt.engineering_runs.is_some(),
        ),
        (
            "tech_transfer.comparability_support",
            tt.comparability_support.is_some(),
        ),
        (
            "tech_transfer.process_development_services",
            tt.process_development_services.is_some(),
        ),
    ] {
        check(path.into(), disclosed);
    }
    out
}

/// What search filters on, precomputed per profile as bit sets of closed-set values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFacets {
    donor_sources: u32,
    modalities: u32,
    gene_modification: u32,
    regions: u32,
    cleanroom_grades: u32,
    authorities: u32,
    licence_kinds: u32,
    platforms: u32,
    countries: Vec<String>,
    max_phase_rank: Option<i32>,
    min_cryo_temp_c: Option<i32>,
    /// Each site's closed-processing fact; `None` where the site does not disclose it.
    closed_processing: Vec<Option<bool>>,
}

pub fn search_facets(profile: &CapabilityProfile) -> SearchFacets {
    let sites = &profile.sites;
    let licences = || sites.iter().flat_map(|s| &s.licences);
    let regions: Vec<Region> = sites
        .iter()
        .filter_map(|s| geo::region_of(&s.country))
        .collect();
    SearchFacets {
        donor_sources: mask_of(DonorSource::ALL, &donor_sources(profile)),
        modalities: mask_of(Modality::ALL, &profile.modalities),
        gene_modification: mask_of(
            GeneModificationMethod::ALL,
            &profile.gene_modification.methods,
        ),
        regions: mask_of(Region::ALL, &regions),
        cleanroom_grades: mask_of(
            CleanroomGrade::ALL,
            sites.iter().flat_map(|s| &s.cleanrooms).map(|c| &c.grade),
        ),
        authorities: mask_of(Authority::ALL, licences().map(|l| &l.authority)),
        licence_kinds: mask_of(LicenceKind::ALL, licences().map(|l| &l.kind)),
        platforms: mask_of(Platform::ALL, profile.platforms.iter().map(|p| &p.platform)),
        countries: countries(profile),
        max_phase_rank: max_phase(profile).map(phase_rank),
        min_cryo_temp_c: profile.cryo.min_storage_temp_c,
        closed_processing: sites.iter().map(|s| s.closed_processing).collect(),
    }
}

/// A parsed search: AND across fields, OR within each list (an empty mask matches all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    donor_sources: u32,
    modalities: u32,
    gene_modification: u32,
    regions: u32,
    cleanroom_grades: u32,
    authorities: u32,
    licence_kinds: u32,
    platforms: u32,
    countries: Vec<String>,
    min_phase_rank: Option<i32>,
    max_cryo_temp_c: Option<i32>,
    closed_processing: Option<bool>,
    verified_only: bool,
    /// Lower case.
    name_contains: Option<String>,
}

/// A query parameter that could not be read: (parameter, message).
pub type BadParameter = (&'static str, String);

/// The bit set of a filter's values (no bits when the filter is absent).
fn mask_of_filter<T: Copy + PartialEq>(all: &[T], list: &Option<CommaSeparated<T>>) -> u32 {
    list.as_ref().map_or(0, |values| mask_of(all, &values.0))
}

impl SearchFilter {
    pub fn parse(p: &CdmoSearch) -> Result<Self, BadParameter> {
        let countries: Vec<String> = p
            .country
            .as_ref()
            .map(|list| list.0.iter().map(|c| c.trim().to_uppercase()).collect())
            .unwrap_or_default();
        if let Some(bad) = countries.iter().find(|c| !geo::is_country(c)) {
            return Err((
                "country",
                format!("`{bad}` is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        let name_contains =
            p.q.as_ref()
                .map(|q| q.trim().to_lowercase())
                .filter(|q| !q.is_empty());
        if name_contains
            .as_ref()
            .is_some_and(|q| q.chars().count() > 100)
        {
            return Err(("q", "must be at most 100 characters".into()));
        }
        Ok(Self {
            donor_sources: mask_of_filter(DonorSource::ALL, &p.donor_source),
            modalities: mask_of_filter(Modality::ALL, &p.modality),
            gene_modification: mask_of_filter(GeneModificationMethod::ALL, &p.gene_modification),
            regions: mask_of_filter(Region::ALL, &p.region),
            cleanroom_grades: mask_of_filter(CleanroomGrade::ALL, &p.cleanroom_grade),
            authorities: mask_of_filter(Authority::ALL, &p.authority),
            licence_kinds: mask_of_filter(LicenceKind::ALL, &p.licence_kind),
            platforms: mask_of_filter(Platform::ALL, &p.platform),
            countries,
            min_phase_rank: p.min_phase.map(phase_rank),
            max_cryo_temp_c: p.cryo_max_temp_c,
            closed_processing: p.closed_processing,
            verified_only: p.verified_only.unwrap_or(false),
            name_contains,
        })
    }

    /// Whether a profile with these facets, verification and lower-case name matches.
    pub fn matches(&self, f: &SearchFacets, verified: bool, name_lower: &str) -> bool {
        let any = |wanted: u32, have: u32| wanted == 0 || wanted & have != 0;
        any(self.donor_sources, f.donor_sources)
            && any(self.modalities, f.modalities)
            && any(self.gene_modification, f.gene_modification)
            && any(self.regions, f.regions)
            && any(self.cleanroom_grades, f.cleanroom_grades)
            && any(self.authorities, f.authorities)
            && any(self.licence_kinds, f.licence_kinds)
            && any(self.platforms, f.platforms)
            && (self.countries.is_empty() || f.countries.iter().any(|c| self.countries.contains(c)))
            && self
                .min_phase_rank
                .is_none_or(|min| f.max_phase_rank.is_some_and(|have| have >= min))
            && self
                .max_cryo_temp_c
                .is_none_or(|max| f.min_cryo_temp_c.is_some_and(|have| have <= max))
            && self.closed_processing.is_none_or(|want| {
                // A filter on closed processing asks about disclosed facts: `true` needs a
                // site that discloses closed processing, `false` every site disclosing
                // that it has none. An undisclosed site never counts as either.
                if want {
                    f.closed_processing.contains(&Some(true))
                } else {
                    f.closed_processing.iter().all(|c| *c == Some(false))
                }
            })
            && (!self.verified_only || verified)
            && self
                .name_contains
                .as_deref()
                .is_none_or(|q| name_lower.contains(q))
    }
}

/// The section a JSON pointer falls in: its first segment.
pub fn section_of(pointer: &str) -> Option<ProfileSection> {
    let first = pointer.strip_prefix('/')?.split('/').next()?;
    ProfileSection::parse(first)
}

/// Checks new evidence against the current profile document.
pub fn check_evidence(
    evidence: &NewEvidence,
    document: &Value,
) -> Result<ProfileSection, Violations> {
    let mut v = Violations::new();
    let section = section_of(&evidence.subject);
    match section {
        None => v.add(
            "subject",
            "must be a JSON pointer starting with a profile section, e.g. /qc or /sites/0/licences/1",
        ),
        Some(ProfileSection::SoftFactors) => {
            v.add("subject", "soft factors are self-declared and cannot carry evidence")
        }
        Some(_) if document.pointer(&evidence.subject).is_none() => {
            v.add("subject", "does not exist in the current revision")
        }
        Some(_) => {}
    }
    check_text(
        &mut v,
        "reference",
        &mut evidence.reference.clone(),
        500,
        true,
    );
    input::check_optional_date(&mut v, "expires_on", evidence.expires_on);
    if let Some(url) = &evidence.url {
        check_url(&mut v, "url", url);
    }
    v.into_result(|| section)
}

/// An evidence item's state on `today`.
pub fn evidence_status(
    verified: bool,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
) -> EvidenceStatus {
    if expires_on.is_some_and(|e| e < today) {
        EvidenceStatus::Expired
    } else if verified {
        EvidenceStatus::Verified
    } else {
        EvidenceStatus::Unverified
    }
}

/// Per-section confidence from the evidence items' (section, was verified, expires on):
/// verified when current verified evidence covers the section, expired when verified
/// evidence exists but all of it has expired, self-declared otherwise.
pub fn section_confidence(
    evidence: &[(ProfileSection, bool, Option<NaiveDate>)],
    today: NaiveDate,
) -> Vec<SectionConfidence> {
    ProfileSection::ALL
        .iter()
        .map(|&section| {
            let verified: Vec<EvidenceStatus> = evidence
                .iter()
                .filter(|(s, was_verified, _)| *s == section && *was_verified)
                .map(|(_, _, expires)| evidence_status(true, *expires, today))
                .collect();
            let confidence = if verified.contains(&EvidenceStatus::Verified) {
                Confidence::Verified
            } else if !verified.is_empty() {
                Confidence::Expired
            } else {
                Confidence::SelfDeclared
            };
            SectionConfidence {
                section,
                confidence,
            }
        })
        .collect()
}

/// The first day after `today` on which [`section_confidence`] of `evidence` differs from
/// today's: the day after the first verified item still current today expires. `None`
/// when no verified item will expire.
pub fn confidence_changes_on(
    evidence: &[(ProfileSection, bool, Option<NaiveDate>)],
    today: NaiveDate,
) -> Option<NaiveDate> {
    evidence
        .iter()
        .filter(|(_, verified, _)| *verified)
        .filter_map(|(_, _, expires)| *expires)
        .filter(|expires| *expires >= today)
        .min()
        .and_then(|expires| expires.succ_opt())
}

/// Whether an edit changed the fact a verified evidence item vouches for.
pub fn fact_changed(before: &Value, after: &Value, subject: &str) -> bool {
    before.pointer(subject) != after.pointer(subject)
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Field-level changes from `before` to `after`, as JSON pointers. Arrays are compared
/// by position.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    diff_into(String::new(), Some(before), Some(after), &mut changes);
    changes
}

fn diff_into(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                diff_into(
                    format!("{path}/{}", escape_pointer(key)),
                    a.get(key),
                    b.get(key),
                    out,
                );
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                diff_into(format!("{path}/{i}"), a.get(i), b.get(i), out);
            }
        }
        (a, b) if a != b => out.push(FieldChange {
            path: if path.is_empty() { "/".into() } else { path },
            before: a.cloned(),
            after: b.cloned(),
        }),
        _ => {}
    }
}

/// Applies an RFC 7396 JSON merge patch to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use cdmx_sdk::types::*;
    use serde_json::json;

    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    /// A complete, valid profile to start tests from.
    pub fn sample() -> CapabilityProfile {
        CapabilityProfile {
            organization: OrganizationFacts {
                name: "Helix Cell Works".into(),
                cdmo_type: CdmoType::CommercialCdmo,
                years_in_operation: Some(12),
                website: Some("https://helix.example".into()),
                description: None,
            },
            sites: vec![Site {
                key: "lyon-1".into(),
                name: "Lyon Gerland".into(),
                country: "FR".into(),
                city: "Lyon".into(),
                latitude: Some(45.73),
                longitude: Some(4.83),
                cleanrooms: vec![CleanroomSuite {
                    grade: CleanroomGrade::B,
                    count: Some(4),
                    area_m2: Some(320.0),
                }],
                closed_processing: Some(true),
                isolators: Some(false),
                licences: vec![Licence {
                    authority: Authority::EuMemberState,
                    kind: LicenceKind::ManufacturingAuthorisation,
                    scope: "ATMP manufacture".into(),
                    coverage: Some(LicenceCoverage {
                        modalities: vec![],
                        donor_sources: vec![],
                        activities: vec![LicensedActivity::Manufacturing],
                    }),
                    granted_on: NaiveDate::from_ymd_opt(2019, 3, 1).unwrap(),
                    expires_on: None,
                }],
                inspections: vec![],
                acceptances: vec![],
            }],
            donor_sources: DonorSourceExperience {
                autologous: Some(AutologousExperience {
                    batches_per_year: Some(300),
                }),
                allogeneic: None,
            },
            modalities: vec![Modality::CarT],
            gene_modification: GeneModification {
                methods: vec![GeneModificationMethod::Lentiviral],
                vector_supply: vec![VectorSupply::Partner],
            },
            phases: vec![
                PhaseExperience {
                    phase: Phase::Phase1,
                    programmes: 5,
                    gmp_batches: Some(60),
                },
                PhaseExperience {
                    phase: Phase::Phase3,
                    programmes: 1,
                    gmp_batches: Some(40),
                },
            ],
            platforms: vec![PlatformCapability {
                platform: Platform::ClinimacsProdigy,
                name: None,
                units: Some(6),
                parallel_batches: Some(6),
            }],
            automation: Automation {
                automated_wash_concentration: Some(true),
                automated_formulation: Some(true),
                fill: Some(FillAutomation::SemiAutomated),
                controlled_rate_freezers: Some(3),
            },
            quality: QualitySystem {
                qms: Some(true),
                gmp_warehouse: Some(true),
                validation_programme: Some(true),
                calibration_programme: Some(true),
            },
            qc: QualityControl {
                in_house_assays: vec![QcAssay::Mycoplasma, QcAssay::Endotoxin],
                release_turnaround_days: Some(7),
                qp_release: Some(true),
            },
            cryo: CryoStorage {
                min_storage_temp_c: Some(-180),
                storage_positions: Some(2000),
                controlled_rate_freezing: Some(true),
            },
            logistics: Logistics {
                shipping_lead_time_hours: Some(24),
                hubs: vec![],
                regions_served: vec![Region::Europe],
                chain_of_custody: Some(true),
            },
            performance: Performance {
                process_duration_days: Some(10),
                median_turnaround_days: Some(17),
                success_rate_percent: Some(96.5),
            },
            tech_transfer: TechTransfer {
                duration_months_min: Some(6),
                duration_months_max: Some(12),
                cost_usd_min: Some(500_000),
                cost_usd_max: Some(1_500_000),
                engineering_runs: Some(2),
                comparability_support: Some(true),
                process_development_services: Some(true),
            },
            soft_factors: SoftFactors {
                languages: vec!["fr".into(), "EN".into()],
                small_batch_flexibility: None,
                communication: None,
            },
        }
    }

    fn fields(result: Result<ValidProfile, Violations>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn a_complete_profile_is_valid_and_normalised() {
        let mut p = sample();
        p.sites[0].country = " fr ".into();
        let valid = ValidProfile::parse(p, today()).unwrap();
        assert_eq!(valid.profile().sites[0].country, "FR");
        assert_eq!(valid.profile().soft_factors.languages, ["fr", "en"]);
    }

    #[test]
    fn each_bad_field_is_named_by_its_path() {
        let mut p = sample();
        p.organization.name = " ".into();
        p.sites[0].country = "XX".into();
        p.sites[0].latitude = Some(91.0);
        p.sites[0].cleanrooms[0].count = Some(0);
        p.sites[0].licences[0].granted_on = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        p.modalities = vec![Modality::CarT, Modality::CarT];
        p.platforms[0].platform = Platform::Other;
        p.performance.success_rate_percent = Some(101.0);
        p.tech_transfer.duration_months_min = Some(18);
        p.cryo.min_storage_temp_c = Some(-300);
        p.soft_factors.languages = vec!["english".into()];
        assert_eq!(
            fields(ValidProfile::parse(p, today())),
            [
                "organization.name",
                "sites[0].country",
                "sites[0].latitude",
                "sites[0].cleanrooms[0].count",
                "sites[0].licences[0].granted_on",
                "modalities[1]",
                "platforms[0].name",
                "cryo.min_storage_temp_c",
                "performance.success_rate_percent",
                "tech_transfer.duration_months_max",
                "soft_factors.languages[0]",
            ]
        );
    }

    /// The sample with every fact a CDMO may keep to itself left out.
    pub fn sample_disclosing_nothing_optional() -> CapabilityProfile {
        let mut p = sample();
        p.organization.years_in_operation = None;
        for site in &mut p.sites {
            site.latitude = None;
            site.longitude = None;
            site.closed_processing = None;
            site.isolators = None;
            for suite in &mut site.cleanrooms {
                suite.count = None;
                suite.area_m2 = None;
            }
        }
        p.donor_sources = DonorSourceExperience {
            autologous: Some(AutologousExperience::default()),
            allogeneic: Some(AllogeneicExperience::default()),
        };
        for e in &mut p.phases {
            e.gmp_batches = None;
        }
        for platform in &mut p.platforms {
            platform.units = None;
            platform.parallel_batches = None;
        }
        p.automation = Automation::default();
        p.quality = QualitySystem::default();
        p.qc.release_turnaround_days = None;
        p.qc.qp_release = None;
        p.cryo = CryoStorage::default();
        p.logistics.shipping_lead_time_hours = None;
        p.logistics.chain_of_custody = None;
        p.performance = Performance::default();
        p.tech_transfer = TechTransfer::default();
        p
    }

    #[test]
    fn undisclosed_facts_are_valid_and_listed_by_path_in_document_order() {
        assert_eq!(undisclosed(&sample()), Vec::<String>::new());
        let p = sample_disclosing_nothing_optional();
        let valid = ValidProfile::parse(p.clone(), today()).unwrap();
        assert_eq!(valid.profile(), &{
            let mut normalised = p.clone();
            normalised.soft_factors.languages = vec!["fr".into(), "en".into()];
            normalised
        });
        assert_eq!(
            undisclosed(&p),
            [
                "organization.years_in_operation",
                "sites[0].latitude",
                "sites[0].longitude",
                "sites[0].cleanrooms[0].count",
                "sites[0].cleanrooms[0].area_m2",
                "sites[0].closed_processing",
                "sites[0].isolators",
                "donor_sources.autologous.batches_per_year",
                "donor_sources.allogeneic.max_bioreactor_volume_l",
                "donor_sources.allogeneic.doses_per_batch",
                "phases[0].gmp_batches",
                "phases[1].gmp_batches",
                "platforms[0].units",
                "platforms[0].parallel_batches",
                "automation.automated_wash_concentration",
                "automation.automated_formulation",
                "automation.fill",
                "automation.controlled_rate_freezers",
                "quality.qms",
                "quality.gmp_warehouse",
                "quality.validation_programme",
                "quality.calibration_programme",
                "qc.release_turnaround_days",
                "qc.qp_release",
                "cryo.min_storage_temp_c",
                "cryo.storage_positions",
                "cryo.controlled_rate_freezing",
                "logistics.shipping_lead_time_hours",
                "logistics.chain_of_custody",
                "performance.process_duration_days",
                "performance.median_turnaround_days",
                "performance.success_rate_percent",
                "tech_transfer.duration_months_min",
                "tech_transfer.duration_months_max",
                "tech_transfer.cost_usd_min",
                "tech_transfer.cost_usd_max",
                "tech_transfer.engineering_runs",
                "tech_transfer.comparability_support",
                "tech_transfer.process_development_services",
            ]
        );
    }

    #[test]
    fn undisclosed_is_not_zero_or_false() {
        let mut p = sample();
        p.sites[0].isolators = Some(false);
        p.donor_sources.allogeneic = Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(0.0),
            doses_per_batch: Some(0),
        });
        p.automation.controlled_rate_freezers = Some(0);
        assert_eq!(
            undisclosed(&p),
            Vec::<String>::new(),
            "0 and false are disclosed"
        );
        // Without allogeneic experience there is no bioreactor volume to disclose.
        p.donor_sources.allogeneic = None;
        assert_eq!(undisclosed(&p), Vec::<String>::new());
    }

    #[test]
    fn a_disclosed_value_is_still_checked() {
        let mut p = sample_disclosing_nothing_optional();
        p.sites[0].latitude = Some(-91.0);
        p.sites[0].longitude = Some(200.0);
        p.sites[0].cleanrooms[0].area_m2 = Some(0.5);
        p.donor_sources.allogeneic = Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(f64::NAN),
            doses_per_batch: Some(2_000_000),
        });
        p.phases[0].gmp_batches = Some(2_000_000);
        p.platforms[0].units = Some(0);
        p.platforms[0].parallel_batches = Some(10_001);
        p.automation.controlled_rate_freezers = Some(1_001);
        p.donor_sources.autologous = Some(AutologousExperience {
            batches_per_year: Some(100_001),
        });
        assert_eq!(
            fields(ValidProfile::parse(p, today())),
            [
                "sites[0].latitude",
                "sites[0].longitude",
                "sites[0].cleanrooms[0].area_m2",
                "donor_sources.autologous.batches_per_year",
                "donor_sources.allogeneic.max_bioreactor_volume_l",
                "donor_sources.allogeneic.doses_per_batch",
                "phases[0].gmp_batches",
                "platforms[0].units",
                "platforms[0].parallel_batches",
                "automation.controlled_rate_freezers",
            ]
        );
    }

    #[test]
    fn coordinates_come_in_pairs() {
        let mut p = sample();
        p.sites[0].longitude = None;
        assert_eq!(
            fields(ValidProfile::parse(p, today())),
            ["sites[0].longitude"]
        );
        let mut p = sample();
        p.sites[0].latitude = None;
        assert_eq!(
            fields(ValidProfile::parse(p, today())),
            ["sites[0].latitude"]
        );
    }

    #[test]
    fn a_closed_processing_filter_never_matches_an_undisclosed_site() {
        let filter = |want: bool| {
            search(CdmoSearch {
                closed_processing: Some(want),
                ..Default::default()
            })
        };
        let facets = |sites: &[Option<bool>]| {
            let mut p = sample();
            p.sites = sites
                .iter()
                .enumerate()
                .map(|(i, closed)| Site {
                    key: format!("site-{i}"),
                    closed_processing: *closed,
                    ..sample().sites[0].clone()
                })
                .collect();
            search_facets(&p)
        };
        let matches = |want: bool, sites: &[Option<bool>]| {
            filter(want).matches(&facets(sites), true, "helix")
        };
        assert!(matches(true, &[Some(true)]));
        assert!(matches(true, &[None, Some(true)]));
        assert!(!matches(true, &[None]), "undisclosed is not closed");
        assert!(!matches(true, &[Some(false)]));
        assert!(matches(false, &[Some(false)]));
        assert!(!matches(false, &[None]), "undisclosed is not open either");
        assert!(!matches(false, &[Some(false), None]));
        assert!(!matches(false, &[Some(false), Some(true)]));
        // No filter: every profile, disclosed or not.
        assert!(search(CdmoSearch::default()).matches(&facets(&[None]), true, "helix"));
    }

    #[test]
    fn licence_coverage_and_acceptances_are_checked_field_by_field() {
        let mut p = sample();
        let licence = &mut p.sites[0].licences[0];
        licence.scope = "  ".into();
        licence.coverage = Some(LicenceCoverage {
            modalities: vec![Modality::Msc, Modality::CarT, Modality::Msc],
            donor_sources: vec![DonorSource::Autologous, DonorSource::Autologous],
            activities: vec![],
        });
        let mut second = p.sites[0].licences[0].clone();
        second.scope = "x".repeat(501);
        second.coverage = Some(LicenceCoverage {
            modalities: vec![],
            donor_sources: vec![],
            activities: vec![LicensedActivity::Testing, LicensedActivity::Testing],
        });
        p.sites[0].licences.push(second);
        p.sites[0].acceptances = vec![
            RegulatoryAcceptance {
                authority: Authority::Fda,
                batches: AcceptedBatches::ClinicalBatches,
                accepted_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                reference: Some(" ".into()),
                note: Some("x".repeat(501)),
            },
            RegulatoryAcceptance {
                authority: Authority::Fda,
                batches: AcceptedBatches::ClinicalBatches,
                accepted_on: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                reference: Some(" IND 012345 ".into()),
                note: None,
            },
        ];
        assert_eq!(
            fields(ValidProfile::parse(p.clone(), today())),
            [
                "sites[0].licences[0].scope",
                "sites[0].licences[0].coverage.modalities[2]",
                "sites[0].licences[0].coverage.donor_sources[1]",
                "sites[0].licences[0].coverage.activities",
                "sites[0].licences[1].scope",
                "sites[0].licences[1].coverage.activities[1]",
                "sites[0].acceptances[0].reference",
                "sites[0].acceptances[0].note",
                "sites[0].acceptances[0].accepted_on",
            ]
        );

        // Fixed, and a licence whose coverage is not stated: valid, text kept.
        p.sites[0].licences.truncate(1);
        p.sites[0].licences[0].coverage = None;
        p.sites[0].licences[0].scope = "Hospital exemption".into();
        p.sites[0].acceptances.remove(0);
        let valid = ValidProfile::parse(p, today()).unwrap();
        let site = &valid.profile().sites[0];
        assert_eq!(site.licences[0].scope, "Hospital exemption");
        assert_eq!(site.licences[0].coverage, None);
        assert_eq!(site.acceptances[0].reference.as_deref(), Some("IND 012345"));
    }

    #[test]
    fn a_profile_needs_a_site_a_modality_and_a_donor_source() {
        let mut p = sample();
        p.sites.clear();
        p.modalities.clear();
        p.donor_sources = DonorSourceExperience::default();
        assert_eq!(
            fields(ValidProfile::parse(p, today())),
            ["sites", "donor_sources", "modalities"]
        );
    }

    #[test]
    fn site_keys_are_unique() {
        let mut p = sample();
        p.sites.push(p.sites[0].clone());
        assert_eq!(fields(ValidProfile::parse(p, today())), ["sites[1].key"]);
    }

    fn search(p: CdmoSearch) -> SearchFilter {
        SearchFilter::parse(&p).unwrap()
    }

    #[test]
    fn search_filters_match_or_within_and_across() {
        let mut p = sample();
        p.sites.push(Site {
            key: "boston".into(),
            country: "US".into(),
            ..p.sites[0].clone()
        });
        let f = search_facets(&p);
        let yes = |s: CdmoSearch| search(s).matches(&f, true, "helix cell works");
        assert!(yes(CdmoSearch::default()));
        assert!(yes(CdmoSearch {
            country: Some("de,us".parse().unwrap()),
            ..Default::default()
        }));
        assert!(!yes(CdmoSearch {
            country: Some("de".parse().unwrap()),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            region: Some("north_america".parse().unwrap()),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            modality: Some("nk,car_t".parse().unwrap()),
            ..Default::default()
        }));
        assert!(!yes(CdmoSearch {
            modality: Some("nk".parse().unwrap()),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            min_phase: Some(Phase::Phase3),
            ..Default::default()
        }));
        assert!(!yes(CdmoSearch {
            min_phase: Some(Phase::Commercial),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            cryo_max_temp_c: Some(-180),
            ..Default::default()
        }));
        assert!(!yes(CdmoSearch {
            cryo_max_temp_c: Some(-190),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            authority: Some("eu_member_state".parse().unwrap()),
            cleanroom_grade: Some("b".parse().unwrap()),
            ..Default::default()
        }));
        assert!(!yes(CdmoSearch {
            authority: Some("eu_member_state".parse().unwrap()),
            cleanroom_grade: Some("a".parse().unwrap()),
            ..Default::default()
        }));
        assert!(yes(CdmoSearch {
            q: Some("CELL".into()),
            ..Default::default()
        }));
        assert!(
            !search(CdmoSearch {
                verified_only: Some(true),
                ..Default::default()
            })
            .matches(&f, false, "helix")
        );
    }

    #[test]
    fn unknown_search_values_name_their_parameter() {
        // Closed-set values are refused while the query is read, listing what is allowed.
        let err = "prodigy"
            .parse::<CommaSeparated<Platform>>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("clinimacs_prodigy"),
            "the message lists the allowed values: {err}"
        );
        // Countries are open text, checked against ISO 3166-1 here.
        assert_eq!(
            SearchFilter::parse(&CdmoSearch {
                country: Some("ZZ".parse().unwrap()),
                ..Default::default()
            })
            .unwrap_err()
            .0,
            "country"
        );
    }

    #[test]
    fn max_phase_ignores_phases_without_programmes() {
        let mut p = sample();
        p.phases.push(PhaseExperience {
            phase: Phase::Commercial,
            programmes: 0,
            gmp_batches: Some(0),
        });
        assert_eq!(max_phase(&p), Some(Phase::Phase3));
        p.phases.clear();
        assert_eq!(max_phase(&p), None);
    }

    #[test]
    fn confidence_is_verified_expired_or_self_declared_per_section() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let evidence = [
            (ProfileSection::Sites, true, d(2027, 1, 1)),
            (ProfileSection::Qc, true, d(2026, 1, 1)),
            (ProfileSection::Cryo, false, None),
        ];
        let confidence = section_confidence(&evidence, today());
        let of = |s| {
            confidence
                .iter()
                .find(|c| c.section == s)
                .unwrap()
                .confidence
        };
        assert_eq!(of(ProfileSection::Sites), Confidence::Verified);
        assert_eq!(of(ProfileSection::Qc), Confidence::Expired);
        assert_eq!(
            of(ProfileSection::Cryo),
            Confidence::SelfDeclared,
            "unverified evidence is not verification"
        );
        assert_eq!(of(ProfileSection::Phases), Confidence::SelfDeclared);
        assert_eq!(confidence.len(), ProfileSection::ALL.len());
    }

    #[test]
    fn evidence_subjects_must_exist_and_soft_factors_take_none() {
        let doc = serde_json::to_value(sample()).unwrap();
        let evidence = |subject: &str| NewEvidence {
            subject: subject.into(),
            kind: EvidenceKind::Certificate,
            reference: "GMP-123".into(),
            url: None,
            expires_on: None,
        };
        assert_eq!(
            check_evidence(&evidence("/sites/0/licences/0"), &doc).unwrap(),
            ProfileSection::Sites
        );
        assert_eq!(
            check_evidence(&evidence("/qc"), &doc).unwrap(),
            ProfileSection::Qc
        );
        for bad in ["/sites/3", "qc", "/nothing", "/soft_factors"] {
            assert!(check_evidence(&evidence(bad), &doc).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_edit_changes_a_fact_only_where_its_value_changed() {
        let before = serde_json::to_value(sample()).unwrap();
        let mut edited = sample();
        edited.qc.release_turnaround_days = Some(5);
        let after = serde_json::to_value(edited).unwrap();
        assert!(fact_changed(&before, &after, "/qc"));
        assert!(fact_changed(&before, &after, "/qc/release_turnaround_days"));
        assert!(!fact_changed(&before, &after, "/sites/0/licences/0"));
    }

    #[test]
    fn diff_lists_changed_added_and_removed_values() {
        let before = json!({"a": 1, "b": {"c": [1, 2]}, "gone": true, "x/y": 1});
        let after = json!({"a": 2, "b": {"c": [1, 3, 4]}, "new": "n", "x/y": 1});
        let paths: Vec<String> = diff(&before, &after).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, ["/a", "/b/c/1", "/b/c/2", "/gone", "/new"]);
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // The examples of RFC 7396, appendix A (a selection).
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }
}
