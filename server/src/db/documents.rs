//! The storage format of the JSON documents kept in text columns.
//!
//! | kind | columns | decodes to |
//! | --- | --- | --- |
//! | `profile` | `cdmo_profiles.document`, `cdmo_profile_revisions.document` | [`CapabilityProfile`] |
//! | `program` | `programs.document`, `shortlists.program` | [`ProgramRequest`] |
//! | `match_result` | `shortlists.result` | [`MatchResult`] |
//!
//! Each document is stored in an envelope that names its kind and format:
//! `{"format":1,"kind":"profile","document":{...}}`. One function writes each kind
//! (`encode_*`, always the current format) and one reads it (`decode_*`), dispatching on
//! the format; rows written before envelopes existed (a bare document, with no top-level
//! `format` key) read as format 1, whose body they are. None of the documents has a
//! top-level `format` key of its own (a test checks it), so the two cannot be confused.
//!
//! The version travels inside the text rather than in a `format_version` column: the
//! profile document is copied from `cdmo_profiles` to `cdmo_profile_revisions` and a
//! programme into its shortlists, and a shortlist row holds two documents, so a column
//! per document would have to be kept in step by every writer. It also needs no
//! migration and no schema change.
//!
//! **Format 1 is the wire type's JSON at the release that introduced this module**, not a
//! frozen copy of the ~700 lines of types: the body is decoded with the SDK's current type.
//! What guarantees that documents of past releases still load is the set of golden
//! fixtures in `server/tests/fixtures/stored/` (raw text recorded from the real write path)
//! and the test that decodes every one of them. When a change to the wire types makes one
//! of them fail, do not edit the fixture: add format 2, make `encode_*` write it, and give
//! `decode_*` an upgrade step from format 1 to 2 over [`serde_json::Value`] (rename,
//! move or default the fields), so old rows are read through the upgrade. A new
//! optional field that is absent from older bodies and means the same when absent needs
//! no new format (licences' `coverage` and sites' `acceptances` were added so: a format-1
//! licence reads with its text `scope` and no coverage).
//!
//! Not here, on purpose: `capacity_blocks.donor_sources`/`modalities` are JSON arrays of
//! wire names that SQL filters with `LIKE '%"name"%'`, so their shape is fixed by those
//! queries (and changing it is a migration, not a new format); `idempotency_keys.response`
//! is a response body replayed verbatim for at most a day, wire format by definition.

use cdmx_sdk::types::{CapabilityProfile, MatchResult, ProgramRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The format `encode_*` writes. One number for every kind: format 2 is the release that
/// made exclusions machine-readable (match results changed; profiles and programmes
/// read the same as in format 1).
pub const CURRENT_FORMAT: u32 = 2;

/// The kinds of stored document, as named in the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Profile,
    Program,
    MatchResult,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Program => "program",
            Self::MatchResult => "match_result",
        }
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Profile => "profile",
            Self::Program => "programme",
            Self::MatchResult => "match result",
        })
    }
}

/// Why a stored document could not be read (or written).
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("stored {kind} is not a JSON object: {source}")]
    NotAnObject {
        kind: DocumentKind,
        source: serde_json::Error,
    },
    #[error(
        "stored {kind} is in format {format}; this release reads formats up to {CURRENT_FORMAT}"
    )]
    UnknownFormat { kind: DocumentKind, format: u64 },
    #[error("stored {kind} has a malformed envelope: `format` is not a whole number")]
    MalformedEnvelope { kind: DocumentKind },
    #[error("stored document is a `{found}`, not a {expected}")]
    WrongKind {
        expected: DocumentKind,
        found: String,
    },
    #[error("stored {kind} (format {format}) does not decode: {source}")]
    Invalid {
        kind: DocumentKind,
        format: u64,
        source: serde_json::Error,
    },
    #[error("{kind} cannot be encoded: {source}")]
    Encode {
        kind: DocumentKind,
        source: serde_json::Error,
    },
}

/// The top-level keys that tell an envelope from a bare (legacy) document. Every other
/// key (the body included) is skipped without being decoded.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    kind: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct SealedRef<'a, T> {
    format: u32,
    kind: &'static str,
    document: &'a T,
}

#[derive(Deserialize)]
struct Sealed<T> {
    document: T,
}

/// Where the body of a stored text is, and in which format.
enum Opened {
    /// A document written before envelopes: the whole text is a format-1 body.
    Bare,
    /// An envelope of `format`; its body is under `document`.
    Enveloped { format: u64 },
}

fn open(text: &str, kind: DocumentKind) -> Result<Opened, DocumentError> {
    let header: Header =
        serde_json::from_str(text).map_err(|source| DocumentError::NotAnObject { kind, source })?;
    let Some(format) = header.format else {
        return Ok(Opened::Bare);
    };
    let found = header
        .kind
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    if found != kind.as_str() {
        return Err(DocumentError::WrongKind {
            expected: kind,
            found: found.to_owned(),
        });
    }
    match format.as_u64() {
        Some(format) => Ok(Opened::Enveloped { format }),
        None => Err(DocumentError::MalformedEnvelope { kind }),
    }
}

/// Writes `document` in the current format.
fn seal<T: Serialize>(kind: DocumentKind, document: &T) -> Result<String, DocumentError> {
    serde_json::to_string(&SealedRef {
        format: CURRENT_FORMAT,
        kind: kind.as_str(),
        document,
    })
    .map_err(|source| DocumentError::Encode { kind, source })
}

/// The body of `text`, decoded as `T` (a JSON value to upgrade, or the current type).
fn body<T: DeserializeOwned>(
    text: &str,
    opened: &Opened,
    kind: DocumentKind,
) -> Result<T, DocumentError> {
    let invalid = |source| DocumentError::Invalid {
        kind,
        format: opened.format(),
        source,
    };
    match opened {
        Opened::Bare => serde_json::from_str(text).map_err(invalid),
        Opened::Enveloped { .. } => serde_json::from_str::<Sealed<T>>(text)
            .map(|sealed| sealed.document)
            .map_err(invalid),
    }
}

impl Opened {
    fn format(&self) -> u64 {
        match self {
            Self::Bare => 1,
            Self::Enveloped { format } => *format,
        }
    }
}

/// Decodes an upgraded body as the current type.
fn upgraded<T: DeserializeOwned>(
    value: serde_json::Value,
    kind: DocumentKind,
    from: u64,
) -> Result<T, DocumentError> {
    serde_json::from_value(value).map_err(|source| DocumentError::Invalid {
        kind,
        format: from,
        source,
    })
}

/// Match results, format 1 to 2: each failed constraint gains its stable `code` (from
/// the request field it names) and `class`, and empty typed values (format 1 kept only
/// the words, which stay). `near_miss` keeps the meaning it had when the shortlist was
/// saved: a record is not re-judged.
fn match_result_1_to_2(mut value: serde_json::Value) -> serde_json::Value {
    use cdmx_sdk::types::ConstraintCode as Code;
    let failed = value
        .get_mut("excluded")
        .and_then(serde_json::Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.get_mut("failed")
                .and_then(serde_json::Value::as_array_mut)
        })
        .flatten();
    for constraint in failed {
        let Some(object) = constraint.as_object_mut() else {
            continue;
        };
        let code = match object.get("constraint").and_then(serde_json::Value::as_str) {
            Some("donor_source") => Code::DonorSource,
            Some("modalities") => Code::Modality,
            Some("gene_modification") => Code::GeneModification,
            Some("platforms") => Code::Platform,
            Some("phase_track_record") => Code::PhaseTrackRecord,
            Some("licences") => Code::Licence,
            Some("min_cleanroom_grade") => Code::CleanroomGrade,
            Some("closed_processing_required") => Code::ClosedProcessing,
            Some("max_cryo_temp_c") => Code::CryoTemperature,
            Some("countries_allowed") => Code::CountryAllowed,
            Some("countries_excluded") => Code::CountryExcluded,
            Some("qc_assays_in_house") => Code::QcAssays,
            Some("max_shipping_lead_time_hours") => Code::ShippingTime,
            Some("regions_served") => Code::RegionsServed,
            Some("min_bioreactor_volume_l") => Code::BioreactorVolume,
            Some("verified_only") => Code::VerifiedOrganization,
            Some("capacity") => Code::Capacity,
            _ => Code::CriterionValue,
        };
        object.insert("code".into(), code.as_str().into());
        object.insert("class".into(), code.class().as_str().into());
        object.insert("required_value".into(), serde_json::json!({}));
        object.insert("actual_value".into(), serde_json::json!({}));
    }
    value
}

/// The format of `text` as `decode_*` sees it: 1 for a bare (pre-envelope) document.
pub fn stored_format(text: &str, kind: DocumentKind) -> Result<u64, DocumentError> {
    Ok(match open(text, kind)? {
        Opened::Bare => 1,
        Opened::Enveloped { format } => format,
    })
}

/// The one writer of stored capability profiles.
pub fn encode_profile(profile: &CapabilityProfile) -> Result<String, DocumentError> {
    seal(DocumentKind::Profile, profile)
}

/// The one reader of stored capability profiles, of any format this release knows.
pub fn decode_profile(text: &str) -> Result<CapabilityProfile, DocumentError> {
    let kind = DocumentKind::Profile;
    let opened = open(text, kind)?;
    match opened.format() {
        1 | 2 => body(text, &opened, kind),
        format => Err(DocumentError::UnknownFormat { kind, format }),
    }
}

/// A stored profile as the JSON the API speaks, for field-level work (merge patches,
/// diffs, evidence subjects): decoded first, so every format gives the same shape.
pub fn decode_profile_json(text: &str) -> Result<serde_json::Value, DocumentError> {
    let profile = decode_profile(text)?;
    serde_json::to_value(profile).map_err(|source| DocumentError::Encode {
        kind: DocumentKind::Profile,
        source,
    })
}

/// The one writer of stored programmes (`programs.document`, `shortlists.program`).
pub fn encode_program(program: &ProgramRequest) -> Result<String, DocumentError> {
    seal(DocumentKind::Program, program)
}

/// The one reader of stored programmes, of any format this release knows.
pub fn decode_program(text: &str) -> Result<ProgramRequest, DocumentError> {
    let kind = DocumentKind::Program;
    let opened = open(text, kind)?;
    match opened.format() {
        1 | 2 => body(text, &opened, kind),
        format => Err(DocumentError::UnknownFormat { kind, format }),
    }
}

/// The one writer of stored match results (`shortlists.result`).
pub fn encode_match_result(result: &MatchResult) -> Result<String, DocumentError> {
    seal(DocumentKind::MatchResult, result)
}

/// The one reader of stored match results, of any format this release knows.
pub fn decode_match_result(text: &str) -> Result<MatchResult, DocumentError> {
    let kind = DocumentKind::MatchResult;
    let opened = open(text, kind)?;
    match opened.format() {
        1 => upgraded(match_result_1_to_2(body(text, &opened, kind)?), kind, 1),
        2 => body(text, &opened, kind),
        format => Err(DocumentError::UnknownFormat { kind, format }),
    }
}

impl From<DocumentError> for crate::error::ApiError {
    fn from(error: DocumentError) -> Self {
        Self::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use cdmx_sdk::types::{LicenceCoverage, LicensedActivity, Modality, Phase};

    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stored")
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(fixtures().join(name)).unwrap()
    }

    fn demo_profile() -> CapabilityProfile {
        crate::demo::data::DemoData::load(chrono::Utc::now().date_naive())
            .unwrap()
            .cdmos
            .remove(0)
            .profile
    }

    /// Which reader a fixture file belongs to, from its name.
    fn kind_of(file: &str) -> DocumentKind {
        if file.starts_with("profile-") {
            DocumentKind::Profile
        } else if file.starts_with("program") || file.starts_with("shortlist-program") {
            DocumentKind::Program
        } else if file.starts_with("shortlist-result") {
            DocumentKind::MatchResult
        } else {
            panic!("fixture {file} names no document kind")
        }
    }

    #[test]
    fn every_golden_fixture_still_loads() {
        let mut seen = 0;
        for folder in std::fs::read_dir(fixtures()).unwrap() {
            let folder = folder.unwrap().path();
            if !folder.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&folder).unwrap() {
                let path = file.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).unwrap();
                let loaded = match kind_of(&name) {
                    DocumentKind::Profile => decode_profile(&text).map(|_| ()),
                    DocumentKind::Program => decode_program(&text).map(|_| ()),
                    DocumentKind::MatchResult => decode_match_result(&text).map(|_| ()),
                };
                if let Err(error) = loaded {
                    panic!("{}: {error}", path.display());
                }
                seen += 1;
            }
        }
        assert!(seen >= 8, "only {seen} fixtures found");
    }

    /// The same facts, whichever release stored the documents.
    fn check_key_facts(folder: &str) {
        let first = decode_profile(&fixture(&format!("{folder}/profile-revision-1.json"))).unwrap();
        let second =
            decode_profile(&fixture(&format!("{folder}/profile-revision-2.json"))).unwrap();
        for profile in [&first, &second] {
            assert_eq!(profile.organization.name, "Tessaric Biomanufacturing");
            assert_eq!(profile.sites.len(), 2);
            assert_eq!(
                profile.modalities,
                [
                    Modality::CarT,
                    Modality::TcrT,
                    Modality::Nk,
                    Modality::GammaDeltaT
                ]
            );
            assert_eq!(profile.performance.success_rate_percent, Some(97.2));
        }
        assert_eq!(first.performance.median_turnaround_days, Some(16));
        assert_eq!(second.performance.median_turnaround_days, Some(21));
        assert_eq!(
            second.soft_factors.communication.as_deref(),
            Some("Weekly calls; a named project lead.")
        );

        let program = decode_program(&fixture(&format!("{folder}/program.json"))).unwrap();
        assert_eq!(program.name, "Allo CAR-T pivotal");
        assert_eq!(program.target_phase, Phase::Phase2);
        assert_eq!(program.target_markets, ["US", "FR"]);
        assert_eq!(program.requirements.constraints.max_cryo_temp_c, Some(-150));
        assert_eq!(
            program.requirements.constraints.modalities,
            [Modality::CarT]
        );
        assert_eq!(
            program.requirements,
            crate::demo::synthetic::benchmark_requirements()
        );

        let result =
            decode_match_result(&fixture(&format!("{folder}/shortlist-result.json"))).unwrap();
        assert_eq!((result.feasible_count, result.excluded_count), (1, 1));
        let top = &result.candidates[0];
        assert_eq!(
            (top.rank, top.name.as_str(), top.revision),
            (1, "Tessaric Biomanufacturing", 2)
        );
        assert_eq!(result.excluded.len(), 1);
    }

    /// Facts that became optional (undisclosed facts) read from stored profiles as
    /// disclosed values, and writing them back stores the same document: format 1 holds.
    #[test]
    fn stored_profiles_keep_every_fact_now_optional() {
        for file in [
            "legacy/profile-revision-1.json",
            "legacy/profile-revision-2.json",
            "format-1/profile-revision-1.json",
            "format-1/profile-revision-2.json",
            "format-1/profile-current.json",
        ] {
            let text = fixture(file);
            let profile = decode_profile(&text).unwrap();
            // The facts that were required when these documents were stored.
            let once_required = [
                ".latitude",
                ".longitude",
                ".closed_processing",
                ".isolators",
                ".count",
                ".area_m2",
                ".batches_per_year",
                ".max_bioreactor_volume_l",
                ".doses_per_batch",
                ".gmp_batches",
                ".units",
                ".parallel_batches",
                "qc.qp_release",
                "cryo.controlled_rate_freezing",
                "logistics.chain_of_custody",
                "tech_transfer.comparability_support",
                "tech_transfer.process_development_services",
            ];
            let missing: Vec<String> = crate::domain::profiles::undisclosed(&profile)
                .into_iter()
                .filter(|f| {
                    once_required.iter().any(|r| f.ends_with(r))
                        || f.starts_with("automation.")
                        || f.starts_with("quality.")
                })
                .collect();
            assert!(
                missing.is_empty(),
                "{file}: {missing:?} read as undisclosed"
            );
            let site = &profile.sites[0];
            assert!(
                site.latitude.is_some() && site.isolators.is_some(),
                "{file}"
            );
            let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
            let body = stored.get("document").unwrap_or(&stored);
            let mut rewritten: serde_json::Value =
                serde_json::from_str(&encode_profile(&profile).unwrap()).unwrap();
            // Sites gained `acceptances` after these rows were written; it reads as an
            // empty list and is written as one. Every fact the row had is kept as it was.
            for site in rewritten["document"]["sites"].as_array_mut().unwrap() {
                let added = site.as_object_mut().unwrap().remove("acceptances");
                assert_eq!(added, Some(serde_json::json!([])), "{file}");
            }
            assert_eq!(&rewritten["document"], body, "{file}: rewritten unchanged");
        }
    }

    /// Format 1 kept failed constraints as words only; read through the upgrade they gain
    /// their stable code and class, and keep their words and the near-miss flag they had.
    #[test]
    fn format_1_match_results_gain_codes_and_keep_their_words() {
        use cdmx_sdk::types::{ConstraintClass, ConstraintCode};
        for folder in ["legacy", "format-1"] {
            let text = fixture(&format!("{folder}/shortlist-result.json"));
            let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
            let raw = raw.get("document").unwrap_or(&raw);
            let result = decode_match_result(&text).unwrap();
            let failed = &result.excluded[0].failed;
            assert!(!failed.is_empty());
            for (i, f) in failed.iter().enumerate() {
                let before = &raw["excluded"][0]["failed"][i];
                assert_eq!(f.constraint, before["constraint"].as_str().unwrap());
                assert_eq!(f.required, before["required"].as_str().unwrap());
                assert_eq!(f.actual, before["actual"].as_str().unwrap());
                assert_ne!(f.code, ConstraintCode::Unknown, "{folder}: {f:?}");
                assert_eq!(f.class, f.code.class());
                assert_eq!(f.gap, None);
            }
            assert_eq!(
                result.excluded[0].near_miss,
                raw["excluded"][0]["near_miss"].as_bool().unwrap()
            );
            assert_eq!(
                (failed[0].code, failed[0].class),
                (ConstraintCode::DonorSource, ConstraintClass::Categorical),
                "{folder}: the fixture's exclusion is an allogeneic-only CDMO"
            );
        }
        // What the current release writes reads back unchanged.
        let result = decode_match_result(&fixture("format-1/shortlist-result.json")).unwrap();
        let text = encode_match_result(&result).unwrap();
        assert_eq!(stored_format(&text, DocumentKind::MatchResult).unwrap(), 2);
        assert_eq!(decode_match_result(&text).unwrap(), result);
    }

    #[test]
    fn legacy_bare_documents_decode_to_their_facts() {
        let text = fixture("legacy/profile-revision-1.json");
        assert!(
            !text.contains("\"format\""),
            "legacy fixtures have no envelope"
        );
        assert_eq!(stored_format(&text, DocumentKind::Profile).unwrap(), 1);
        check_key_facts("legacy");
    }

    #[test]
    fn format_1_documents_decode_to_their_facts() {
        for (file, kind) in [
            ("format-1/profile-revision-1.json", DocumentKind::Profile),
            ("format-1/profile-current.json", DocumentKind::Profile),
            ("format-1/program.json", DocumentKind::Program),
            ("format-1/shortlist-program.json", DocumentKind::Program),
            ("format-1/shortlist-result.json", DocumentKind::MatchResult),
        ] {
            let text = fixture(file);
            assert!(
                text.starts_with(&format!(
                    "{{\"format\":1,\"kind\":\"{}\",\"document\":{{",
                    kind.as_str()
                )),
                "{file}"
            );
        }
        check_key_facts("format-1");
    }

    /// The licences of the fixtures' first profile, as format 1 stored them.
    const FORMAT_1_LICENCE_TEXTS: [&str; 3] = [
        "Commercial manufacture of autologous and allogeneic CAR-T drug product",
        "ATMP manufacture, import and QP certification (IGJ)",
        "Named manufacturing site of a centrally authorised CAR-T medicine",
    ];

    /// Licences stored before `coverage` existed keep their text `scope` and read with
    /// their coverage not stated (and sites with no acceptances), with no upgrade step.
    #[test]
    fn old_licences_keep_their_scope_text_with_coverage_not_stated() {
        for folder in ["legacy", "format-1"] {
            for file in ["profile-revision-1.json", "profile-revision-2.json"] {
                let text = fixture(&format!("{folder}/{file}"));
                assert!(!text.contains("\"coverage\""), "{folder}/{file}");
                let profile = decode_profile(&text).unwrap();
                let licences: Vec<_> = profile.sites.iter().flat_map(|s| &s.licences).collect();
                assert_eq!(
                    licences
                        .iter()
                        .map(|l| l.scope.as_str())
                        .collect::<Vec<_>>(),
                    FORMAT_1_LICENCE_TEXTS,
                    "{folder}/{file}"
                );
                assert!(licences.iter().all(|l| l.coverage.is_none()));
                assert!(profile.sites.iter().all(|s| s.acceptances.is_empty()));
                let json = decode_profile_json(&text).unwrap();
                assert_eq!(
                    json.pointer("/sites/0/licences/0/scope").unwrap(),
                    FORMAT_1_LICENCE_TEXTS[0]
                );
                assert!(json.pointer("/sites/0/licences/0/coverage").is_none());
            }
        }
        // Stating the coverage is written in the current format and reads back.
        let mut profile = decode_profile(&fixture("format-1/profile-revision-2.json")).unwrap();
        profile.sites[0].licences[0].coverage = Some(LicenceCoverage {
            modalities: vec![Modality::CarT],
            donor_sources: vec![],
            activities: vec![LicensedActivity::Manufacturing],
        });
        let text = encode_profile(&profile).unwrap();
        assert_eq!(stored_format(&text, DocumentKind::Profile).unwrap(), 2);
        assert_eq!(decode_profile(&text).unwrap(), profile);
    }

    #[test]
    fn documents_are_written_in_an_envelope_of_the_current_format() {
        let profile = demo_profile();
        let text = encode_profile(&profile).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["format"], CURRENT_FORMAT);
        assert_eq!(value["kind"], "profile");
        assert_eq!(value["document"], serde_json::to_value(&profile).unwrap());
        assert_eq!(decode_profile(&text).unwrap(), profile);
        assert_eq!(
            decode_profile_json(&text).unwrap(),
            serde_json::to_value(&profile).unwrap()
        );
    }

    #[test]
    fn no_document_has_a_top_level_key_of_the_envelope() {
        // A bare document is told from an envelope by its missing `format` key.
        let profile = serde_json::to_value(demo_profile()).unwrap();
        let program: serde_json::Value =
            serde_json::from_str(&fixture("legacy/program.json")).unwrap();
        let result: serde_json::Value =
            serde_json::from_str(&fixture("legacy/shortlist-result.json")).unwrap();
        for document in [profile, program, result] {
            assert!(document.get("format").is_none(), "{document}");
        }
    }

    #[test]
    fn unreadable_documents_say_why() {
        let profile = encode_profile(&demo_profile()).unwrap();
        assert!(matches!(
            decode_profile("{not json"),
            Err(DocumentError::NotAnObject { .. })
        ));
        assert!(matches!(
            decode_program(&profile),
            Err(DocumentError::WrongKind { .. })
        ));
        let current = format!("\"format\":{CURRENT_FORMAT}");
        let future = profile.replacen(&current, "\"format\":7", 1);
        let error = decode_profile(&future).unwrap_err();
        assert!(matches!(
            error,
            DocumentError::UnknownFormat { format: 7, .. }
        ));
        assert!(error.to_string().contains("format 7"), "{error}");
        assert!(matches!(
            decode_profile(&profile.replacen(&current, "\"format\":\"2\"", 1)),
            Err(DocumentError::MalformedEnvelope { .. })
        ));
        assert!(matches!(
            decode_profile(r#"{"organization": 3}"#),
            Err(DocumentError::Invalid { format: 1, .. })
        ));
        assert!(matches!(
            decode_match_result("[]"),
            Err(DocumentError::Invalid { .. })
        ));
    }
}
