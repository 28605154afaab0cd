//! The golden comparison: match results over the demo catalogue and a 10,000-profile
//! generated one, for a fixed series of requirement sets (every constraint kind, every
//! criterion, capacity, tolerances, limits and excluded-list pages), must stay
//! byte-identical to the results recorded in `golden_matches.txt`.
//!
//! The recorded digests were written by the engine as it was before the scan was
//! rewritten for speed (issue 13), so they pin today's answers, not the new code's.
//! Rewrite them only for an intended change of results, with
//! `CDMX_WRITE_GOLDEN=1 cargo test -p cdmx-server --lib golden`, and say why in the commit.

use std::collections::HashMap;
use std::fmt::Write as _;

use cdmx_sdk::types::{MatchResult, ProfileSection, RequirementSet};
use chrono::NaiveDate;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use sha2::{Digest, Sha256};

use super::tests::any_requirements;
use super::*;
use crate::demo::data::DemoData;
use crate::demo::synthetic::{benchmark_requirements, synthetic_profile};
use crate::domain::profiles::section_confidence;

const GOLDEN: &str = include_str!("golden_matches.txt");
const GOLDEN_PATH: &str = "src/domain/matching/golden_matches.txt";
const GENERATED_PROFILES: u64 = 10_000;
const GENERATED_REQUESTS: usize = 60;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// 10,000 generated profiles, ids `p000`, `p001`... (so the generated availability's
/// `p000`..`p024` name some of them), with evidence verified for a varying set of sections.
fn generated_catalogue() -> Vec<CdmoFeatures> {
    (0..GENERATED_PROFILES)
        .map(|i| {
            let profile = synthetic_profile(7, i);
            let evidence: Vec<(ProfileSection, bool, Option<NaiveDate>)> = ProfileSection::ALL
                .iter()
                .enumerate()
                .filter(|(j, _)| (i as usize * 7 + j * 3) % 5 < 2)
                .map(|(_, s)| (*s, true, None))
                .collect();
            CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: format!("p{i:03}"),
                    organization_id: format!("o{i}"),
                    revision: 1 + (i % 3) as u32,
                    verified: i % 4 != 3,
                },
                &profile,
                section_confidence(&evidence, today()),
            )
        })
        .collect()
}

fn demo_catalogue() -> Vec<CdmoFeatures> {
    DemoData::load(today())
        .unwrap()
        .cdmos
        .iter()
        .map(|cdmo| {
            CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: cdmo.profile_id.clone(),
                    organization_id: cdmo.organization_id.clone(),
                    revision: 1,
                    verified: true,
                },
                &cdmo.profile,
                section_confidence(&[], today()),
            )
        })
        .collect()
}

/// Free slots for every third generated profile beyond those the strategy chose.
fn widened(availability: Availability) -> Availability {
    let mut all: HashMap<String, SlotsAvailable> = (0..GENERATED_PROFILES)
        .step_by(3)
        .map(|i| {
            let free = (i % 7) as u32;
            let earliest = (free > 0).then(|| {
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
                    + chrono::Duration::days((i % 150) as i64)
            });
            (format!("p{i:03}"), SlotsAvailable { free, earliest })
        })
        .collect();
    all.extend(availability.per_profile);
    Availability::of_slots(all)
}

/// The series of requests: generated sets (a deterministic proptest runner), then the
/// benchmark's late-stage set and an open one.
fn requests() -> Vec<(ValidRequirements, Availability)> {
    let mut runner = TestRunner::deterministic();
    let strategy = any_requirements();
    let mut all: Vec<_> = (0..GENERATED_REQUESTS)
        .map(|_| {
            let (req, availability) = strategy.new_tree(&mut runner).unwrap().current();
            (req, widened(availability))
        })
        .collect();
    for set in [
        benchmark_requirements(),
        RequirementSet {
            criteria: benchmark_requirements().criteria,
            ..Default::default()
        },
    ] {
        all.push((
            ValidRequirements::parse(set, None).unwrap(),
            Availability::default(),
        ));
    }
    all
}

/// The first page of each request and, when there is one, the second page of its
/// excluded list, each as the digest of its JSON.
fn digests(catalogue_name: &str, catalogue: &[CdmoFeatures], out: &mut String) {
    for (i, (req, availability)) in requests().iter().enumerate() {
        let limit = [1, 5, 25, 100][i % 4];
        let first = run_match(catalogue, req, today(), availability, limit);
        let mut pages = vec![first.clone()];
        if let Some(position) = &first.excluded_next_cursor {
            let after = ExclusionKey::parse(position).unwrap();
            pages.push(run_match_after(
                catalogue,
                req,
                today(),
                availability,
                limit,
                Some(&after),
            ));
        }
        for (page, result) in pages.iter().enumerate() {
            writeln!(
                out,
                "{catalogue_name} request {i} page {page}: {} feasible, {} excluded, {}",
                result.feasible_count,
                result.excluded_count,
                digest(result)
            )
            .unwrap();
        }
    }
}

fn digest(result: &MatchResult) -> String {
    let json = serde_json::to_vec(result).unwrap();
    Sha256::digest(&json)
        .iter()
        .fold(String::new(), |mut hex, b| {
            write!(hex, "{b:02x}").unwrap();
            hex
        })
}

#[test]
fn match_results_stay_byte_identical_to_the_recorded_ones() {
    let mut actual = String::new();
    digests("demo", &demo_catalogue(), &mut actual);
    digests("generated", &generated_catalogue(), &mut actual);
    if std::env::var_os("CDMX_WRITE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &actual).unwrap();
        return;
    }
    // Enough of the requests must find candidates and near misses for the comparison to
    // cover ranking and the excluded list's order, not only empty results.
    let lines: Vec<&str> = actual.lines().collect();
    assert!(
        lines.len() > 2 * (GENERATED_REQUESTS + 2),
        "{}",
        lines.len()
    );
    let mismatched: Vec<String> = GOLDEN
        .lines()
        .zip(&lines)
        .filter(|(want, got)| want != *got)
        .map(|(want, got)| format!("recorded: {want}\n     now: {got}"))
        .collect();
    assert!(
        mismatched.is_empty() && GOLDEN.lines().count() == lines.len(),
        "{} of {} results differ from the recorded ones (recorded {} lines):\n{}",
        mismatched.len(),
        lines.len(),
        GOLDEN.lines().count(),
        mismatched.join("\n")
    );
}
