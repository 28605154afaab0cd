//! What a procurement report of a shortlist says, independent of its file format: one
//! content model, [`ReportData`], that every renderer (CSV, XLSX, PDF, HTML) lays out.
//! Everything a reader sees is in words and units here (`Phase 2`, `USD 5,000,000`,
//! `96.1 %`), so the formats cannot drift apart in what they say.

use cdmx_sdk::types::{
    AcceptabilityMethod, Confidence, ConstraintCode, Criterion, DecisionOutcome, Exclusion,
    MissingDataPolicy, ProgramRequest, QcAssay, Quote, QuoteState, RankAcceptability,
    SectionConfidence, Shortlist, Unit as GapUnit,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::matching::{NOT_DISCLOSED, default_scale, evidence_section};
use super::programs::effective_requirements;

/// Who the report names, resolved by the application layer from the shortlist's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeople {
    /// The sponsor organisation that owns the shortlist.
    pub sponsor: String,
    /// Who saved the shortlist (a user's email, an API key's name, or the id).
    pub generated_by: String,
}

/// A decision's outcome in words.
fn outcome_label(outcome: DecisionOutcome) -> &'static str {
    match outcome {
        DecisionOutcome::Award => "Award",
        DecisionOutcome::NoAward => "No award",
        // Never stored: the server decodes strictly.
        _ => "Unknown",
    }
}

/// A decision recorded on the shortlist, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionBlock {
    /// The decision's id.
    pub id: String,
    pub outcome: DecisionOutcome,
    /// The selected CDMOs' names (none for no award).
    pub selected: Vec<String>,
    pub rationale: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    /// The id of the decision this one supersedes.
    pub supersedes: Option<String>,
}

impl DecisionBlock {
    /// The block as (label, value) lines, in the order every format prints them.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![
            ("Outcome", outcome_label(self.outcome).to_owned()),
            (
                "Selected CDMOs",
                if self.selected.is_empty() {
                    "none".to_owned()
                } else {
                    self.selected.join("; ")
                },
            ),
            ("Rationale", self.rationale.clone()),
            ("Decided by", self.decided_by.clone()),
            ("Decided at", timestamp(self.decided_at)),
            ("Decision id", self.id.clone()),
        ];
        if let Some(earlier) = &self.supersedes {
            lines.push(("Supersedes decision", earlier.clone()));
        }
        lines
    }
}

/// Slots a quote offers from one of the CDMO's capacity blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedSlots {
    pub capacity_id: String,
    pub slots: u32,
    /// The block's kind of slot, in words (`clinical GMP batch`).
    pub slot_kind: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

impl QuotedSlots {
    /// `2 clinical GMP batch slots from block <id>, 2027-01-01 to 2027-03-31`.
    pub fn text(&self) -> String {
        format!(
            "{} from block {}, {} to {}",
            plural(
                f64::from(self.slots),
                &format!("{} slot", self.slot_kind),
                &format!("{} slots", self.slot_kind)
            ),
            self.capacity_id,
            self.period_start,
            self.period_end
        )
    }
}

/// One quote received on the shortlist's programme, as stored: its state is the one last
/// recorded, never re-read against the clock, so that the report depends on stored data
/// only; `valid_until` is shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRow {
    /// The quote's id.
    pub id: String,
    /// The quoting CDMO's name.
    pub cdmo: String,
    /// In whole units of `currency` (as the API takes and gives it).
    pub price_per_batch: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// In whole units of `currency`.
    pub tech_transfer_cost: Option<u64>,
    pub tech_transfer_weeks: Option<u32>,
    pub slots: Vec<QuotedSlots>,
    pub valid_until: DateTime<Utc>,
    pub state: QuoteState,
    pub decline_reason: Option<String>,
}

/// What a report shows for a quote's figure the CDMO left out.
pub const NOT_STATED: &str = "not stated";

impl QuoteRow {
    /// The row of `quote`, taken as stored (see [`QuoteRow`]).
    pub fn of(quote: &Quote) -> Self {
        Self {
            id: quote.id.clone(),
            cdmo: quote.cdmo_organization_name.clone(),
            price_per_batch: quote.price_per_batch,
            currency: quote.currency.clone(),
            tech_transfer_cost: quote.tech_transfer_cost,
            tech_transfer_weeks: quote.tech_transfer_weeks,
            slots: quote
                .slots_offered
                .iter()
                .map(|o| QuotedSlots {
                    capacity_id: o.capacity_id.clone(),
                    slots: o.slots,
                    slot_kind: label(o.slot_kind.as_str()),
                    period_start: o.period_start,
                    period_end: o.period_end,
                })
                .collect(),
            valid_until: quote.valid_until,
            state: quote.state,
            decline_reason: quote.decline_reason.clone(),
        }
    }

    /// `EUR 180,000`.
    pub fn price_text(&self) -> String {
        money(self.price_per_batch, &self.currency)
    }

    /// `EUR 400,000`, or `not stated`.
    pub fn tech_transfer_cost_text(&self) -> String {
        self.tech_transfer_cost
            .map_or_else(|| NOT_STATED.to_owned(), |c| money(c, &self.currency))
    }

    /// `20 weeks`, or `not stated`.
    pub fn tech_transfer_weeks_text(&self) -> String {
        self.tech_transfer_weeks.map_or_else(
            || NOT_STATED.to_owned(),
            |w| plural(f64::from(w), "week", "weeks"),
        )
    }

    /// Every block offered, `; ` between them.
    pub fn slots_text(&self) -> String {
        self.slots
            .iter()
            .map(QuotedSlots::text)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The slots offered over every block.
    pub fn total_slots(&self) -> u64 {
        self.slots.iter().map(|s| u64::from(s.slots)).sum()
    }

    /// `YYYY-MM-DD HH:MM UTC`.
    pub fn valid_until_text(&self) -> String {
        timestamp(self.valid_until)
    }

    /// The stored state's wire word: `submitted`, `accepted`, `declined` or `expired`.
    pub fn state_text(&self) -> &'static str {
        self.state.as_str()
    }

    /// The quote as (label, value) lines, the blocks offered one per line, in the order
    /// a format without room for a wide table prints them.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let blocks: Vec<String> = self.slots.iter().map(QuotedSlots::text).collect();
        let mut lines = vec![
            ("CDMO", self.cdmo.clone()),
            ("Price per batch", self.price_text()),
            ("Tech-transfer cost", self.tech_transfer_cost_text()),
            ("Tech-transfer time", self.tech_transfer_weeks_text()),
            ("Slots offered", blocks.join("\n")),
            ("Valid until", self.valid_until_text()),
            ("State", self.state_text().to_owned()),
        ];
        if let Some(reason) = &self.decline_reason {
            lines.push(("Decline reason", reason.clone()));
        }
        lines.push(("Quote id", self.id.clone()));
        lines
    }
}

/// `EUR 1,250,000`: whole units with thousands separators.
fn money(amount: u64, currency: &str) -> String {
    // Amounts are at most 1,000,000,000 (validated on submission): exact in an f64.
    format!("{currency} {}", format_number(amount as f64, 0))
}

/// One line of the requirement set, in words; `quantity` carries the number and unit of
/// a numeric requirement so that a spreadsheet can keep it a number.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementLine {
    pub label: String,
    pub text: String,
    pub quantity: Option<(f64, &'static str)>,
}

/// One weighted criterion: what it measures, on which scale, with which weight.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionRow {
    pub criterion: Criterion,
    /// `Batch success rate`.
    pub label: &'static str,
    /// What the raw value is, in words.
    pub measures: String,
    /// The raw value's unit: `%`, `days`, `USD`...
    pub unit: &'static str,
    /// Normalised, 0 to 1.
    pub weight: f64,
    pub worst: f64,
    pub best: f64,
    /// `85 % (worst) to 99 % (best)`.
    pub scale: String,
    pub missing: MissingDataPolicy,
    /// What happens when a profile lacks the value, in words.
    pub missing_text: String,
}

/// One criterion of one candidate: the raw value behind the score, and the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub raw: Option<f64>,
    /// The raw value with its unit (`96.1 %`, `USD 1,250,000`), or `not disclosed`.
    pub text: String,
    /// 0 to 1.
    pub normalised: f64,
    /// Points out of 100.
    pub contribution: f64,
    /// The evidence status of the fact (`verified`, `self-declared`...).
    pub evidence: String,
}

/// One ranked CDMO.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedRow {
    pub rank: u32,
    pub name: String,
    pub profile_id: String,
    pub revision: u32,
    pub countries: String,
    pub total: f64,
    /// 1 unless a missing value was penalised.
    pub penalty_factor: f64,
    /// In the order of [`ReportData::criteria`].
    pub facts: Vec<Fact>,
    pub evidence_confidence: f64,
    pub evidence_completeness: Option<f64>,
    pub verified: bool,
}

impl RankedRow {
    /// Contributions in the order of [`ReportData::criteria`].
    pub fn contributions(&self) -> impl Iterator<Item = f64> + '_ {
        self.facts.iter().map(|f| f.contribution)
    }
}

/// One excluded CDMO and why, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcludedRow {
    pub name: String,
    pub profile_id: String,
    pub revision: u32,
    pub near_miss: bool,
    /// One sentence per failed constraint.
    pub reasons: Vec<String>,
}

/// Rank acceptability as the shortlist kept it.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptabilityBlock {
    /// How it was computed, in a paragraph.
    pub intro: String,
    /// Every CDMO that reached the top 3 under some sampled weights, most often first
    /// first.
    pub rows: Vec<AcceptabilityRow>,
}

/// One CDMO's rank acceptability beside its point score.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptabilityRow {
    pub name: String,
    pub profile_id: String,
    pub point_rank: u32,
    pub point_total: f64,
    /// Shares, 0 to 1.
    pub rank_1: f64,
    pub top_3: f64,
    /// `Success rate 0.62, Turnaround 0.38`, or `never first`.
    pub central_weights: String,
}

impl AcceptabilityRow {
    /// `85.7 %`.
    pub fn rank_1_text(&self) -> String {
        share_text(self.rank_1)
    }

    pub fn top_3_text(&self) -> String {
        share_text(self.top_3)
    }
}

/// A share (0 to 1) as a percentage with one decimal: `85.7 %`.
fn share_text(share: f64) -> String {
    format!("{} %", format_number(share * 100.0, 1))
}

impl AcceptabilityBlock {
    fn of(result: &RankAcceptability, criteria: &[CriterionRow]) -> Self {
        let label = |criterion: Criterion| {
            criteria
                .iter()
                .find(|c| c.criterion == criterion)
                .map_or_else(|| criterion.as_str().to_owned(), |c| c.label.to_owned())
        };
        let method = match result.method {
            AcceptabilityMethod::Point => {
                "The requirements state point weights only, so one weight vector was                  evaluated: acceptability is 1 for the first place and 0 elsewhere."
                    .to_owned()
            }
            AcceptabilityMethod::OrderedDirichlet => format!(
                "Weights were drawn {} times uniformly from every weight vector that respects                  the stated order of importance (exactly, as Dirichlet weights of the                  region's corners).",
                result.samples
            ),
            AcceptabilityMethod::HitAndRun => format!(
                "Weights were drawn {} times uniformly from every weight vector within the                  stated weight ranges (a hit-and-run walk).",
                result.samples
            ),
            // Wire values this server does not know never reach it: it made them.
            _ => format!("Weights were drawn {} times.", result.samples),
        };
        let intro = format!(
            "{method} Each feasible CDMO ({} in all) was ranked under each draw; {} could not              reach the top 3 under any admissible weights and were set aside exactly. Rank-1              acceptability is the share of draws in which a CDMO ranks first, top-3 the share              in which it ranks in the first three; central weights are the mean weights under              which it ranks first. Seed {}: the same requirements give the same figures.",
            result.considered, result.pruned, result.seed
        );
        let rows = result
            .candidates
            .iter()
            .map(|c| AcceptabilityRow {
                name: c.name.clone(),
                profile_id: c.profile_id.clone(),
                point_rank: c.point_rank,
                point_total: c.point_total,
                rank_1: c.rank_1,
                top_3: c.top_3,
                central_weights: if c.central_weights.is_empty() {
                    "never first".to_owned()
                } else {
                    c.central_weights
                        .iter()
                        .map(|w| format!("{} {}", label(w.criterion), decimal(w.weight, 2)))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
            .collect();
        Self { intro, rows }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    /// The shortlist's name.
    pub title: String,
    pub shortlist_id: String,
    pub program_id: String,
    pub program_version: u32,
    pub program_name: String,
    pub sponsor: String,
    pub generated_by: String,
    /// When the shortlist was saved: the report's date, so that it is reproducible.
    pub created_at: DateTime<Utc>,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub created: String,
    /// The product, phase, markets, timeline, capacity need and every hard constraint.
    pub requirements: Vec<RequirementLine>,
    pub criteria: Vec<CriterionRow>,
    /// How the ranking was made, one paragraph each.
    pub methodology: Vec<String>,
    pub ranked: Vec<RankedRow>,
    /// Said when the shortlist kept fewer candidates than were feasible.
    pub ranked_note: Option<String>,
    pub excluded: Vec<ExcludedRow>,
    /// Said when the shortlist kept fewer exclusions than there were.
    pub excluded_note: Option<String>,
    pub feasible_count: u32,
    pub excluded_count: u32,
    /// How robust first place is, in a sentence; absent with fewer than two candidates.
    pub robustness: Option<String>,
    /// The decision recorded on the shortlist, if any.
    pub decision: Option<DecisionBlock>,
    /// The quotes received on the shortlist's programme, oldest first (the caller adds
    /// them: they are read when the report is made).
    pub quotes: Vec<QuoteRow>,
    /// Whether the quotes were left out because the reader is not the sponsor (a share
    /// link's holder): the CDMOs quoted the sponsor, not whoever holds the link.
    pub quotes_withheld: bool,
    /// Present when the shortlist was saved with rank acceptability.
    pub acceptability: Option<AcceptabilityBlock>,
}

impl ReportData {
    /// `(rank-1, top-3)` acceptability of a ranked CDMO, when the shortlist has it (0 for
    /// a CDMO never in the top 3).
    pub fn acceptability_of(&self, profile_id: &str) -> Option<(f64, f64)> {
        let block = self.acceptability.as_ref()?;
        Some(
            block
                .rows
                .iter()
                .find(|r| r.profile_id == profile_id)
                .map_or((0.0, 0.0), |r| (r.rank_1, r.top_3)),
        )
    }

    /// `12 feasible CDMOs (10 ranked here), 34 excluded (25 listed here).`
    pub fn counts(&self) -> String {
        let listed = |n: usize, of: u32, what: &str| {
            if n as u32 == of {
                String::new()
            } else {
                format!(" ({n} {what} here)")
            }
        };
        format!(
            "{} feasible {}{}, {} excluded{}.",
            self.feasible_count,
            if self.feasible_count == 1 {
                "CDMO"
            } else {
                "CDMOs"
            },
            listed(self.ranked.len(), self.feasible_count, "ranked"),
            self.excluded_count,
            listed(self.excluded.len(), self.excluded_count, "listed"),
        )
    }

    /// What the quotes section says before its table, or instead of it when there is
    /// no quote.
    pub fn quotes_intro(&self) -> String {
        if self.quotes_withheld {
            return "Quotes are not included in a report opened through a share link: the \
                    CDMOs quoted the sponsor, who can export them."
                .to_owned();
        }
        match self.quotes.len() {
            0 => "No quote has been received on this programme.".to_owned(),
            n => format!(
                "{} received on this programme, oldest first, as stored when this report was \
                 made: each in the state last recorded, beside the date until which it may \
                 be accepted. Amounts are in whole units of the quote's currency.",
                plural(n as f64, "quote", "quotes")
            ),
        }
    }

    /// Identity and provenance as (label, value) lines.
    pub fn identity(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Shortlist", self.title.clone()),
            ("Shortlist id", self.shortlist_id.clone()),
            ("Programme", self.program_name.clone()),
            ("Programme id", self.program_id.clone()),
            ("Programme version", self.program_version.to_string()),
            ("Sponsor", self.sponsor.clone()),
            ("Generated by", self.generated_by.clone()),
            ("Generated at", self.created.clone()),
        ]
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The report of `shortlist`, naming `people`, with no decision block (the caller adds
/// one when a decision was recorded).
pub fn report_data(shortlist: &Shortlist, people: &ReportPeople) -> ReportData {
    let result = &shortlist.result;
    let effective = effective_requirements(&shortlist.program);
    let total_weight: f64 = effective.criteria.iter().map(|c| c.weight).sum();
    let penalty = effective.missing_data_penalty_percent.unwrap_or(10.0);
    let criteria: Vec<CriterionRow> = effective
        .criteria
        .iter()
        .map(|c| {
            let scale = c.scale.unwrap_or_else(|| default_scale(c.criterion));
            let missing = c.missing.unwrap_or(MissingDataPolicy::Zero);
            let (label, unit) = criterion_label(c.criterion);
            CriterionRow {
                criterion: c.criterion,
                label,
                measures: criterion_measures(c, &shortlist.program),
                unit,
                weight: if total_weight > 0.0 {
                    c.weight / total_weight
                } else {
                    0.0
                },
                worst: scale.worst,
                best: scale.best,
                scale: format!(
                    "{} (worst) to {} (best)",
                    value_text(c.criterion, scale.worst),
                    value_text(c.criterion, scale.best)
                ),
                missing,
                missing_text: missing_text(missing, penalty),
            }
        })
        .collect();
    let name_of = |id: &str| {
        result
            .candidates
            .iter()
            .find(|c| c.profile_id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    };
    let robustness = result.robustness.as_ref().map(|r| {
        let change = r.smallest_swap_change.map_or_else(
            || "no change of a single weight (0 to 100 %) swaps them".to_owned(),
            |c| {
                format!(
                    "the smallest change of a single weight that swaps them is {} percentage points",
                    format_number(c * 100.0, 1)
                )
            },
        );
        format!(
            "{} leads {} by {} points; {change}.",
            name_of(&r.first),
            name_of(&r.second),
            format_number(r.margin, 2)
        )
    });
    let ranked: Vec<RankedRow> = result
        .candidates
        .iter()
        .map(|c| RankedRow {
            rank: c.rank,
            name: c.name.clone(),
            profile_id: c.profile_id.clone(),
            revision: c.revision,
            countries: c.countries.join(", "),
            total: c.total,
            penalty_factor: c.penalty_factor,
            facts: criteria
                .iter()
                .map(|k| {
                    let score = c.criteria.iter().find(|s| s.criterion == k.criterion);
                    let raw = score.and_then(|s| s.raw);
                    Fact {
                        raw,
                        text: match raw {
                            Some(value) => value_text(k.criterion, value),
                            None => missing_value_text(k.criterion, score.and_then(|s| s.missing)),
                        },
                        normalised: score.map_or(0.0, |s| s.normalised),
                        contribution: score.map_or(0.0, |s| s.contribution),
                        evidence: evidence_status(k.criterion, &c.confidence),
                    }
                })
                .collect(),
            evidence_confidence: c.evidence_confidence,
            evidence_completeness: c.evidence_completeness,
            verified: c.organization_verified,
        })
        .collect();
    let excluded: Vec<ExcludedRow> = result.excluded.iter().map(excluded_row).collect();
    let ranked_note = (ranked.len() < result.feasible_count as usize).then(|| {
        format!(
            "{} of the {} feasible CDMOs are ranked here: the shortlist keeps at most as many \
             as its limit. The others rank below them.",
            ranked.len(),
            result.feasible_count
        )
    });
    let excluded_note = (excluded.len() < result.excluded_count as usize).then(|| {
        format!(
            "{} of the {} excluded CDMOs are listed here: the shortlist saved at most as many \
             as its limit (near misses first), and the other {} were not recorded with it. \
             To list them, save a shortlist of programme {} with a larger limit (up to 100), \
             or page the programme's match (POST /v1/programs/{}/matches) with \
             excluded_cursor; both reflect the profiles as they are then.",
            excluded.len(),
            result.excluded_count,
            result.excluded_count as usize - excluded.len(),
            shortlist.program_id,
            shortlist.program_id
        )
    });
    let acceptability = result
        .rank_acceptability
        .as_ref()
        .map(|r| AcceptabilityBlock::of(r, &criteria));
    ReportData {
        title: shortlist.name.clone(),
        shortlist_id: shortlist.id.clone(),
        program_id: shortlist.program_id.clone(),
        program_version: shortlist.program_version,
        program_name: shortlist.program.name.clone(),
        sponsor: people.sponsor.clone(),
        generated_by: people.generated_by.clone(),
        created_at: shortlist.created_at,
        created: timestamp(shortlist.created_at),
        requirements: requirement_lines(&shortlist.program),
        methodology: methodology(&criteria, penalty, result.near_miss_rule.as_ref()),
        criteria,
        ranked,
        ranked_note,
        excluded,
        excluded_note,
        feasible_count: result.feasible_count,
        excluded_count: result.excluded_count,
        robustness,
        decision: None,
        quotes: Vec::new(),
        quotes_withheld: false,
        acceptability,
    }
}

fn excluded_row(e: &Exclusion) -> ExcludedRow {
    ExcludedRow {
        name: e.name.clone(),
        profile_id: e.profile_id.clone(),
        revision: e.revision,
        near_miss: e.near_miss,
        reasons: e
            .failed
            .iter()
            .map(|f| {
                let gap = f.gap.as_ref().map_or_else(String::new, |g| {
                    format!(" (short by {})", gap_text(g.amount, g.unit))
                });
                format!(
                    "{}: required {}; actual {}{gap}",
                    constraint_label(f.code),
                    humanise(&f.required),
                    humanise(&f.actual)
                )
            })
            .collect(),
    }
}

/// How the ranking was made, as the matching engine does it (see
/// `domain::matching`): filter, then a weighted sum on fixed scales.
fn methodology(
    criteria: &[CriterionRow],
    penalty: f64,
    near_miss: Option<&cdmx_sdk::types::NearMissRule>,
) -> Vec<String> {
    let mut out = vec![
        "Filter, then rank. Every listed CDMO profile was checked against each hard \
         constraint of the requirement set; a CDMO failing any one is excluded, and every \
         constraint it fails is reported with what was required and what its profile \
         states. The CDMOs that pass every constraint are feasible and are ranked by a \
         weighted sum."
            .to_owned(),
        "Weighted sum on fixed scales. Each criterion's raw value is placed on the \
         criterion's scale: the worst value scores 0, the best scores 1, linearly in \
         between, and values beyond either end are clamped. A criterion's contribution is \
         its weight x its normalised value x 100; a CDMO's total is the sum of its \
         contributions, from 0 to 100. Weights are the sponsor's, normalised to sum to 1. \
         Equal totals are ordered by profile id."
            .to_owned(),
        format!(
            "Missing data. When a profile does not disclose a criterion's value, the \
             criterion's policy applies: exclude (the CDMO is excluded and the report says \
             so), zero (the criterion counts 0, its worst; the default), or penalise (the \
             criterion counts 0 and the CDMO's whole total is multiplied by 1 - {} %). \
             Undisclosed facts are shown as \"{NOT_DISCLOSED}\", never as a number.",
            format_number(penalty, 2)
        ),
        "Why adding or removing a CDMO cannot reorder the others. The scales are fixed \
         in advance (the documented defaults, or the sponsor's own in this requirement \
         set) and never derived from the candidates; nothing is normalised by the set of \
         CDMOs. A CDMO's total depends only on its own profile and the requirements, so \
         another CDMO joining or leaving the catalogue cannot change it, nor the order of \
         any two others: it can only add or remove a row."
            .to_owned(),
        "Evidence. Each fact's status is that of its profile section: verified (backed \
         by current evidence a platform administrator verified), self-declared (stated by \
         the CDMO, without current verified evidence) or evidence expired. Capacity \
         criteria rest on the CDMO's published slots; evidence confidence on the evidence \
         records themselves."
            .to_owned(),
        "Reproducibility. The shortlist pins the requirement set and each profile \
         revision it scored (listed with their ids in this report); re-reading it later \
         gives the same ranking and the same report, whatever changed since, except the \
         quotes received on the programme, which are listed as stored when the report is \
         made."
            .to_owned(),
    ];
    if let Some(rule) = near_miss {
        out.push(format!("Near misses. {}", humanise(&rule.description)));
    }
    if !criteria.is_empty() {
        out.push(format!(
            "Criteria used: {}.",
            criteria
                .iter()
                .map(|c| format!(
                    "{} ({}; scale {}; weight {} %)",
                    c.label,
                    c.measures,
                    c.scale,
                    format_number(c.weight * 100.0, 1)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    out
}

/// The requirement set in words: the product, phase, markets, timeline, capacity need,
/// then every hard constraint the match applied (the product's included).
pub fn requirement_lines(program: &ProgramRequest) -> Vec<RequirementLine> {
    let mut out = Vec::new();
    let mut line = |label: &str, text: String, quantity: Option<(f64, &'static str)>| {
        out.push(RequirementLine {
            label: label.to_owned(),
            text,
            quantity,
        });
    };
    let product = &program.product;
    line(
        "Product",
        format!(
            "{}, {} donor cells, {}",
            label(product.modality.as_str()),
            label(product.donor_source.as_str()),
            if product.gene_modification.as_str() == "none" {
                "no gene modification".to_owned()
            } else {
                format!(
                    "{} gene modification",
                    label(product.gene_modification.as_str())
                )
            }
        ),
        None,
    );
    line("Target phase", label(program.target_phase.as_str()), None);
    if !program.target_markets.is_empty() {
        line("Target markets", program.target_markets.join(", "), None);
    }
    let timeline = &program.timeline;
    match (timeline.earliest_start, timeline.latest_start) {
        (Some(a), Some(b)) => line(
            "Timeline",
            format!("manufacturing to start between {a} and {b}"),
            None,
        ),
        (Some(a), None) => line(
            "Timeline",
            format!("manufacturing to start on or after {a}"),
            None,
        ),
        (None, Some(b)) => line("Timeline", format!("manufacturing to start by {b}"), None),
        (None, None) => {}
    }
    let set = effective_requirements(program);
    if let Some(need) = &set.capacity {
        line(
            "Capacity need",
            format!(
                "{} between {} and {}; {}",
                plural(
                    f64::from(need.slots),
                    &format!("free {} slot", label(need.slot_kind.as_str())),
                    &format!("free {} slots", label(need.slot_kind.as_str()))
                ),
                need.window_start,
                need.window_end,
                if need.required {
                    "required (a CDMO without them is excluded)"
                } else {
                    "not required (it only ranks)"
                }
            ),
            Some((f64::from(need.slots), "slots")),
        );
    }
    let c = &set.constraints;
    let asked = &program.requirements.constraints;
    let from_product = |open: bool| if open { " (from the product)" } else { "" };
    let list = |values: Vec<&str>| values.into_iter().map(label).collect::<Vec<_>>().join(", ");
    if let Some(d) = c.donor_source {
        line(
            "Donor source",
            format!(
                "experience with {} donor cells{}",
                label(d.as_str()),
                from_product(asked.donor_source.is_none())
            ),
            None,
        );
    }
    if !c.modalities.is_empty() {
        line(
            "Modality",
            format!(
                "any of {}{}",
                list(c.modalities.iter().map(|m| m.as_str()).collect()),
                from_product(asked.modalities.is_empty())
            ),
            None,
        );
    }
    if !c.gene_modification.is_empty() {
        line(
            "Gene modification",
            format!(
                "any of {}{}",
                list(c.gene_modification.iter().map(|m| m.as_str()).collect()),
                from_product(asked.gene_modification.is_empty())
            ),
            None,
        );
    }
    if !c.platforms.is_empty() {
        line(
            "Platform lock",
            format!(
                "operates any of {}",
                list(c.platforms.iter().map(|p| p.as_str()).collect())
            ),
            None,
        );
    }
    if let Some(t) = &c.phase_track_record {
        line(
            "Phase track record",
            format!(
                "at least {} in {} or later",
                plural(f64::from(t.min_programmes), "programme", "programmes"),
                label(t.phase.as_str())
            ),
            Some((f64::from(t.min_programmes), "programmes")),
        );
    }
    for l in &c.licences {
        let activities = if l.activities.is_empty() {
            "manufacturing".to_owned()
        } else {
            list(l.activities.iter().map(|a| a.as_str()).collect())
        };
        line(
            "Licence",
            format!(
                "{} {} (unexpired), covering the product, authorising {activities}",
                l.authority
                    .map_or("any authority's".to_owned(), |a| label(a.as_str())),
                l.kind.map_or("licence".to_owned(), |k| label(k.as_str())),
            ),
            None,
        );
    }
    for a in &c.accepted_by {
        line(
            "Regulatory acceptance",
            format!(
                "{} accepted by {}",
                a.batches
                    .map_or("batches".to_owned(), |b| label(b.as_str())),
                label(a.authority.as_str())
            ),
            None,
        );
    }
    if let Some(grade) = c.min_cleanroom_grade {
        line(
            "Cleanroom",
            format!(
                "grade {} or better{}",
                grade.as_str().to_uppercase(),
                if c.closed_processing_accepted {
                    ", or closed processing in its place"
                } else {
                    ""
                }
            ),
            None,
        );
    }
    if c.closed_processing_required {
        line("Closed processing", "required at a site".to_owned(), None);
    }
    if let Some(t) = c.max_cryo_temp_c {
        line(
            "Cryogenic storage",
            format!("at or below {t} °C"),
            Some((f64::from(t), "°C")),
        );
    }
    if !c.countries_allowed.is_empty() {
        line(
            "Countries allowed",
            format!("a site in {}", c.countries_allowed.join(", ")),
            None,
        );
    }
    if !c.countries_excluded.is_empty() {
        line(
            "Countries excluded",
            format!("a site outside {}", c.countries_excluded.join(", ")),
            None,
        );
    }
    if !c.qc_assays_in_house.is_empty() {
        line(
            "QC assays in house",
            format!(
                "all of {}",
                list(c.qc_assays_in_house.iter().map(|a| a.as_str()).collect())
            ),
            Some((c.qc_assays_in_house.len() as f64, "assays")),
        );
    }
    if let Some(h) = c.max_shipping_lead_time_hours {
        line(
            "Shipping lead time",
            format!("at most {}", plural(f64::from(h), "hour", "hours")),
            Some((f64::from(h), "hours")),
        );
    }
    if !c.regions_served.is_empty() {
        line(
            "Regions served",
            format!(
                "ships to every one of {}",
                list(c.regions_served.iter().map(|r| r.as_str()).collect())
            ),
            None,
        );
    }
    if let Some(v) = c.min_bioreactor_volume_l {
        line(
            "Bioreactor volume",
            format!(
                "an allogeneic bioreactor of at least {} L",
                format_number(v, 1)
            ),
            Some((v, "L")),
        );
    }
    if c.verified_only {
        line(
            "Verified organisations only",
            "yes: the platform verified the CDMO organisation".to_owned(),
            None,
        );
    }
    for t in &set.near_miss_tolerances {
        line(
            "Near-miss tolerance",
            format!(
                "{}: a gap of at most {}",
                constraint_label(t.constraint),
                format_number(t.max_gap, 2)
            ),
            Some((t.max_gap, "")),
        );
    }
    out
}

/// A criterion's label and the unit of its raw value.
pub fn criterion_label(criterion: Criterion) -> (&'static str, &'static str) {
    match criterion {
        Criterion::TrackRecordDepth => ("Track record depth", "programmes"),
        Criterion::TechTransferTime => ("Tech-transfer time", "months"),
        Criterion::TechTransferCost => ("Tech-transfer cost", "USD"),
        Criterion::QcCoverage => ("QC coverage", "assays"),
        Criterion::SuccessRate => ("Batch success rate", "%"),
        Criterion::Turnaround => ("Turnaround", "days"),
        Criterion::Distance => ("Distance", "km"),
        Criterion::InspectionHistory => ("Inspection history", "score 0 to 1"),
        Criterion::EvidenceConfidence => ("Evidence confidence", "%"),
        Criterion::ScaleUp => ("Scale-up", "L"),
        Criterion::CapacityFit => ("Capacity fit", "%"),
        Criterion::EarliestStart => ("Earliest start", "days"),
        Criterion::PlatformMatch => ("Platform match", "yes/no"),
        _ => ("Unknown criterion", ""),
    }
}

fn criterion_measures(c: &cdmx_sdk::types::WeightedCriterion, program: &ProgramRequest) -> String {
    match c.criterion {
        Criterion::TrackRecordDepth => format!(
            "programmes manufactured in {} or a later phase",
            label(program.target_phase.as_str())
        ),
        Criterion::TechTransferTime => "upper tech-transfer duration, months".into(),
        Criterion::TechTransferCost => "midpoint of the tech-transfer cost range, USD".into(),
        Criterion::QcCoverage => format!("QC assays in house, of {}", QcAssay::ALL.len()),
        Criterion::SuccessRate => "batch success rate, percent".into(),
        Criterion::Turnaround => "median turnaround, days".into(),
        Criterion::Distance => "kilometres from the material's origin to the nearest site".into(),
        Criterion::InspectionHistory => {
            let by = if c.authorities.is_empty() {
                String::new()
            } else {
                format!(
                    ", of inspections by {} only",
                    c.authorities
                        .iter()
                        .map(|a| label(a.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "mean inspection outcome (no findings 1, minor 0.75, major 0.35, critical \
                 0.1, enforcement 0){by}"
            )
        }
        Criterion::EvidenceConfidence => {
            "share of profile sections backed by current verified evidence".into()
        }
        Criterion::ScaleUp => "largest allogeneic bioreactor working volume, litres".into(),
        Criterion::CapacityFit => "share of the capacity need free in its window".into(),
        Criterion::EarliestStart => "days from the window's start to the first free slot".into(),
        Criterion::PlatformMatch => format!(
            "whether the CDMO runs one of {}",
            c.platforms
                .iter()
                .map(|p| label(p.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "unknown".into(),
    }
}

/// A criterion's raw value with its unit: `96.1 %`, `USD 1,250,000`, `14 days`.
pub fn value_text(criterion: Criterion, value: f64) -> String {
    match criterion {
        Criterion::TrackRecordDepth => plural(value, "programme", "programmes"),
        Criterion::TechTransferTime => plural(value, "month", "months"),
        Criterion::TechTransferCost => format!("USD {}", format_number(value, 0)),
        Criterion::QcCoverage => format!(
            "{} of {} assays",
            format_number(value, 0),
            QcAssay::ALL.len()
        ),
        Criterion::SuccessRate => format!("{} %", format_number(value, 2)),
        Criterion::Turnaround | Criterion::EarliestStart => plural(value, "day", "days"),
        Criterion::Distance => format!("{} km", format_number(value, 0)),
        Criterion::InspectionHistory => format_number(value, 2),
        Criterion::EvidenceConfidence | Criterion::CapacityFit => {
            format!("{} %", format_number(value * 100.0, 0))
        }
        Criterion::ScaleUp => format!("{} L", format_number(value, 1)),
        Criterion::PlatformMatch => {
            if value >= 0.5 {
                "yes".into()
            } else {
                "no".into()
            }
        }
        _ => format_number(value, 4),
    }
}

/// What a report shows for a value the profile lacks, with the policy applied.
fn missing_value_text(criterion: Criterion, policy: Option<MissingDataPolicy>) -> String {
    let what = raw_value_text(criterion, None);
    match policy {
        Some(MissingDataPolicy::Penalise) => format!("{what} (counted 0, total penalised)"),
        Some(MissingDataPolicy::Zero) | None => format!("{what} (counted 0)"),
        Some(_) => what,
    }
}

fn missing_text(policy: MissingDataPolicy, penalty: f64) -> String {
    match policy {
        MissingDataPolicy::Exclude => "exclude the CDMO".into(),
        MissingDataPolicy::Penalise => format!(
            "count 0 and reduce the total by {} %",
            format_number(penalty, 2)
        ),
        _ => "count 0".into(),
    }
}

/// The evidence status of the fact a criterion measures, for one candidate.
fn evidence_status(criterion: Criterion, confidence: &[SectionConfidence]) -> String {
    match evidence_section(criterion) {
        Some(section) => confidence
            .iter()
            .find(|c| c.section == section)
            .map_or_else(
                || "not assessed".to_owned(),
                |c| confidence_label(c.confidence).to_owned(),
            ),
        None => match criterion {
            Criterion::EvidenceConfidence => "from evidence records".into(),
            _ => "published capacity".into(),
        },
    }
}

pub fn confidence_label(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::Verified => "verified",
        Confidence::SelfDeclared => "self-declared",
        Confidence::Expired => "evidence expired",
        _ => "unknown",
    }
}

/// A failed constraint's name in words.
pub fn constraint_label(code: ConstraintCode) -> &'static str {
    match code {
        ConstraintCode::DonorSource => "Donor source",
        ConstraintCode::Modality => "Modality",
        ConstraintCode::GeneModification => "Gene modification",
        ConstraintCode::Platform => "Platform lock",
        ConstraintCode::PhaseTrackRecord => "Phase track record",
        ConstraintCode::Licence => "Licence",
        ConstraintCode::RegulatoryAcceptance => "Regulatory acceptance",
        ConstraintCode::CleanroomGrade => "Cleanroom grade",
        ConstraintCode::ClosedProcessing => "Closed processing",
        ConstraintCode::CryoTemperature => "Cryogenic storage",
        ConstraintCode::CountryAllowed => "Countries allowed",
        ConstraintCode::CountryExcluded => "Countries excluded",
        ConstraintCode::QcAssays => "QC assays in house",
        ConstraintCode::ShippingTime => "Shipping lead time",
        ConstraintCode::RegionsServed => "Regions served",
        ConstraintCode::BioreactorVolume => "Bioreactor volume",
        ConstraintCode::VerifiedOrganization => "Verified organisation",
        ConstraintCode::Capacity => "Capacity",
        ConstraintCode::CriterionValue => "Criterion value",
        _ => "Constraint",
    }
}

fn gap_text(amount: f64, unit: GapUnit) -> String {
    match unit {
        GapUnit::Programmes => plural(amount, "programme", "programmes"),
        GapUnit::Celsius => format!("{} °C", format_number(amount, 1)),
        GapUnit::Hours => plural(amount, "hour", "hours"),
        GapUnit::Grades => plural(amount, "grade", "grades"),
        GapUnit::Assays => plural(amount, "assay", "assays"),
        GapUnit::Regions => plural(amount, "region", "regions"),
        GapUnit::Litres => format!("{} L", format_number(amount, 1)),
        GapUnit::Slots => plural(amount, "slot", "slots"),
        _ => format_number(amount, 2),
    }
}

/// `1 programme`, `3 programmes`, `2.5 months`.
fn plural(n: f64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        format_number(n, 2),
        if n == 1.0 { one } else { many }
    )
}

/// `value` with at most `max_decimals` decimals (trailing zeros dropped) and thousands
/// separators: `5,000,000`, `96.1`, `-150`; never `-0`.
pub fn format_number(value: f64, max_decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.max_decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::new();
    let zero = whole.chars().all(|c| c == '0') && fraction.is_none();
    if negative && !zero {
        out.push('-');
    }
    let len = whole.len();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal for machine-readable cells (CSV): fixed decimals, never `-0.0000`.
pub fn decimal(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text,
    }
}

/// A criterion's raw value in a machine-readable report cell: the number (at most 4
/// decimals, no trailing zeros), or, when the profile lacks it, "not disclosed" (for
/// `earliest_start`, which comes from published capacity: "no free slot").
pub fn raw_value_text(criterion: Criterion, raw: Option<f64>) -> String {
    match raw {
        Some(value) => {
            let text = decimal(value, 4);
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text.is_empty() {
                "0".into()
            } else {
                text.to_owned()
            }
        }
        None if criterion == Criterion::EarliestStart => "no free slot".into(),
        None => NOT_DISCLOSED.into(),
    }
}

/// Labels of wire names whose plain form (underscores as spaces) is not how a reader
/// writes them.
const LABELS: &[(&str, &str)] = &[
    ("phase_1", "Phase 1"),
    ("phase_1_2", "Phase 1/2"),
    ("phase_2", "Phase 2"),
    ("phase_3", "Phase 3"),
    ("car_t", "CAR-T"),
    ("tcr_t", "TCR-T"),
    ("til", "TIL"),
    ("nk", "NK"),
    ("treg", "Treg"),
    ("gamma_delta_t", "gamma-delta T"),
    ("gene_modified_hsc", "gene-modified HSC"),
    ("msc", "MSC"),
    ("ipsc_derived", "iPSC-derived"),
    ("t_cell_progenitors", "T-cell progenitors"),
    ("cell_derived_products", "cell-derived products"),
    ("non_human_cells", "non-human cells"),
    ("gamma_retroviral", "gamma-retroviral"),
    ("mrna_electroporation", "mRNA electroporation"),
    ("clinimacs_prodigy", "CliniMACS Prodigy"),
    ("lonza_cocoon", "Lonza Cocoon"),
    ("cellares_cell_shuttle", "Cellares Cell Shuttle"),
    ("g_rex", "G-Rex"),
    ("rocking_motion_bioreactor", "rocking-motion bioreactor"),
    ("stirred_tank_bioreactor", "stirred-tank bioreactor"),
    ("identity_flow", "identity (flow cytometry)"),
    ("replication_competent_virus", "replication-competent virus"),
    ("europe", "Europe"),
    ("north_america", "North America"),
    ("latin_america", "Latin America"),
    ("asia_pacific", "Asia-Pacific"),
    ("middle_east", "Middle East"),
    ("africa", "Africa"),
    ("fda", "FDA"),
    ("ema", "EMA"),
    ("eu_member_state", "EU member state"),
    ("mhra", "MHRA"),
    ("pmda", "PMDA"),
    ("health_canada", "Health Canada"),
    ("tga", "TGA"),
    ("nmpa", "NMPA"),
    ("roszdravnadzor", "Roszdravnadzor"),
    ("hsa", "HSA"),
    ("imp_licence", "IMP licence"),
    ("bla_approved_site", "BLA-approved site"),
    ("fact_jacie_accreditation", "FACT-JACIE accreditation"),
    ("clinical_gmp_batch", "clinical GMP batch"),
    ("qc_coverage", "QC coverage"),
    ("scale_up", "scale-up"),
    ("tech_transfer_time", "tech-transfer time"),
    ("tech_transfer_cost", "tech-transfer cost"),
];

/// A closed set's wire name as a reader writes it: `phase_2` is `Phase 2`, `car_t` is
/// `CAR-T`, `clinical_batches` is `clinical batches`.
pub fn label(wire: &str) -> String {
    LABELS
        .iter()
        .find(|(w, _)| *w == wire)
        .map_or_else(|| wire.replace('_', " "), |(_, l)| (*l).to_owned())
}

/// A sentence from the matching engine with its wire names as labels (`phase_2` as
/// `Phase 2`) and `-150 C` as `-150 °C`.
pub fn humanise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if token.is_empty() {
            return;
        }
        let known = LABELS.iter().any(|(w, _)| *w == token.as_str());
        let after_number =
            out.ends_with(' ') && out.trim_end().ends_with(|c: char| c.is_ascii_digit());
        if known || (token.contains('_') && token.chars().any(|c| c.is_ascii_lowercase())) {
            out.push_str(&label(token.as_str()));
        } else if token.as_str() == "C" && after_number {
            out.push_str("°C");
        } else {
            out.push_str(token.as_str());
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// A text cell made safe for spreadsheets: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be read as a formula, so it is prefixed with `'`.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// A hand-built report for the renderers' tests: two candidates (one with a name that
/// needs escaping, one undisclosed value), an excluded CDMO, a decision, and two quotes
/// (one submitted over two blocks; one declined, without tech-transfer figures, its CDMO
/// named and its reason written as formulas).
#[cfg(test)]
pub(crate) fn sample_report() -> ReportData {
    use chrono::TimeZone;
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
    let fact = |raw: Option<f64>, criterion: Criterion, contribution: f64| Fact {
        raw,
        text: raw.map_or_else(
            || missing_value_text(criterion, None),
            |v| value_text(criterion, v),
        ),
        normalised: contribution / 50.0,
        contribution,
        evidence: "verified".into(),
    };
    let criteria = [
        (Criterion::SuccessRate, 0.5, 85.0, 99.0),
        (Criterion::TechTransferCost, 0.5, 5_000_000.0, 300_000.0),
    ]
    .into_iter()
    .map(|(criterion, weight, worst, best)| CriterionRow {
        criterion,
        label: criterion_label(criterion).0,
        measures: "what it measures".into(),
        unit: criterion_label(criterion).1,
        weight,
        worst,
        best,
        scale: format!(
            "{} (worst) to {} (best)",
            value_text(criterion, worst),
            value_text(criterion, best)
        ),
        missing: MissingDataPolicy::Zero,
        missing_text: "count 0".into(),
    })
    .collect();
    ReportData {
        acceptability: None,
        title: "Board pack <Q1> & \"final\"".into(),
        shortlist_id: "shortlist-1".into(),
        program_id: "program-1".into(),
        program_version: 3,
        program_name: "CAR-T Phase I".into(),
        sponsor: "Acme Bio".into(),
        generated_by: "lead@acme.example".into(),
        created_at: at,
        created: timestamp(at),
        requirements: vec![RequirementLine {
            label: "Cryogenic storage".into(),
            text: "at or below -150 °C".into(),
            quantity: Some((-150.0, "°C")),
        }],
        criteria,
        methodology: vec!["Filter, then rank.".into()],
        ranked: vec![
            RankedRow {
                rank: 1,
                name: "Meerdaal University Cell Therapy Facility <script>".into(),
                profile_id: "profile-a".into(),
                revision: 4,
                countries: "BE".into(),
                total: 80.5,
                penalty_factor: 1.0,
                facts: vec![
                    fact(Some(96.1), Criterion::SuccessRate, 40.5),
                    fact(Some(1_250_000.0), Criterion::TechTransferCost, 40.0),
                ],
                evidence_confidence: 0.5,
                evidence_completeness: Some(1.0),
                verified: true,
            },
            RankedRow {
                rank: 2,
                name: "=Plain Cells".into(),
                profile_id: "profile-b".into(),
                revision: 1,
                countries: "DE".into(),
                total: 30.0,
                penalty_factor: 1.0,
                facts: vec![
                    fact(Some(90.0), Criterion::SuccessRate, 30.0),
                    fact(None, Criterion::TechTransferCost, 0.0),
                ],
                evidence_confidence: 0.0,
                evidence_completeness: None,
                verified: false,
            },
        ],
        ranked_note: None,
        excluded: vec![ExcludedRow {
            name: "Warm Cells".into(),
            profile_id: "profile-c".into(),
            revision: 2,
            near_miss: true,
            reasons: vec![
                "Cryogenic storage: required storage at or below -150 °C; actual storage \
                 down to -80 °C (short by 70 °C)"
                    .into(),
            ],
        }],
        excluded_note: None,
        feasible_count: 2,
        excluded_count: 1,
        robustness: Some("A leads B by 50.5 points.".into()),
        decision: Some(DecisionBlock {
            id: "decision-2".into(),
            outcome: DecisionOutcome::Award,
            selected: vec!["Meerdaal University Cell Therapy Facility <script>".into()],
            rationale: "Best success rate & lowest cost.".into(),
            decided_by: "cfo@acme.example".into(),
            decided_at: at,
            supersedes: Some("decision-1".into()),
        }),
        quotes: vec![
            QuoteRow {
                id: "quote-1".into(),
                cdmo: "Meerdaal University Cell Therapy Facility <script>".into(),
                price_per_batch: 180_000,
                currency: "EUR".into(),
                tech_transfer_cost: Some(400_000),
                tech_transfer_weeks: Some(20),
                slots: vec![
                    QuotedSlots {
                        capacity_id: "block-a".into(),
                        slots: 2,
                        slot_kind: "clinical GMP batch".into(),
                        period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                        period_end: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
                    },
                    QuotedSlots {
                        capacity_id: "block-b".into(),
                        slots: 1,
                        slot_kind: "clinical GMP batch".into(),
                        period_start: NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
                        period_end: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
                    },
                ],
                valid_until: Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap(),
                state: QuoteState::Submitted,
                decline_reason: None,
            },
            QuoteRow {
                id: "quote-2".into(),
                cdmo: "=Plain Cells".into(),
                price_per_batch: 95_000,
                currency: "USD".into(),
                tech_transfer_cost: None,
                tech_transfer_weeks: None,
                slots: vec![QuotedSlots {
                    capacity_id: "block-c".into(),
                    slots: 1,
                    slot_kind: "clinical GMP batch".into(),
                    period_start: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                    period_end: NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
                }],
                valid_until: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
                state: QuoteState::Declined,
                decline_reason: Some("=Too late for Q1 <sorry>".into()),
            },
        ],
        quotes_withheld: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
        assert_eq!(raw_value_text(Criterion::ScaleUp, Some(-0.0)), "0");
        assert_eq!(
            raw_value_text(Criterion::Distance, Some(431.123_456)),
            "431.1235"
        );
    }

    #[test]
    fn numbers_read_with_separators_units_and_no_negative_zero() {
        assert_eq!(format_number(5_000_000.0, 0), "5,000,000");
        assert_eq!(format_number(-150.0, 1), "-150");
        assert_eq!(format_number(-0.0001, 2), "0");
        assert_eq!(format_number(96.1, 2), "96.1");
        assert_eq!(format_number(999.5, 0), "1,000");
        assert_eq!(decimal(-0.00001, 4), "0.0000");
        assert_eq!(decimal(-1.5, 4), "-1.5000");
        assert_eq!(
            value_text(Criterion::TechTransferCost, 5_000_000.0),
            "USD 5,000,000"
        );
        assert_eq!(value_text(Criterion::SuccessRate, 96.1), "96.1 %");
        assert_eq!(value_text(Criterion::Turnaround, 14.0), "14 days");
        assert_eq!(value_text(Criterion::TrackRecordDepth, 1.0), "1 programme");
        assert_eq!(value_text(Criterion::EvidenceConfidence, 0.5), "50 %");
    }

    #[test]
    fn wire_names_read_as_labels() {
        assert_eq!(label("phase_2"), "Phase 2");
        assert_eq!(label("car_t"), "CAR-T");
        assert_eq!(label("clinical_batches"), "clinical batches");
        assert_eq!(
            humanise("at least 1 programme in phase_2 or later"),
            "at least 1 programme in Phase 2 or later"
        );
        assert_eq!(
            humanise("storage at or below -150 C"),
            "storage at or below -150 °C"
        );
        assert_eq!(humanise("any of car_t, nk"), "any of CAR-T, NK");
        assert_eq!(humanise("none"), "none");
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

    #[test]
    fn a_quote_reads_in_whole_currency_units_with_its_stored_state_and_blocks() {
        let data = sample_report();
        let [submitted, declined] = &data.quotes[..] else {
            panic!("two sample quotes")
        };
        assert_eq!(submitted.price_text(), "EUR 180,000");
        assert_eq!(submitted.tech_transfer_cost_text(), "EUR 400,000");
        assert_eq!(submitted.tech_transfer_weeks_text(), "20 weeks");
        assert_eq!(submitted.total_slots(), 3);
        assert_eq!(
            submitted.slots_text(),
            "2 clinical GMP batch slots from block block-a, 2027-01-01 to 2027-03-31; \
             1 clinical GMP batch slot from block block-b, 2027-04-01 to 2027-06-30"
        );
        assert_eq!(submitted.valid_until_text(), "2026-12-31 17:00 UTC");
        assert_eq!(submitted.state_text(), "submitted");
        assert!(
            !submitted
                .lines()
                .iter()
                .any(|(label, _)| *label == "Decline reason")
        );
        assert_eq!(declined.tech_transfer_cost_text(), "not stated");
        assert_eq!(declined.tech_transfer_weeks_text(), "not stated");
        assert!(
            declined
                .lines()
                .contains(&("Decline reason", "=Too late for Q1 <sorry>".to_owned()))
        );
        assert_eq!(declined.lines().last().unwrap().1, "quote-2");
        assert!(data.quotes_intro().starts_with("2 quotes received"));
        let none = ReportData {
            quotes: vec![],
            ..data
        };
        assert_eq!(
            none.quotes_intro(),
            "No quote has been received on this programme."
        );
    }

    #[test]
    fn a_decision_block_lists_its_fields_and_what_it_supersedes() {
        let block = DecisionBlock {
            id: "d2".into(),
            outcome: DecisionOutcome::Award,
            selected: vec!["Helix Cell Works".into(), "Nordic Cells".into()],
            rationale: "Best track record.".into(),
            decided_by: "lead@sponsor.example".into(),
            decided_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap(),
            supersedes: Some("d1".into()),
        };
        let lines = block.lines();
        assert_eq!(lines[0], ("Outcome", "Award".to_owned()));
        assert_eq!(
            lines[1],
            (
                "Selected CDMOs",
                "Helix Cell Works; Nordic Cells".to_owned()
            )
        );
        assert!(lines.contains(&("Decided at", "2026-11-02 09:30 UTC".to_owned())));
        assert!(lines.contains(&("Supersedes decision", "d1".to_owned())));
        let none = DecisionBlock {
            outcome: DecisionOutcome::NoAward,
            selected: vec![],
            supersedes: None,
            ..block
        };
        assert_eq!(none.lines()[1].1, "none");
        assert!(
            !none
                .lines()
                .iter()
                .any(|(k, _)| *k == "Supersedes decision")
        );
    }
}
