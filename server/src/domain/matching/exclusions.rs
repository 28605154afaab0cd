//! Why a CDMO is excluded, machine-readable: each failed constraint has a stable code, a
//! class (categorical or threshold), typed required and actual values beside the words,
//! and for thresholds the gap. A near miss is a CDMO whose failures are all small,
//! measurable, negotiable shortfalls.
//!
//! Failures are recorded in compact form for every excluded CDMO (a code and, for
//! near-miss candidates, the gap as a number); words and typed values are only made for
//! the exclusions a response returns.

use std::cmp::Ordering;

use cdmx_sdk::types::{
    Authority, ConstraintClass, ConstraintCode, ConstraintValue, DonorSource, FailedConstraint,
    Gap, GeneModificationMethod, LicenceKind, LicensedActivity, Modality, NearMissRule, Phase,
    Platform, QcAssay, Region, Unit,
};

use super::{
    CdmoFeatures, Coverage, LicenceFeature, ScanFeatures, SlotsAvailable, ValidRequirements, bit,
    grade_rank,
};
use crate::domain::mask_of;

/// At most this many failed constraints make a near miss.
pub const NEAR_MISS_MAX_FAILURES: usize = 2;

/// Why a CDMO fails, in compact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    DonorSource,
    Modality,
    GeneModification,
    Platform,
    PhaseTrackRecord,
    Licence(usize),
    Acceptance(usize),
    Cleanroom,
    ClosedProcessing,
    Cryo,
    CountryAllowed,
    CountryExcluded,
    QcAssays,
    Shipping,
    Regions,
    BioreactorVolume,
    Verified,
    Capacity,
    MissingCriterion(usize),
}

fn names<T: Copy>(all: &[T], mask: u32, name: impl Fn(T) -> &'static str) -> Vec<String> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, v)| name(*v).to_owned())
        .collect()
}

fn words(values: &[String]) -> String {
    if values.is_empty() {
        "none".into()
    } else {
        values.join(", ")
    }
}

fn any_of(values: &[String]) -> String {
    format!("any of {}", values.join(", "))
}

fn plural(n: impl Into<f64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1.0 { one } else { many })
}

fn grade_name(rank: u8) -> &'static str {
    match rank {
        4 => "a",
        3 => "b",
        2 => "c",
        1 => "d",
        _ => "none",
    }
}

fn licence_code(authority: Option<Authority>, kind: Option<LicenceKind>) -> String {
    format!(
        "{}/{}",
        authority.map_or("any", |a| a.as_str()),
        kind.map_or("any", |k| k.as_str())
    )
}

/// A set of a closed set's values as one code: `a+b`, or `any` for the empty set (a
/// coverage not limited by it).
fn code_list<T: Copy>(all: &[T], mask: u32, name: impl Fn(T) -> &'static str) -> String {
    if mask == 0 {
        "any".into()
    } else {
        names(all, mask, name).join("+")
    }
}

/// What a licence requirement asks as a code:
/// `authority/kind/modalities/donor_sources/activities` (`any` where it asks none).
fn coverage_code(
    authority: Option<Authority>,
    kind: Option<LicenceKind>,
    need: Coverage,
) -> String {
    format!(
        "{}/{}/{}/{}",
        licence_code(authority, kind),
        code_list(Modality::ALL, need.modalities, Modality::as_str),
        code_list(DonorSource::ALL, need.donor_sources, DonorSource::as_str),
        code_list(
            LicensedActivity::ALL,
            need.activities,
            LicensedActivity::as_str
        ),
    )
}

/// A held licence and what it covers, in the same form (`any` where its coverage is not
/// limited), or `authority/kind/not_stated` when its coverage is not stated.
fn held_licence_code(l: &LicenceFeature) -> String {
    let name = licence_code(Some(l.authority), Some(l.kind));
    match l.coverage {
        None => format!("{name}/not_stated"),
        Some(s) => format!(
            "{name}/{}/{}/{}",
            code_list(Modality::ALL, s.modalities, Modality::as_str),
            code_list(DonorSource::ALL, s.donor_sources, DonorSource::as_str),
            code_list(
                LicensedActivity::ALL,
                s.activities,
                LicensedActivity::as_str
            ),
        ),
    }
}

/// What a licence requirement asks of a licence's coverage in words, e.g. `car_t, autologous, for
/// manufacturing` (modalities any of).
fn coverage_words(need: Coverage) -> String {
    let mut parts = Vec::new();
    if need.modalities != 0 {
        parts.push(names(Modality::ALL, need.modalities, Modality::as_str).join(" or "));
    }
    if need.donor_sources != 0 {
        parts.push(words(&names(
            DonorSource::ALL,
            need.donor_sources,
            DonorSource::as_str,
        )));
    }
    parts.push(format!(
        "for {}",
        words(&names(
            LicensedActivity::ALL,
            need.activities,
            LicensedActivity::as_str
        ))
    ));
    parts.join(", ")
}

/// A held licence and what it covers in words, e.g. `eu_member_state hospital_exemption
/// covering msc, allogeneic, for manufacturing`, with its expiry date if it has one.
fn licence_words(l: &LicenceFeature) -> String {
    let name = format!("{} {}", l.authority.as_str(), l.kind.as_str());
    let coverage = match l.coverage {
        None => "coverage not stated".to_owned(),
        Some(s) => {
            let or_any = |listed: Vec<String>, any: &str| {
                if listed.is_empty() {
                    any.to_owned()
                } else {
                    listed.join(", ")
                }
            };
            format!(
                "covering {}, {}, for {}",
                or_any(
                    names(Modality::ALL, s.modalities, Modality::as_str),
                    "any modality"
                ),
                or_any(
                    names(DonorSource::ALL, s.donor_sources, DonorSource::as_str),
                    "any donor source"
                ),
                words(&names(
                    LicensedActivity::ALL,
                    s.activities,
                    LicensedActivity::as_str
                ))
            )
        }
    };
    match l.expires_on {
        Some(e) => format!("{name} {coverage}, expires {e}"),
        None => format!("{name} {coverage}"),
    }
}

fn number(value: f64, unit: Unit) -> ConstraintValue {
    ConstraintValue {
        number: Some(value),
        unit: Some(unit),
        ..ConstraintValue::default()
    }
}

fn codes(values: Vec<String>) -> ConstraintValue {
    ConstraintValue {
        values: Some(values),
        ..ConstraintValue::default()
    }
}

fn flag(value: bool) -> ConstraintValue {
    ConstraintValue {
        flag: Some(value),
        ..ConstraintValue::default()
    }
}

fn not_disclosed() -> ConstraintValue {
    ConstraintValue {
        not_disclosed: true,
        ..ConstraintValue::default()
    }
}

/// A gap of `amount` in `unit`, relative to `reference` (capped at 1).
fn gap(amount: f64, unit: Unit, reference: f64) -> Gap {
    Gap {
        amount,
        unit,
        relative: (amount / reference.max(f64::MIN_POSITIVE)).min(1.0),
    }
}

/// The difference between the cleanroom grade asked and held, in grades.
const GRADE_REFERENCE: f64 = 3.0;
/// Cryogenic temperature gaps are relative to 100 degrees.
const CRYO_REFERENCE_C: f64 = 100.0;

impl Failure {
    pub(super) fn code(self) -> ConstraintCode {
        match self {
            Self::DonorSource => ConstraintCode::DonorSource,
            Self::Modality => ConstraintCode::Modality,
            Self::GeneModification => ConstraintCode::GeneModification,
            Self::Platform => ConstraintCode::Platform,
            Self::PhaseTrackRecord => ConstraintCode::PhaseTrackRecord,
            Self::Licence(_) => ConstraintCode::Licence,
            Self::Acceptance(_) => ConstraintCode::RegulatoryAcceptance,
            Self::Cleanroom => ConstraintCode::CleanroomGrade,
            Self::ClosedProcessing => ConstraintCode::ClosedProcessing,
            Self::Cryo => ConstraintCode::CryoTemperature,
            Self::CountryAllowed => ConstraintCode::CountryAllowed,
            Self::CountryExcluded => ConstraintCode::CountryExcluded,
            Self::QcAssays => ConstraintCode::QcAssays,
            Self::Shipping => ConstraintCode::ShippingTime,
            Self::Regions => ConstraintCode::RegionsServed,
            Self::BioreactorVolume => ConstraintCode::BioreactorVolume,
            Self::Verified => ConstraintCode::VerifiedOrganization,
            Self::Capacity => ConstraintCode::Capacity,
            Self::MissingCriterion(_) => ConstraintCode::CriterionValue,
        }
    }

    /// How far a threshold failure falls short; `None` for categorical failures and for
    /// facts the profile does not disclose. Cheap: no strings, and only the scan
    /// features, which the scan has just read.
    pub(super) fn gap(
        self,
        req: &ValidRequirements,
        f: &ScanFeatures,
        slots: SlotsAvailable,
    ) -> Option<Gap> {
        let c = &req.set.constraints;
        match self {
            Self::PhaseTrackRecord => {
                let t = c.phase_track_record.as_ref()?;
                let short = t.min_programmes.saturating_sub(f.programmes_from(t.phase));
                Some(gap(
                    f64::from(short),
                    Unit::Programmes,
                    f64::from(t.min_programmes),
                ))
            }
            Self::Cleanroom => {
                let want = grade_rank(c.min_cleanroom_grade?);
                Some(gap(
                    f64::from(want.saturating_sub(f.best_grade)),
                    Unit::Grades,
                    GRADE_REFERENCE,
                ))
            }
            Self::Cryo => {
                let have = f.min_cryo_temp_c?;
                let amount = f64::from(have) - f64::from(c.max_cryo_temp_c?);
                Some(gap(amount, Unit::Celsius, CRYO_REFERENCE_C))
            }
            Self::QcAssays => {
                let required = mask_of(QcAssay::ALL, &c.qc_assays_in_house);
                let missing = required & !f.qc_assays;
                Some(gap(
                    f64::from(missing.count_ones()),
                    Unit::Assays,
                    f64::from(required.count_ones()),
                ))
            }
            Self::Shipping => {
                let want = c.max_shipping_lead_time_hours?;
                let have = f.shipping_hours?;
                Some(gap(
                    f64::from(have.saturating_sub(want)),
                    Unit::Hours,
                    f64::from(want.max(1)),
                ))
            }
            Self::Regions => {
                let required = mask_of(Region::ALL, &c.regions_served);
                let missing = required & !f.regions_served;
                Some(gap(
                    f64::from(missing.count_ones()),
                    Unit::Regions,
                    f64::from(required.count_ones()),
                ))
            }
            Self::BioreactorVolume => {
                let want = c.min_bioreactor_volume_l?;
                let have = f.bioreactor_volume_l.get()?;
                Some(gap(want - have, Unit::Litres, want))
            }
            Self::Capacity => {
                let need = req.set.capacity.as_ref()?;
                Some(gap(
                    f64::from(need.slots.saturating_sub(slots.free)),
                    Unit::Slots,
                    f64::from(need.slots),
                ))
            }
            _ => None,
        }
    }

    /// The failure in full: code, class, words, typed values and gap.
    pub(super) fn explain(
        self,
        req: &ValidRequirements,
        scan: &ScanFeatures,
        f: &CdmoFeatures,
        slots: SlotsAvailable,
    ) -> FailedConstraint {
        let c = &req.set.constraints;
        let (constraint, required_value, actual_value, required, actual): (
            &str,
            ConstraintValue,
            ConstraintValue,
            String,
            String,
        ) = match self {
            Self::DonorSource => {
                let want: Vec<String> = c.donor_source.iter().map(|d| d.as_str().into()).collect();
                let have = names(DonorSource::ALL, f.donor_sources, DonorSource::as_str);
                let (r, a) = (words(&want), words(&have));
                ("donor_source", codes(want), codes(have), r, a)
            }
            Self::Modality => {
                let want: Vec<String> = c.modalities.iter().map(|m| m.as_str().into()).collect();
                let have = names(Modality::ALL, f.modalities, Modality::as_str);
                let (r, a) = (any_of(&want), words(&have));
                ("modalities", codes(want), codes(have), r, a)
            }
            Self::GeneModification => {
                let want: Vec<String> = c
                    .gene_modification
                    .iter()
                    .map(|m| m.as_str().into())
                    .collect();
                let have = names(
                    GeneModificationMethod::ALL,
                    f.gene_modification,
                    GeneModificationMethod::as_str,
                );
                let (r, a) = (any_of(&want), words(&have));
                ("gene_modification", codes(want), codes(have), r, a)
            }
            Self::Platform => {
                let want: Vec<String> = c.platforms.iter().map(|p| p.as_str().into()).collect();
                let have = names(Platform::ALL, f.platforms, Platform::as_str);
                let (r, a) = (any_of(&want), words(&have));
                ("platforms", codes(want), codes(have), r, a)
            }
            Self::PhaseTrackRecord => {
                let t = c.phase_track_record.as_ref();
                let phase = t.map_or(Phase::ProcessDevelopment, |t| t.phase);
                let want = t.map_or(0, |t| t.min_programmes);
                let have = f.programmes_from(phase);
                (
                    "phase_track_record",
                    number(f64::from(want), Unit::Programmes),
                    number(f64::from(have), Unit::Programmes),
                    format!(
                        "at least {} in {} or later",
                        plural(want, "programme", "programmes"),
                        phase.as_str()
                    ),
                    format!(
                        "{} in {} or later",
                        plural(have, "programme", "programmes"),
                        phase.as_str()
                    ),
                )
            }
            Self::Licence(i) => {
                let l = &c.licences[i];
                let need = req.licence_coverage[i];
                let text = match (l.authority, l.kind) {
                    (Some(a), Some(k)) => format!("{} {}", a.as_str(), k.as_str()),
                    (Some(a), None) => format!("a licence from {}", a.as_str()),
                    (None, Some(k)) => k.as_str().to_owned(),
                    (None, None) => "any licence".into(),
                };
                // The licences of the authority and kind asked, with what they cover;
                // without any, the names of those held.
                let same_kind: Vec<String> = f
                    .licences
                    .iter()
                    .filter(|h| {
                        l.authority.is_none_or(|a| a == h.authority)
                            && l.kind.is_none_or(|k| k == h.kind)
                    })
                    .map(licence_words)
                    .collect();
                let held: Vec<String> = f
                    .licences
                    .iter()
                    .map(|h| format!("{} {}", h.authority.as_str(), h.kind.as_str()))
                    .collect();
                let actual = if !same_kind.is_empty() {
                    same_kind.join("; ")
                } else if held.is_empty() {
                    "no licences".into()
                } else {
                    held.join(", ")
                };
                (
                    "licences",
                    codes(vec![coverage_code(l.authority, l.kind, need)]),
                    codes(f.licences.iter().map(held_licence_code).collect()),
                    format!("{text} (unexpired) covering {}", coverage_words(need)),
                    actual,
                )
            }
            Self::Acceptance(i) => {
                let a = &c.accepted_by[i];
                let want = format!(
                    "{}/{}",
                    a.authority.as_str(),
                    a.batches.map_or("any", |b| b.as_str())
                );
                let held: Vec<String> = f
                    .acceptances
                    .iter()
                    .map(|(authority, batches)| {
                        format!("{}/{}", authority.as_str(), batches.as_str())
                    })
                    .collect();
                let actual = if held.is_empty() {
                    "no acceptances recorded".into()
                } else {
                    format!(
                        "accepted: {}",
                        f.acceptances
                            .iter()
                            .map(|(authority, batches)| {
                                format!("{} {}", authority.as_str(), batches.as_str())
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                (
                    "accepted_by",
                    codes(vec![want]),
                    codes(held),
                    format!(
                        "{} accepted by {}",
                        a.batches.map_or("batches", |b| b.as_str()),
                        a.authority.as_str()
                    ),
                    actual,
                )
            }
            Self::Cleanroom => {
                let want = c.min_cleanroom_grade.map_or(0, grade_rank);
                let have_grade: Vec<String> = (f.best_grade > 0)
                    .then(|| grade_name(f.best_grade).to_owned())
                    .into_iter()
                    .collect();
                (
                    "min_cleanroom_grade",
                    codes(vec![grade_name(want).to_owned()]),
                    codes(have_grade),
                    format!(
                        "grade {} or better{}",
                        grade_name(want).to_uppercase(),
                        if c.closed_processing_accepted {
                            ", or closed processing"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "{}, {}",
                        if f.best_grade == 0 {
                            "no cleanroom".to_owned()
                        } else {
                            format!("grade {}", grade_name(f.best_grade).to_uppercase())
                        },
                        match f.closed_processing {
                            Some(true) => "closed processing",
                            Some(false) => "open processing",
                            None => "closed processing not disclosed",
                        }
                    ),
                )
            }
            Self::ClosedProcessing => (
                "closed_processing_required",
                flag(true),
                f.closed_processing.map_or_else(not_disclosed, flag),
                "closed-system processing".into(),
                match f.closed_processing {
                    Some(_) => "open processing only".into(),
                    None => "not disclosed".into(),
                },
            ),
            Self::Cryo => {
                let want = c.max_cryo_temp_c.unwrap_or_default();
                (
                    "max_cryo_temp_c",
                    number(f64::from(want), Unit::Celsius),
                    f.min_cryo_temp_c
                        .map_or_else(not_disclosed, |t| number(f64::from(t), Unit::Celsius)),
                    format!("storage at or below {want} C"),
                    f.min_cryo_temp_c
                        .map_or("not disclosed".into(), |t| format!("storage down to {t} C")),
                )
            }
            Self::CountryAllowed => (
                "countries_allowed",
                codes(c.countries_allowed.clone()),
                codes(f.countries.clone()),
                format!("a site in {}", c.countries_allowed.join(", ")),
                format!("sites in {}", f.countries.join(", ")),
            ),
            Self::CountryExcluded => (
                "countries_excluded",
                codes(c.countries_excluded.clone()),
                codes(f.countries.clone()),
                format!("a site outside {}", c.countries_excluded.join(", ")),
                format!("sites in {}", f.countries.join(", ")),
            ),
            Self::QcAssays => {
                let required = mask_of(QcAssay::ALL, &c.qc_assays_in_house);
                let want = names(QcAssay::ALL, required, QcAssay::as_str);
                let missing = names(QcAssay::ALL, required & !f.qc_assays, QcAssay::as_str);
                let have = names(QcAssay::ALL, f.qc_assays, QcAssay::as_str);
                let (r, a) = (words(&want), format!("missing {}", words(&missing)));
                ("qc_assays_in_house", codes(want), codes(have), r, a)
            }
            Self::Shipping => {
                let want = c.max_shipping_lead_time_hours.unwrap_or_default();
                (
                    "max_shipping_lead_time_hours",
                    number(f64::from(want), Unit::Hours),
                    f.shipping_hours
                        .map_or_else(not_disclosed, |h| number(f64::from(h), Unit::Hours)),
                    format!("within {want} h"),
                    f.shipping_hours
                        .map_or("not disclosed".into(), |h| format!("{h} h")),
                )
            }
            Self::Regions => {
                let want = names(
                    Region::ALL,
                    mask_of(Region::ALL, &c.regions_served),
                    Region::as_str,
                );
                let have = names(Region::ALL, f.regions_served, Region::as_str);
                let (r, a) = (
                    format!("ships to {}", words(&want)),
                    format!("ships to {}", words(&have)),
                );
                ("regions_served", codes(want), codes(have), r, a)
            }
            Self::BioreactorVolume => {
                let want = c.min_bioreactor_volume_l.unwrap_or_default();
                let allogeneic =
                    f.donor_sources & bit(DonorSource::ALL, &DonorSource::Allogeneic) != 0;
                let (actual_value, actual) = match f.bioreactor_volume_l {
                    Some(v) => (number(v, Unit::Litres), format!("{v} L")),
                    None if allogeneic => (not_disclosed(), "not disclosed".into()),
                    // No allogeneic experience: no bioreactor at all, which is not an
                    // undisclosed one.
                    None => (codes(vec![]), "no allogeneic scale-up declared".into()),
                };
                (
                    "min_bioreactor_volume_l",
                    number(want, Unit::Litres),
                    actual_value,
                    format!("a bioreactor of at least {want} L"),
                    actual,
                )
            }
            Self::Capacity => {
                let need = req.set.capacity.as_ref();
                let want = need.map_or(0, |n| n.slots);
                (
                    "capacity",
                    number(f64::from(want), Unit::Slots),
                    number(f64::from(slots.free), Unit::Slots),
                    need.map_or_else(String::new, |n| {
                        let kind = n.slot_kind.as_str();
                        format!(
                            "{} between {} and {}",
                            plural(
                                n.slots,
                                &format!("free {kind} slot"),
                                &format!("free {kind} slots")
                            ),
                            n.window_start,
                            n.window_end
                        )
                    }),
                    format!("{} free", slots.free),
                )
            }
            Self::Verified => (
                "verified_only",
                flag(true),
                flag(false),
                "a verified organisation".into(),
                "not verified".into(),
            ),
            Self::MissingCriterion(i) => {
                let criterion = req.criteria[i].criterion.as_str();
                (
                    "criteria",
                    codes(vec![criterion.to_owned()]),
                    not_disclosed(),
                    format!("a value for {criterion} (missing-data policy: exclude)"),
                    "not disclosed".into(),
                )
            }
        };
        let code = self.code();
        FailedConstraint {
            constraint: constraint.to_owned(),
            code,
            class: code.class(),
            required,
            actual,
            required_value,
            actual_value,
            gap: self.gap(req, scan, slots),
        }
    }
}

/// The near-miss rule as returned with a match: what [`near_miss`] checks, and the order
/// [`closeness`] gives the excluded list.
pub(super) fn near_miss_rule(req: &ValidRequirements) -> NearMissRule {
    NearMissRule {
        max_failed_constraints: NEAR_MISS_MAX_FAILURES as u32,
        class: ConstraintClass::Threshold,
        tolerances: req.set.near_miss_tolerances.clone(),
        description: format!(
            "A near miss fails at most {NEAR_MISS_MAX_FAILURES} hard constraints, all of them \
             thresholds (a shortfall with a known gap, such as too few phase 3 programmes or a \
             freezer not cold enough), each within the tolerance set for its constraint, if \
             any. A categorical mismatch (donor source, modality, method, platform, licence, \
             regulatory acceptance, country, closed processing, verification) or an \
             undisclosed fact never makes a near miss. The excluded list shows near misses \
             first, smallest relative_gap (the sum of each gap divided by the requirement, \
             each capped at 1) first, then the others by fewest failed constraints; ties by \
             profile id."
        ),
    }
}

/// The near-miss rule: at most [`NEAR_MISS_MAX_FAILURES`] failures, each a threshold
/// with a known gap within the set's tolerance for it. Returns the sum of the relative
/// gaps of a near miss, `None` otherwise.
pub(super) fn near_miss(
    req: &ValidRequirements,
    f: &ScanFeatures,
    slots: SlotsAvailable,
    failures: impl Iterator<Item = Failure>,
) -> Option<f64> {
    let mut sum = 0.0;
    let mut count = 0;
    for failure in failures {
        count += 1;
        if count > NEAR_MISS_MAX_FAILURES {
            return None;
        }
        let code = failure.code();
        if code.class() != ConstraintClass::Threshold {
            return None;
        }
        let gap = failure.gap(req, f, slots)?;
        if req
            .set
            .near_miss_tolerances
            .iter()
            .any(|t| t.constraint == code && gap.amount > t.max_gap)
        {
            return None;
        }
        sum += gap.relative;
    }
    (count > 0).then_some(sum)
}

/// An exclusion's place in the excluded list: near misses (by relative gap) before the
/// rest (by number of failures), ties by profile id. Also the excluded list's cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionKey {
    /// The near miss's relative gap; `None` for the rest.
    pub relative_gap: Option<f64>,
    pub failures: usize,
    pub profile_id: String,
}

/// The excluded list's order over (relative gap of a near miss, failures, profile id).
pub(super) fn closeness(a: (Option<f64>, usize, &str), b: (Option<f64>, usize, &str)) -> Ordering {
    a.0.is_none()
        .cmp(&b.0.is_none())
        .then_with(|| a.0.unwrap_or(0.0).total_cmp(&b.0.unwrap_or(0.0)))
        .then_with(|| a.1.cmp(&b.1))
        .then_with(|| a.2.cmp(b.2))
}

impl ExclusionKey {
    #[cfg(test)]
    pub(super) fn as_tuple(&self) -> (Option<f64>, usize, &str) {
        (self.relative_gap, self.failures, &self.profile_id)
    }

    /// `near:<gap bits>:<failures>:<id>` or `far:<failures>:<id>`; exact, so a page
    /// continues precisely where the previous one ended.
    pub fn position(&self) -> String {
        match self.relative_gap {
            Some(g) => format!(
                "near:{:016x}:{}:{}",
                g.to_bits(),
                self.failures,
                self.profile_id
            ),
            None => format!("far:{}:{}", self.failures, self.profile_id),
        }
    }

    /// Reads [`Self::position`]; `None` for anything else.
    pub fn parse(position: &str) -> Option<Self> {
        let (relative_gap, rest) = match position.split_once(':')? {
            ("near", rest) => {
                let (bits, rest) = rest.split_once(':')?;
                let gap = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
                if !(gap.is_finite() && gap >= 0.0) {
                    return None;
                }
                (Some(gap), rest)
            }
            ("far", rest) => (None, rest),
            _ => return None,
        };
        let (failures, profile_id) = rest.split_once(':')?;
        Some(Self {
            relative_gap,
            failures: failures.parse().ok()?,
            profile_id: profile_id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_keys_round_trip_and_order_near_misses_first() {
        let near = ExclusionKey {
            relative_gap: Some(0.25),
            failures: 2,
            profile_id: "b".into(),
        };
        let nearer = ExclusionKey {
            relative_gap: Some(0.1),
            failures: 2,
            profile_id: "z".into(),
        };
        let far = ExclusionKey {
            relative_gap: None,
            failures: 1,
            profile_id: "a".into(),
        };
        for key in [&near, &nearer, &far] {
            assert_eq!(ExclusionKey::parse(&key.position()).as_ref(), Some(key));
        }
        let order = |a: &ExclusionKey, b: &ExclusionKey| closeness(a.as_tuple(), b.as_tuple());
        assert_eq!(order(&nearer, &near), Ordering::Less);
        assert_eq!(order(&near, &far), Ordering::Less);
        for forged in [
            "",
            "near:zz:1:a",
            "far:x:a",
            "mid:1:a",
            "near:7ff8000000000000:1:a",
        ] {
            assert_eq!(ExclusionKey::parse(forged), None, "{forged}");
        }
    }

    #[test]
    fn every_code_has_the_class_the_issue_names() {
        use ConstraintClass::{Categorical, Threshold};
        for (code, class) in [
            (ConstraintCode::DonorSource, Categorical),
            (ConstraintCode::Modality, Categorical),
            (ConstraintCode::GeneModification, Categorical),
            (ConstraintCode::Platform, Categorical),
            (ConstraintCode::Licence, Categorical),
            (ConstraintCode::RegulatoryAcceptance, Categorical),
            (ConstraintCode::PhaseTrackRecord, Threshold),
            (ConstraintCode::CryoTemperature, Threshold),
            (ConstraintCode::ShippingTime, Threshold),
            (ConstraintCode::CleanroomGrade, Threshold),
            (ConstraintCode::Capacity, Threshold),
            (ConstraintCode::BioreactorVolume, Threshold),
            (ConstraintCode::QcAssays, Threshold),
        ] {
            assert_eq!(code.class(), class, "{code:?}");
        }
    }
}
