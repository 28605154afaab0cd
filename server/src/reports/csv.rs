//! The ranking and the excluded CDMOs as CSV (RFC 4180, UTF-8, CRLF).

use super::ReportError;
use crate::domain::reports::{ReportData, neutralise};

fn number(value: f64) -> String {
    format!("{value:.4}")
}

/// The ranking: one row per candidate, criterion contributions in requirement order, then
/// the identifying columns, then each criterion's raw value (`not disclosed` when the
/// profile lacks it) in requirement order.
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
            .map(|c| format!("contribution_{}", c.as_str())),
    );
    header.extend([
        "evidence_confidence".into(),
        "verified".into(),
        "profile_revision".into(),
    ]);
    header.extend(
        data.criteria
            .iter()
            .map(|c| format!("value_{}", c.as_str())),
    );
    out.write_record(&header)?;
    for row in &data.ranked {
        let mut record = vec![
            row.rank.to_string(),
            neutralise(&row.name),
            neutralise(&row.countries),
            number(row.total),
        ];
        record.extend(row.contributions.iter().map(|c| number(*c)));
        record.extend([
            number(row.evidence_confidence),
            row.verified.to_string(),
            row.revision.to_string(),
        ]);
        record.extend(row.values.iter().cloned());
        out.write_record(&record)?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// The excluded CDMOs with every constraint they failed.
pub fn excluded_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "name",
        "near_miss",
        "failed_constraints",
        "profile_revision",
    ])?;
    for row in &data.excluded {
        out.write_record([
            neutralise(&row.name),
            row.near_miss.to_string(),
            neutralise(&row.failed),
            row.revision.to_string(),
        ])?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}
