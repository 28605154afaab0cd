//! RFIs and quotes: what a request must say, and what a CDMO is told about a programme.

use std::collections::HashSet;

use cdmx_sdk::types::{
    FieldError, NewQuote, NewRfi, ProgramRequest, RfiProgram, RfiTimeline, RfiVolumes,
};
use chrono::NaiveDateTime;

use super::input;

/// Most CDMOs one request asks.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest summary, message or reason.
pub const TEXT_MAX_CHARS: usize = 2000;
/// Longest assumptions.
pub const ASSUMPTIONS_MAX_CHARS: usize = 4000;
/// Most blocks a quote offers, and most attachments.
pub const MAX_OFFERS: usize = 20;
/// Largest price or cost, in whole units of the currency.
pub const MONEY_MAX: u64 = 1_000_000_000;
/// Longest tech transfer, weeks.
pub const TRANSFER_WEEKS_MAX: u32 = 520;
/// Most slots offered from one block.
pub const SLOTS_MAX: u32 = 10_000;

fn push(errors: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// Cleans an optional free text in place, reporting it under `field`.
fn clean_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &mut Option<String>,
    max_chars: usize,
) {
    if let Some(raw) = text {
        match input::parse_note(raw, max_chars) {
            Ok(clean) => *text = Some(clean).filter(|t| !t.is_empty()),
            Err(message) => push(errors, field, message),
        }
    }
}

/// Checks an RFI request (the recipients' existence is storage's to check) and cleans
/// its texts; every problem at once.
pub fn check_rfi(request: &mut NewRfi, now: NaiveDateTime) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let ids = &request.cdmo_organization_ids;
    if ids.is_empty() || ids.len() > MAX_RECIPIENTS {
        push(
            &mut errors,
            "cdmo_organization_ids",
            format!("give 1 to {MAX_RECIPIENTS} CDMO organisations"),
        );
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            push(
                &mut errors,
                format!("cdmo_organization_ids[{i}]"),
                "is named twice",
            );
        }
    }
    clean_text(&mut errors, "summary", &mut request.summary, TEXT_MAX_CHARS);
    clean_text(&mut errors, "message", &mut request.message, TEXT_MAX_CHARS);
    if request.disclose.summary && request.summary.is_none() {
        push(
            &mut errors,
            "summary",
            "is required when disclose.summary is true",
        );
    }
    let deadline = request.response_deadline.naive_utc();
    if deadline <= now {
        push(&mut errors, "response_deadline", "must be in the future");
    } else if deadline.date() > input::LATEST_DATE {
        push(&mut errors, "response_deadline", "must be before 2101");
    }
    errors
}

/// What the CDMO is told about `program`: the parts `request` discloses.
pub fn disclosed_program(request: &NewRfi, program: &ProgramRequest) -> RfiProgram {
    let disclose = request.disclose;
    let need = program.requirements.capacity.as_ref();
    RfiProgram {
        summary: request.summary.clone().filter(|_| disclose.summary),
        modality: disclose.modality.then_some(program.product.modality),
        phase: disclose.phase.then_some(program.target_phase),
        volumes: need.filter(|_| disclose.volumes).map(|need| RfiVolumes {
            slot_kind: need.slot_kind,
            slots: need.slots,
        }),
        timeline: disclose.timeline.then(|| RfiTimeline {
            start: program.timeline.clone(),
            window_start: need.map(|n| n.window_start),
            window_end: need.map(|n| n.window_end),
        }),
    }
}

/// Checks a quote's own fields (whether its blocks exist, are the CDMO's and have the
/// slots is storage's to check) and cleans its texts; every problem at once.
pub fn check_quote(quote: &mut NewQuote, now: NaiveDateTime) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if quote.price_per_batch > MONEY_MAX {
        push(
            &mut errors,
            "price_per_batch",
            format!("must be at most {MONEY_MAX}"),
        );
    }
    let currency = quote.currency.trim().to_owned();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        push(
            &mut errors,
            "currency",
            "must be an ISO 4217 code: three capital letters, e.g. EUR",
        );
    }
    quote.currency = currency;
    if quote.tech_transfer_cost.is_some_and(|c| c > MONEY_MAX) {
        push(
            &mut errors,
            "tech_transfer_cost",
            format!("must be at most {MONEY_MAX}"),
        );
    }
    if quote
        .tech_transfer_weeks
        .is_some_and(|w| w > TRANSFER_WEEKS_MAX)
    {
        push(
            &mut errors,
            "tech_transfer_weeks",
            format!("must be at most {TRANSFER_WEEKS_MAX}"),
        );
    }
    if quote.slots_offered.is_empty() || quote.slots_offered.len() > MAX_OFFERS {
        push(
            &mut errors,
            "slots_offered",
            format!("offer slots of 1 to {MAX_OFFERS} capacity blocks"),
        );
    }
    let mut seen = HashSet::new();
    for (i, offer) in quote.slots_offered.iter().enumerate() {
        if !(1..=SLOTS_MAX).contains(&offer.slots) {
            push(
                &mut errors,
                format!("slots_offered[{i}].slots"),
                format!("must be between 1 and {SLOTS_MAX}"),
            );
        }
        if !seen.insert(&offer.capacity_id) {
            push(
                &mut errors,
                format!("slots_offered[{i}].capacity_id"),
                "is offered twice",
            );
        }
    }
    if quote.valid_until.naive_utc() <= now {
        push(&mut errors, "valid_until", "must be in the future");
    }
    clean_text(
        &mut errors,
        "assumptions",
        &mut quote.assumptions,
        ASSUMPTIONS_MAX_CHARS,
    );
    if quote.attachments.len() > MAX_OFFERS {
        push(
            &mut errors,
            "attachments",
            format!("at most {MAX_OFFERS} attachments"),
        );
    }
    for (i, attachment) in quote.attachments.iter_mut().enumerate() {
        match input::parse_name(&attachment.name, 200) {
            Ok(name) => attachment.name = name,
            Err(message) => push(&mut errors, format!("attachments[{i}].name"), message),
        }
        let uri = attachment.uri.trim();
        let scheme_ok = uri.starts_with("https://") || uri.starts_with("http://");
        if !scheme_ok
            || uri.len() > 2000
            || uri.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            push(
                &mut errors,
                format!("attachments[{i}].uri"),
                "must be an http(s) URL of up to 2,000 characters",
            );
        }
        attachment.uri = uri.to_owned();
    }
    errors
}

/// Checks a decline reason and cleans it.
pub fn check_reason(raw: &str) -> Result<String, FieldError> {
    match input::parse_note(raw, TEXT_MAX_CHARS) {
        Ok(reason) if !reason.is_empty() => Ok(reason),
        Ok(_) => Err(FieldError {
            field: "reason".into(),
            message: "is required".into(),
        }),
        Err(message) => Err(FieldError {
            field: "reason".into(),
            message,
        }),
    }
}
