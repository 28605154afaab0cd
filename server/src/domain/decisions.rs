//! Decisions on a shortlist: what a sponsor may record (the selected CDMOs must be ranked
//! candidates of that shortlist; `no_award` selects none; a rationale is required), and
//! the recorded decision the report shows.

use cdmx_sdk::types::{
    Candidate, DecisionOutcome, MAX_RATIONALE_CHARS, NewDecision, PrincipalKind, SelectedCandidate,
};
use chrono::{DateTime, Utc};

use super::Violations;
use super::input;

/// A decision that may be recorded on the shortlist whose candidates it was checked
/// against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDecision {
    pub outcome: DecisionOutcome,
    /// The selected candidates, in the order given (empty for `no_award`).
    pub selected: Vec<SelectedCandidate>,
    /// Trimmed, NFC-normalised, 1 to [`MAX_RATIONALE_CHARS`] characters.
    pub rationale: String,
}

impl ValidDecision {
    /// Checks `request` against the shortlist's ranked `candidates`, reporting every
    /// problem at once.
    pub fn parse(request: NewDecision, candidates: &[Candidate]) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let rationale = v.check(
            "rationale",
            input::parse_note(&request.rationale, MAX_RATIONALE_CHARS).and_then(|text| {
                if text.is_empty() {
                    Err("is required: say why".into())
                } else {
                    Ok(text)
                }
            }),
        );
        let ids = &request.selected_profile_ids;
        let mut selected = Vec::with_capacity(ids.len());
        match request.outcome {
            DecisionOutcome::NoAward if !ids.is_empty() => v.add(
                "selected_profile_ids",
                "must be empty for `no_award`: a decision without award selects no CDMO",
            ),
            DecisionOutcome::NoAward => {}
            DecisionOutcome::Award if ids.is_empty() => v.add(
                "selected_profile_ids",
                "must name at least one ranked candidate for `award`",
            ),
            DecisionOutcome::Award if ids.len() > candidates.len() => v.add(
                "selected_profile_ids",
                format!(
                    "must name at most {} profile ids: the shortlist ranks that many candidates",
                    candidates.len()
                ),
            ),
            DecisionOutcome::Award => {
                for (i, id) in ids.iter().enumerate() {
                    let field = format!("selected_profile_ids[{i}]");
                    if ids[..i].contains(id) {
                        v.add(field, "is given twice");
                    } else if let Some(c) = candidates.iter().find(|c| c.profile_id == *id) {
                        selected.push(SelectedCandidate {
                            profile_id: c.profile_id.clone(),
                            name: c.name.clone(),
                            rank: c.rank,
                            revision: c.revision,
                        });
                    } else {
                        v.add(
                            field,
                            "is not a ranked candidate of this shortlist (excluded CDMOs and \
                             CDMOs it does not list cannot be selected)",
                        );
                    }
                }
            }
            _ => v.add("outcome", "is not a known outcome"),
        }
        v.into_result(|| {
            Some(Self {
                outcome: request.outcome,
                selected,
                rationale: rationale?,
            })
        })
    }
}

/// Who recorded a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionMaker {
    pub kind: PrincipalKind,
    /// The user or API key id.
    pub id: String,
    /// The user's email or the API key's name, when known.
    pub name: Option<String>,
}

/// A recorded decision on a shortlist, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDecision {
    pub id: String,
    pub shortlist_id: String,
    pub outcome: DecisionOutcome,
    pub selected: Vec<SelectedCandidate>,
    pub rationale: String,
    pub decided_by: DecisionMaker,
    pub decided_at: DateTime<Utc>,
    /// The decision this one superseded, if any.
    pub supersedes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(rank: u32, id: &str) -> Candidate {
        Candidate {
            rank,
            profile_id: id.into(),
            organization_id: format!("org-{id}"),
            name: format!("CDMO {id}"),
            countries: vec![],
            revision: 2,
            organization_verified: true,
            total: 50.0,
            penalty_factor: 1.0,
            criteria: vec![],
            evidence_confidence: 0.0,
            evidence_completeness: None,
            confidence: vec![],
        }
    }

    fn request(outcome: DecisionOutcome, ids: &[&str], rationale: &str) -> NewDecision {
        NewDecision {
            outcome,
            selected_profile_ids: ids.iter().map(|s| s.to_string()).collect(),
            rationale: rationale.into(),
        }
    }

    fn fields(result: Result<ValidDecision, Violations>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn an_award_selects_ranked_candidates_with_their_rank_and_revision() {
        let ranked = [candidate(1, "a"), candidate(2, "b")];
        let valid = ValidDecision::parse(
            request(
                DecisionOutcome::Award,
                &["b"],
                "  Best QC turnaround.\nSigned off. ",
            ),
            &ranked,
        )
        .unwrap();
        assert_eq!(valid.rationale, "Best QC turnaround.\nSigned off.");
        assert_eq!(
            valid.selected,
            [SelectedCandidate {
                profile_id: "b".into(),
                name: "CDMO b".into(),
                rank: 2,
                revision: 2
            }]
        );
    }

    #[test]
    fn selections_must_be_ranked_distinct_and_absent_without_award() {
        let three = [candidate(1, "a"), candidate(2, "b"), candidate(3, "c")];
        assert_eq!(
            fields(ValidDecision::parse(
                request(DecisionOutcome::Award, &["a", "x", "a"], "why"),
                &three
            )),
            ["selected_profile_ids[1]", "selected_profile_ids[2]"]
        );
        let ranked = &three[..2];
        assert_eq!(
            fields(ValidDecision::parse(
                request(DecisionOutcome::NoAward, &["a"], " "),
                ranked
            )),
            ["rationale", "selected_profile_ids"]
        );
        assert_eq!(
            fields(ValidDecision::parse(
                request(DecisionOutcome::Award, &[], "why"),
                ranked
            )),
            ["selected_profile_ids"]
        );
        assert_eq!(
            fields(ValidDecision::parse(
                request(DecisionOutcome::Award, &["a", "b", "c"], "why"),
                ranked
            )),
            ["selected_profile_ids"]
        );
        assert!(
            ValidDecision::parse(request(DecisionOutcome::NoAward, &[], "none fit"), ranked)
                .is_ok()
        );
        let long = "x".repeat(MAX_RATIONALE_CHARS + 1);
        assert_eq!(
            fields(ValidDecision::parse(
                request(DecisionOutcome::NoAward, &[], &long),
                ranked
            )),
            ["rationale"]
        );
    }
}
