//! The workbook: ranking, breakdown with a chart, excluded CDMOs, requirements.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Chart, ChartType, DocProperties, Format, Workbook};

use super::ReportError;
use crate::domain::reports::{ReportData, neutralise};

/// A workbook: ranking, per-criterion breakdown with a stacked bar chart, excluded
/// CDMOs, the requirement set, and each criterion's raw value (a number, or the text
/// `not disclosed` when the profile lacks it).
pub fn xlsx(data: &ReportData, created_at: DateTime<Utc>) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&data.title)
            .set_creation_datetime(&created_at),
    );
    let bold = Format::new().set_bold();
    let points = Format::new().set_num_format("0.00");
    let share = Format::new().set_num_format("0%");

    let last = data.ranked.len() as u32;
    let ranking = workbook.add_worksheet();
    ranking.set_name("Ranking")?;
    for (col, title) in [
        "Rank",
        "CDMO",
        "Countries",
        "Total (0-100)",
        "Evidence confidence",
        "Verified",
        "Profile revision",
    ]
    .iter()
    .enumerate()
    {
        ranking.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        ranking.write_number(r, 0, row.rank)?;
        ranking.write_string(r, 1, neutralise(&row.name))?;
        ranking.write_string(r, 2, neutralise(&row.countries))?;
        ranking.write_number_with_format(r, 3, row.total, &points)?;
        ranking.write_number_with_format(r, 4, row.evidence_confidence, &share)?;
        ranking.write_string(r, 5, if row.verified { "yes" } else { "no" })?;
        ranking.write_number(r, 6, row.revision)?;
    }
    ranking.set_column_width(1, 40)?;
    ranking.set_column_width(2, 14)?;
    ranking.set_freeze_panes(1, 0)?;
    ranking.autofilter(0, 0, last, 6)?;

    let breakdown = workbook.add_worksheet();
    breakdown.set_name("Breakdown")?;
    breakdown.write_string_with_format(0, 0, "CDMO", &bold)?;
    for (j, criterion) in data.criteria.iter().enumerate() {
        breakdown.write_string_with_format(0, j as u16 + 1, criterion.as_str(), &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        breakdown.write_string(r, 0, neutralise(&row.name))?;
        for (j, contribution) in row.contributions.iter().enumerate() {
            breakdown.write_number_with_format(r, j as u16 + 1, *contribution, &points)?;
        }
    }
    breakdown.set_column_width(0, 40)?;
    breakdown.set_freeze_panes(1, 1)?;
    if last > 0 {
        let mut chart = Chart::new(ChartType::BarStacked);
        for j in 0..data.criteria.len() as u16 {
            chart
                .add_series()
                .set_name(("Breakdown", 0, j + 1))
                .set_categories(("Breakdown", 1, 0, last, 0))
                .set_values(("Breakdown", 1, j + 1, last, j + 1));
        }
        chart
            .title()
            .set_name("Contributions to the total, by criterion");
        // Bar charts draw categories bottom-up: reverse so rank 1 is on top.
        chart.y_axis().set_reverse();
        chart.set_width(720).set_height(120 + 24 * last.min(40));
        breakdown.insert_chart(1, data.criteria.len() as u16 + 2, &chart)?;
    }

    let excluded = workbook.add_worksheet();
    excluded.set_name("Excluded")?;
    for (col, title) in [
        "CDMO",
        "Near miss",
        "Failed constraints",
        "Profile revision",
    ]
    .iter()
    .enumerate()
    {
        excluded.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.excluded.iter().enumerate() {
        let r = i as u32 + 1;
        excluded.write_string(r, 0, neutralise(&row.name))?;
        excluded.write_string(r, 1, if row.near_miss { "yes" } else { "no" })?;
        excluded.write_string(r, 2, neutralise(&row.failed))?;
        excluded.write_number(r, 3, row.revision)?;
    }
    excluded.set_column_width(0, 40)?;
    excluded.set_column_width(2, 90)?;
    excluded.set_freeze_panes(1, 0)?;
    excluded.autofilter(0, 0, data.excluded.len() as u32, 3)?;

    let requirements = workbook.add_worksheet();
    requirements.set_name("Requirements")?;
    requirements.write_string_with_format(0, 0, "Shortlist", &bold)?;
    requirements.write_string(0, 1, neutralise(&data.title))?;
    requirements.write_string_with_format(1, 0, "Feasible / excluded", &bold)?;
    requirements.write_string(
        1,
        1,
        format!("{} / {}", data.feasible_count, data.excluded_count),
    )?;
    requirements.write_string_with_format(3, 0, "Hard constraint", &bold)?;
    requirements.write_string_with_format(3, 1, "Required", &bold)?;
    let mut r = 4;
    for (name, value) in &data.constraints {
        requirements.write_string(r, 0, name.as_str())?;
        requirements.write_string(r, 1, neutralise(value))?;
        r += 1;
    }
    r += 1;
    for (col, title) in ["Criterion", "Weight", "Scale worst", "Scale best"]
        .iter()
        .enumerate()
    {
        requirements.write_string_with_format(r, col as u16, *title, &bold)?;
    }
    for w in &data.weights {
        r += 1;
        requirements.write_string(r, 0, w.criterion.as_str())?;
        requirements.write_number_with_format(r, 1, w.weight, &share)?;
        requirements.write_number(r, 2, w.worst)?;
        requirements.write_number(r, 3, w.best)?;
    }
    requirements.set_column_width(0, 32)?;
    requirements.set_column_width(1, 60)?;

    let values = workbook.add_worksheet();
    values.set_name("Values")?;
    values.write_string_with_format(0, 0, "CDMO", &bold)?;
    for (j, criterion) in data.criteria.iter().enumerate() {
        values.write_string_with_format(0, j as u16 + 1, criterion.as_str(), &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        values.write_string(r, 0, neutralise(&row.name))?;
        for (j, value) in row.values.iter().enumerate() {
            let col = j as u16 + 1;
            // Numbers stay numbers; "not disclosed" is text a filter can find.
            match value.parse::<f64>() {
                Ok(number) => values.write_number(r, col, number)?,
                Err(_) => values.write_string(r, col, value.as_str())?,
            };
        }
    }
    values.set_column_width(0, 40)?;
    values.set_freeze_panes(1, 1)?;
    Ok(workbook.save_to_buffer()?)
}
