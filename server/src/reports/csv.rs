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
/// status.
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
}
