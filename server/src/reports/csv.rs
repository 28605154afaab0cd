//! The ranking and the excluded CDMOs as CSV (RFC 4180, UTF-8, CRLF): one table each,
//! for tools. Numbers are plain decimals (never `-0.0000`); text that a spreadsheet
//! would run as a formula is neutralised.

use super::ReportError;
use crate::domain::reports::{ReportData, decimal, neutralise, raw_value_text};

fn number(value: f64) -> String {
    decimal(value, 4)
}

/// The ranking: one row per candidate, criterion contributions in requirement order, then
/// the identifying columns, then each criterion's raw value (`not disclosed` when the
/// profile lacks it) in requirement order, the profile id, and each fact's evidence
/// status. A shortlist saved with rank acceptability has its rank-1 and top-3 shares
/// beside the total.
pub fn ranking_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![
        "rank".to_owned(),
        "name".into(),
        "countries".into(),
        "total".into(),
    ];
    if data.acceptability.is_some() {
        header.extend(["rank_1_acceptability".into(), "top_3_acceptability".into()]);
    }
    header.extend(
        data.criteria
            .iter()
            .map(|c| format!("contribution_{}", c.criterion.as_str())),
    );
    header.extend([
        "evidence_confidence".into(),
        "verified".into(),
        "profile_revision".into(),
    ]);
    header.extend(
        data.criteria
            .iter()
            .map(|c| format!("value_{}", c.criterion.as_str())),
    );
    header.push("profile_id".into());
    header.extend(
        data.criteria
            .iter()
            .map(|c| format!("evidence_{}", c.criterion.as_str())),
    );
    out.write_record(&header)?;
    for row in &data.ranked {
        let mut record = vec![
            row.rank.to_string(),
            neutralise(&row.name),
            neutralise(&row.countries),
            number(row.total),
        ];
        if let Some((rank_1, top_3)) = data.acceptability_of(&row.profile_id) {
            record.extend([number(rank_1), number(top_3)]);
        }
        record.extend(row.contributions().map(number));
        record.extend([
            number(row.evidence_confidence),
            row.verified.to_string(),
            row.revision.to_string(),
        ]);
        record.extend(
            data.criteria
                .iter()
                .zip(&row.facts)
                .map(|(c, f)| raw_value_text(c.criterion, f.raw)),
        );
        record.push(neutralise(&row.profile_id));
        record.extend(row.facts.iter().map(|f| f.evidence.clone()));
        out.write_record(&record)?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// Every excluded CDMO the shortlist recorded, with every constraint it failed, in
/// words. A table for tools has no room for a note: when the shortlist recorded fewer
/// than were excluded, the PDF, HTML and XLSX say how many and where the rest are.
pub fn excluded_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "name",
        "near_miss",
        "failed_constraints",
        "profile_revision",
        "profile_id",
    ])?;
    for row in &data.excluded {
        out.write_record([
            neutralise(&row.name),
            row.near_miss.to_string(),
            neutralise(&row.reasons.join("; ")),
            row.revision.to_string(),
            neutralise(&row.profile_id),
        ])?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// The quotes received on the shortlist's programme, oldest first: one row per quote,
/// amounts as whole numbers of `currency` (empty when not stated), the slots offered in
/// total and block by block in words, `valid_until` in RFC 3339, the stored state and
/// the decline reason. No quote: the header row only.
pub fn quotes_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "cdmo",
        "price_per_batch",
        "currency",
        "tech_transfer_cost",
        "tech_transfer_weeks",
        "slots_offered_total",
        "slots_offered",
        "valid_until",
        "state",
        "decline_reason",
        "quote_id",
    ])?;
    let optional = |n: Option<u64>| n.map_or_else(String::new, |n| n.to_string());
    for quote in &data.quotes {
        out.write_record([
            neutralise(&quote.cdmo),
            quote.price_per_batch.to_string(),
            neutralise(&quote.currency),
            optional(quote.tech_transfer_cost),
            optional(quote.tech_transfer_weeks.map(u64::from)),
            quote.total_slots().to_string(),
            neutralise(&quote.slots_text()),
            quote
                .valid_until
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            quote.state_text().to_owned(),
            neutralise(quote.decline_reason.as_deref().unwrap_or_default()),
            neutralise(&quote.id),
        ])?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::sample_report;

    #[test]
    fn no_negative_zero_and_formulas_are_neutralised() {
        let mut data = sample_report();
        data.ranked[1].facts[1].contribution = -0.0;
        data.ranked[1].total = -0.000_01;
        let text = String::from_utf8(ranking_csv(&data).unwrap()).unwrap();
        assert!(!text.contains("-0.0000"), "{text}");
        assert!(text.contains("'=Plain Cells"));
        assert!(text.contains("not disclosed"));
        let excluded = String::from_utf8(excluded_csv(&data).unwrap()).unwrap();
        assert!(excluded.contains("short by 70 °C"));
    }

    #[test]
    fn quotes_are_one_row_each_with_whole_amounts_and_neutralised_text() {
        let data = sample_report();
        let text = String::from_utf8(quotes_csv(&data).unwrap()).unwrap();
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(Into::into).collect();
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let cell = |row: usize, column: &str| {
            let at = header.iter().position(|h| h == column).unwrap();
            rows[row][at].to_owned()
        };
        assert_eq!(
            cell(0, "cdmo"),
            "Meerdaal University Cell Therapy Facility <script>"
        );
        assert_eq!(cell(0, "price_per_batch"), "180000");
        assert_eq!(cell(0, "currency"), "EUR");
        assert_eq!(cell(0, "tech_transfer_cost"), "400000");
        assert_eq!(cell(0, "tech_transfer_weeks"), "20");
        assert_eq!(cell(0, "slots_offered_total"), "3");
        assert!(cell(0, "slots_offered").contains("from block block-b, 2027-04-01 to 2027-06-30"));
        assert_eq!(cell(0, "valid_until"), "2026-12-31T17:00:00Z");
        assert_eq!(cell(0, "state"), "submitted");
        assert_eq!(cell(0, "decline_reason"), "");
        assert_eq!(cell(0, "quote_id"), "quote-1");
        assert_eq!(cell(1, "cdmo"), "'=Plain Cells");
        assert_eq!(cell(1, "tech_transfer_cost"), "");
        assert_eq!(cell(1, "state"), "declined");
        assert_eq!(cell(1, "decline_reason"), "'=Too late for Q1 <sorry>");
        let none = ReportData {
            quotes: vec![],
            ..data
        };
        assert_eq!(
            String::from_utf8(quotes_csv(&none).unwrap()).unwrap(),
            "cdmo,price_per_batch,currency,tech_transfer_cost,tech_transfer_weeks,\
             slots_offered_total,slots_offered,valid_until,state,decline_reason,quote_id\r\n"
        );
    }
}
