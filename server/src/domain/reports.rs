//! What a procurement report of a shortlist says, independent of its file format.

use cdmx_sdk::types::{Criterion, Shortlist};

/// One ranked CDMO.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedRow {
    pub rank: u32,
    pub name: String,
    pub countries: String,
    pub total: f64,
    /// In the order of [`ReportData::criteria`].
    pub contributions: Vec<f64>,
    /// Each criterion's raw value as a reader sees it (`1200`, `96.5`), or why there is
    /// none (`not disclosed`); in the order of [`ReportData::criteria`].
    pub values: Vec<String>,
    pub evidence_confidence: f64,
    pub verified: bool,
    pub revision: u32,
}

/// One excluded CDMO.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcludedRow {
    pub name: String,
    pub revision: u32,
    pub near_miss: bool,
    /// `constraint: required (actual)`, joined with `; `.
    pub failed: String,
}

/// One weighted criterion of the requirement set.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightRow {
    pub criterion: Criterion,
    pub weight: f64,
    pub worst: f64,
    pub best: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    pub title: String,
    pub program_name: String,
    /// `YYYY-MM-DD HH:MM UTC`, from the shortlist.
    pub created: String,
    /// How robust first place is, in a sentence; absent with fewer than two candidates.
    pub robustness: Option<String>,
    /// Hard constraints as (name, value) lines.
    pub constraints: Vec<(String, String)>,
    pub criteria: Vec<Criterion>,
    pub weights: Vec<WeightRow>,
    pub ranked: Vec<RankedRow>,
    pub excluded: Vec<ExcludedRow>,
    pub feasible_count: u32,
    pub excluded_count: u32,
}

pub fn report_data(shortlist: &Shortlist) -> ReportData {
    let result = &shortlist.result;
    let criteria: Vec<Criterion> = shortlist
        .program
        .requirements
        .criteria
        .iter()
        .map(|c| c.criterion)
        .collect();
    let weights = result
        .candidates
        .first()
        .map(|c| {
            c.criteria
                .iter()
                .map(|s| WeightRow {
                    criterion: s.criterion,
                    weight: s.weight,
                    worst: s.scale.worst,
                    best: s.scale.best,
                })
                .collect()
        })
        .unwrap_or_else(|| {
            let total: f64 = shortlist
                .program
                .requirements
                .criteria
                .iter()
                .map(|c| c.weight)
                .sum();
            shortlist
                .program
                .requirements
                .criteria
                .iter()
                .map(|c| {
                    let scale = c
                        .scale
                        .unwrap_or_else(|| crate::domain::matching::default_scale(c.criterion));
                    WeightRow {
                        criterion: c.criterion,
                        weight: if total > 0.0 { c.weight / total } else { 0.0 },
                        worst: scale.worst,
                        best: scale.best,
                    }
                })
                .collect()
        });
    let constraints = serde_json::to_value(&shortlist.program.requirements.constraints)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|map| {
            map.into_iter()
                .filter(|(_, v)| !matches!(v, serde_json::Value::Bool(false)))
                .map(|(k, v)| (k, plain(&v)))
                .collect()
        })
        .unwrap_or_default();
    let name_of = |id: &str| {
        result
            .candidates
            .iter()
            .find(|c| c.profile_id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    };
    let robustness = result.robustness.as_ref().map(|r| {
        let change = r.smallest_swap_change.map_or_else(
            || "no single weight change within 0-100% swaps them".to_owned(),
            |c| {
                format!(
                    "the smallest weight change that swaps them is {:.1} percentage points",
                    c * 100.0
                )
            },
        );
        format!(
            "{} leads {} by {:.2} points; {change}.",
            name_of(&r.first),
            name_of(&r.second),
            r.margin
        )
    });
    ReportData {
        title: shortlist.name.clone(),
        program_name: shortlist.program.name.clone(),
        created: shortlist
            .created_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        robustness,
        constraints,
        ranked: result
            .candidates
            .iter()
            .map(|c| RankedRow {
                rank: c.rank,
                name: c.name.clone(),
                countries: c.countries.join(" "),
                total: c.total,
                contributions: criteria
                    .iter()
                    .map(|k| {
                        c.criteria
                            .iter()
                            .find(|s| s.criterion == *k)
                            .map_or(0.0, |s| s.contribution)
                    })
                    .collect(),
                values: criteria
                    .iter()
                    .map(|k| {
                        let score = c.criteria.iter().find(|s| s.criterion == *k);
                        raw_value_text(*k, score.and_then(|s| s.raw))
                    })
                    .collect(),
                evidence_confidence: c.evidence_confidence,
                verified: c.organization_verified,
                revision: c.revision,
            })
            .collect(),
        excluded: result
            .excluded
            .iter()
            .map(|e| ExcludedRow {
                name: e.name.clone(),
                revision: e.revision,
                near_miss: e.near_miss,
                failed: e
                    .failed
                    .iter()
                    .map(|f| format!("{}: {} (actual: {})", f.constraint, f.required, f.actual))
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect(),
        criteria,
        weights,
        feasible_count: result.feasible_count,
        excluded_count: result.excluded_count,
    }
}

/// A criterion's raw value in a report: the number (at most 4 decimals, no trailing
/// zeros), or, when the profile lacks it, "not disclosed" (for `earliest_start`, which
/// comes from published capacity: "no free slot").
pub fn raw_value_text(criterion: Criterion, raw: Option<f64>) -> String {
    match raw {
        Some(value) => {
            let text = format!("{value:.4}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text == "-0" {
                "0".into()
            } else {
                text.to_owned()
            }
        }
        None if criterion == Criterion::EarliestStart => "no free slot".into(),
        None => crate::domain::matching::NOT_DISCLOSED.into(),
    }
}

/// A constraint's value as a reader would write it: `phase_3, min_programmes 1`.
fn plain(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", plain(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A text cell made safe for spreadsheets: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be read as a formula, so it is prefixed with `'`.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_raw_value_reads_not_disclosed() {
        assert_eq!(raw_value_text(Criterion::ScaleUp, None), "not disclosed");
        assert_eq!(raw_value_text(Criterion::Distance, None), "not disclosed");
        assert_eq!(
            raw_value_text(Criterion::EarliestStart, None),
            "no free slot"
        );
        assert_eq!(raw_value_text(Criterion::ScaleUp, Some(1200.0)), "1200");
        assert_eq!(raw_value_text(Criterion::SuccessRate, Some(96.5)), "96.5");
        assert_eq!(raw_value_text(Criterion::ScaleUp, Some(0.0)), "0");
        assert_eq!(
            raw_value_text(Criterion::Distance, Some(431.123_456)),
            "431.1235"
        );
    }

    #[test]
    fn formula_starts_are_neutralised_and_ordinary_text_is_not() {
        for risky in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(neutralise("Helix Cell Works"), "Helix Cell Works");
        assert_eq!(neutralise("Zürich Zelltherapie"), "Zürich Zelltherapie");
        assert_eq!(neutralise(""), "");
    }
}
