//! The workbook: a summary (identity, decision, notes, robustness, methodology), the
//! ranking, the per-criterion breakdown with a chart, the raw values with their
//! evidence, the excluded CDMOs with reasons, the quotes received on the programme, and
//! the requirement set.

use rust_xlsxwriter::{Chart, ChartType, DocProperties, Format, FormatAlign, Workbook, Worksheet};

use super::ReportError;
use crate::domain::reports::{ReportData, neutralise, raw_value_text};

/// A text cell, neutralised against formula injection; numbers go through
/// `write_number` and stay numbers, negative ones included.
fn text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &str,
    format: Option<&Format>,
) -> Result<(), ReportError> {
    let value = neutralise(value);
    match format {
        Some(f) => sheet.write_string_with_format(row, col, value, f)?,
        None => sheet.write_string(row, col, value)?,
    };
    Ok(())
}

/// The workbook. It depends on the shortlist (its date included) and the stored quotes
/// only, so the same shortlist and quotes give the same bytes.
pub fn xlsx(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("CDMO shortlist report: {}", data.title))
            .set_subject(format!(
                "Procurement report of shortlist {} for programme {} (version {})",
                data.shortlist_id, data.program_name, data.program_version
            ))
            .set_author(&data.generated_by)
            .set_company(&data.sponsor)
            .set_keywords("CDMO, shortlist, procurement")
            .set_creation_datetime(&data.created_at),
    );
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(13);
    let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let bold_top = Format::new().set_bold().set_align(FormatAlign::Top);
    let points = Format::new().set_num_format("0.00");
    let share = Format::new().set_num_format("0%");
    let share_1 = Format::new().set_num_format("0.0%");

    // Summary.
    let summary = workbook.add_worksheet();
    summary.set_name("Summary")?;
    summary.set_column_width(0, 24)?;
    summary.set_column_width(1, 110)?;
    text(
        summary,
        0,
        0,
        "CDMO shortlist: procurement report",
        Some(&heading),
    )?;
    let mut r = 2;
    for (label, value) in data.identity() {
        text(summary, r, 0, label, Some(&bold))?;
        if label == "Programme version" {
            summary.write_number(r, 1, data.program_version)?;
        } else {
            text(summary, r, 1, &value, None)?;
        }
        r += 1;
    }
    text(summary, r, 0, "Counts", Some(&bold))?;
    text(summary, r, 1, &data.counts(), None)?;
    r += 1;
    for note in data.ranked_note.iter().chain(&data.excluded_note) {
        text(summary, r, 0, "Note", Some(&bold_top))?;
        text(summary, r, 1, note, Some(&wrapped))?;
        r += 1;
    }
    if let Some(decision) = &data.decision {
        r += 1;
        text(summary, r, 0, "Decision", Some(&heading))?;
        r += 1;
        for (label, value) in decision.lines() {
            text(summary, r, 0, label, Some(&bold_top))?;
            text(summary, r, 1, &value, Some(&wrapped))?;
            r += 1;
        }
    }
    r += 1;
    text(summary, r, 0, "Robustness", Some(&bold_top))?;
    text(
        summary,
        r,
        1,
        data.robustness
            .as_deref()
            .unwrap_or("Fewer than two candidates: no comparison."),
        Some(&wrapped),
    )?;
    r += 2;
    text(summary, r, 0, "Methodology", Some(&heading))?;
    r += 1;
    for (i, paragraph) in data.methodology.iter().enumerate() {
        text(summary, r + i as u32, 1, paragraph, Some(&wrapped))?;
    }

    // Ranking.
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
        "Profile id",
    ]
    .iter()
    .enumerate()
    {
        ranking.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        ranking.write_number(r, 0, row.rank)?;
        text(ranking, r, 1, &row.name, None)?;
        text(ranking, r, 2, &row.countries, None)?;
        ranking.write_number_with_format(r, 3, row.total, &points)?;
        ranking.write_number_with_format(r, 4, row.evidence_confidence, &share)?;
        ranking.write_string(r, 5, if row.verified { "yes" } else { "no" })?;
        ranking.write_number(r, 6, row.revision)?;
        text(ranking, r, 7, &row.profile_id, None)?;
    }
    if let Some(note) = &data.ranked_note {
        text(ranking, last + 2, 1, note, None)?;
    }
    ranking.set_column_width(1, 44)?;
    ranking.set_column_width(2, 14)?;
    ranking.set_column_width(7, 38)?;
    ranking.set_freeze_panes(1, 0)?;
    ranking.autofilter(0, 0, last, 7)?;

    // Contributions, with a chart.
    let breakdown = workbook.add_worksheet();
    breakdown.set_name("Breakdown")?;
    breakdown.write_string_with_format(0, 0, "CDMO", &bold)?;
    for (j, criterion) in data.criteria.iter().enumerate() {
        breakdown.write_string_with_format(0, j as u16 + 1, criterion.label, &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        text(breakdown, r, 0, &row.name, None)?;
        for (j, contribution) in row.contributions().enumerate() {
            breakdown.write_number_with_format(r, j as u16 + 1, contribution, &points)?;
        }
    }
    breakdown.set_column_width(0, 44)?;
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

    // Raw values (numbers, or the text "not disclosed") and the evidence of each.
    let values = workbook.add_worksheet();
    values.set_name("Values")?;
    values.write_string_with_format(0, 0, "CDMO", &bold)?;
    let n = data.criteria.len() as u16;
    for (j, criterion) in data.criteria.iter().enumerate() {
        let j = j as u16;
        values.write_string_with_format(
            0,
            j + 1,
            format!("{} ({})", criterion.label, criterion.unit),
            &bold,
        )?;
        values.write_string_with_format(
            0,
            n + j + 1,
            format!("{}: evidence", criterion.label),
            &bold,
        )?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        text(values, r, 0, &row.name, None)?;
        for (j, (fact, c)) in row.facts.iter().zip(&data.criteria).enumerate() {
            let j = j as u16;
            let criterion = c.criterion;
            match fact.raw {
                Some(number) => values.write_number(r, j + 1, number)?,
                // The bare words, so that a filter finds every undisclosed value.
                None => values.write_string(r, j + 1, raw_value_text(criterion, None))?,
            };
            values.write_string(r, n + j + 1, fact.evidence.as_str())?;
        }
    }
    values.set_column_width(0, 44)?;
    values.set_freeze_panes(1, 1)?;

    // Every excluded CDMO the shortlist recorded.
    let excluded = workbook.add_worksheet();
    excluded.set_name("Excluded")?;
    for (col, title) in [
        "CDMO",
        "Near miss",
        "Failed constraints",
        "Profile revision",
        "Profile id",
    ]
    .iter()
    .enumerate()
    {
        excluded.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.excluded.iter().enumerate() {
        let r = i as u32 + 1;
        text(excluded, r, 0, &row.name, Some(&wrapped))?;
        excluded.write_string(r, 1, if row.near_miss { "yes" } else { "no" })?;
        text(excluded, r, 2, &row.reasons.join("\n"), Some(&wrapped))?;
        excluded.write_number(r, 3, row.revision)?;
        text(excluded, r, 4, &row.profile_id, None)?;
    }
    if let Some(note) = &data.excluded_note {
        text(excluded, data.excluded.len() as u32 + 2, 0, note, None)?;
    }
    excluded.set_column_width(0, 40)?;
    excluded.set_column_width(2, 100)?;
    excluded.set_column_width(4, 38)?;
    excluded.set_freeze_panes(1, 0)?;
    excluded.autofilter(0, 0, data.excluded.len() as u32, 4)?;

    // The quotes received on the programme: amounts, weeks and slots as numbers.
    let quotes = workbook.add_worksheet();
    quotes.set_name("Quotes")?;
    if data.quotes.is_empty() {
        text(quotes, 0, 0, &data.quotes_intro(), None)?;
    } else {
        for (col, title) in [
            "CDMO",
            "Price per batch",
            "Currency",
            "Tech-transfer cost",
            "Tech-transfer weeks",
            "Slots offered",
            "Slots offered, by block",
            "Valid until",
            "State",
            "Decline reason",
            "Quote id",
        ]
        .iter()
        .enumerate()
        {
            quotes.write_string_with_format(0, col as u16, *title, &bold)?;
        }
        let amount = Format::new().set_num_format("#,##0");
        for (i, q) in data.quotes.iter().enumerate() {
            let r = i as u32 + 1;
            text(quotes, r, 0, &q.cdmo, Some(&wrapped))?;
            quotes.write_number_with_format(r, 1, q.price_per_batch as f64, &amount)?;
            text(quotes, r, 2, &q.currency, None)?;
            if let Some(cost) = q.tech_transfer_cost {
                quotes.write_number_with_format(r, 3, cost as f64, &amount)?;
            }
            if let Some(weeks) = q.tech_transfer_weeks {
                quotes.write_number(r, 4, weeks)?;
            }
            quotes.write_number(r, 5, q.total_slots() as f64)?;
            let by_block: Vec<String> = q.slots.iter().map(|s| s.text()).collect();
            text(quotes, r, 6, &by_block.join("\n"), Some(&wrapped))?;
            text(quotes, r, 7, &q.valid_until_text(), None)?;
            quotes.write_string(r, 8, q.state_text())?;
            if let Some(reason) = &q.decline_reason {
                text(quotes, r, 9, reason, Some(&wrapped))?;
            }
            text(quotes, r, 10, &q.id, None)?;
        }
        let last = data.quotes.len() as u32;
        text(quotes, last + 2, 0, &data.quotes_intro(), None)?;
        quotes.set_column_width(0, 36)?;
        quotes.set_column_width(1, 15)?;
        quotes.set_column_width(3, 17)?;
        quotes.set_column_width(6, 70)?;
        quotes.set_column_width(7, 20)?;
        quotes.set_column_width(9, 40)?;
        quotes.set_column_width(10, 38)?;
        quotes.set_freeze_panes(1, 0)?;
        quotes.autofilter(0, 0, last, 10)?;
    }

    // Rank acceptability, when the shortlist was saved with it: shares as percentages.
    if let Some(block) = &data.acceptability {
        let sheet = workbook.add_worksheet();
        sheet.set_name("Acceptability")?;
        for (col, title) in [
            "CDMO",
            "Point rank",
            "Point score",
            "Rank-1 acceptability",
            "Top-3 acceptability",
            "Central weights",
            "Profile id",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(0, col as u16, *title, &bold)?;
        }
        let share = Format::new().set_num_format("0.0%");
        for (i, a) in block.rows.iter().enumerate() {
            let r = i as u32 + 1;
            text(sheet, r, 0, &a.name, Some(&wrapped))?;
            sheet.write_number(r, 1, a.point_rank)?;
            sheet.write_number(r, 2, a.point_total)?;
            sheet.write_number_with_format(r, 3, a.rank_1, &share)?;
            sheet.write_number_with_format(r, 4, a.top_3, &share)?;
            text(sheet, r, 5, &a.central_weights, Some(&wrapped))?;
            text(sheet, r, 6, &a.profile_id, None)?;
        }
        let last = block.rows.len() as u32;
        text(sheet, last + 2, 0, &block.intro, None)?;
        sheet.set_column_width(0, 36)?;
        sheet.set_column_width(3, 20)?;
        sheet.set_column_width(4, 20)?;
        sheet.set_column_width(5, 60)?;
        sheet.set_column_width(6, 38)?;
        sheet.set_freeze_panes(1, 0)?;
    }

    // The requirement set: numbers as numbers, with their units.
    let requirements = workbook.add_worksheet();
    requirements.set_name("Requirements")?;
    for (col, title) in ["Requirement", "Required", "Number", "Unit"]
        .iter()
        .enumerate()
    {
        requirements.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    let mut r = 1;
    for line in &data.requirements {
        text(requirements, r, 0, &line.label, None)?;
        text(requirements, r, 1, &line.text, Some(&wrapped))?;
        if let Some((number, unit)) = line.quantity {
            requirements.write_number(r, 2, number)?;
            text(requirements, r, 3, unit, None)?;
        }
        r += 1;
    }
    r += 1;
    for (col, title) in [
        "Criterion",
        "Measures",
        "Unit",
        "Weight",
        "Scale worst",
        "Scale best",
        "If not disclosed",
    ]
    .iter()
    .enumerate()
    {
        requirements.write_string_with_format(r, col as u16, *title, &bold)?;
    }
    for c in &data.criteria {
        r += 1;
        text(requirements, r, 0, c.label, None)?;
        text(requirements, r, 1, &c.measures, Some(&wrapped))?;
        text(requirements, r, 2, c.unit, None)?;
        requirements.write_number_with_format(r, 3, c.weight, &share_1)?;
        requirements.write_number(r, 4, c.worst)?;
        requirements.write_number(r, 5, c.best)?;
        text(requirements, r, 6, &c.missing_text, None)?;
    }
    requirements.set_column_width(0, 28)?;
    requirements.set_column_width(1, 70)?;
    requirements.set_column_width(6, 36)?;
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::domain::reports::sample_report;

    #[test]
    fn negative_requirements_are_numbers_and_the_decision_is_in_the_summary() {
        let bytes = xlsx(&sample_report()).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let requirements = book.worksheet_range("Requirements").unwrap();
        assert_eq!(requirements.get_value((1, 2)), Some(&Data::Float(-150.0)));
        let summary = book.worksheet_range("Summary").unwrap();
        let cells: Vec<String> = summary
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert!(cells.contains(&"Best success rate & lowest cost.".to_owned()));
        assert!(cells.contains(&"decision-1".to_owned()));
        assert!(!cells.iter().any(|c| c.starts_with('=')));
        let ranking = book.worksheet_range("Ranking").unwrap();
        assert_eq!(
            ranking.get_value((2, 1)),
            Some(&Data::String("'=Plain Cells".into()))
        );
    }

    #[test]
    fn quotes_have_numbers_as_numbers_or_a_sentence_when_there_are_none() {
        let mut data = sample_report();
        let bytes = xlsx(&data).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let quotes = book.worksheet_range("Quotes").unwrap();
        assert_eq!(
            quotes.get_value((0, 1)),
            Some(&Data::String("Price per batch".into()))
        );
        assert_eq!(quotes.get_value((1, 1)), Some(&Data::Float(180_000.0)));
        assert_eq!(quotes.get_value((1, 2)), Some(&Data::String("EUR".into())));
        assert_eq!(quotes.get_value((1, 3)), Some(&Data::Float(400_000.0)));
        assert_eq!(quotes.get_value((1, 4)), Some(&Data::Float(20.0)));
        assert_eq!(quotes.get_value((1, 5)), Some(&Data::Float(3.0)));
        assert_eq!(
            quotes.get_value((1, 8)),
            Some(&Data::String("submitted".into()))
        );
        assert_eq!(
            quotes.get_value((2, 0)),
            Some(&Data::String("'=Plain Cells".into()))
        );
        assert_eq!(
            quotes.get_value((2, 9)),
            Some(&Data::String("'=Too late for Q1 <sorry>".into()))
        );
        assert!(
            matches!(quotes.get_value((2, 3)), None | Some(Data::Empty)),
            "not stated: an empty cell"
        );
        data.quotes.clear();
        let bytes = xlsx(&data).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let quotes = book.worksheet_range("Quotes").unwrap();
        assert_eq!(
            quotes.get_value((0, 0)),
            Some(&Data::String(
                "No quote has been received on this programme.".into()
            ))
        );
        assert_eq!(quotes.get_size(), (1, 1), "no empty table");
    }
}
