//! Procurement reports, parsed back as a procurement team's tools would read them: every
//! format carries the same content (ids, revisions, the requirement set in words, the
//! methodology, raw values with units beside contributions, every excluded CDMO with its
//! reasons), nothing is cut mid-word, numbers stay numbers.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;

const INJECTION: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
/// Long names, which a report used to cut ("Meerdaal University Cell Therapy Facil...").
const LONG_RANKED: &str = "Meerdaal University Cell Therapy Facility <Leuven> & Partners";
const LONG_EXCLUDED: &str = "Antwerp Regional Hospital Advanced Therapy Manufacturing Unit";

fn criterion(criterion: Criterion, weight: f64) -> WeightedCriterion {
    WeightedCriterion {
        weight_range: None,
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
        authorities: vec![],
        platforms: Vec::new(),
    }
}

/// A saved shortlist with four ranked CDMOs (one named as a formula, one with accents,
/// one with a long name that needs escaping in HTML) and two excluded: a near miss
/// (cryo too warm) and one that does not disclose its cryo temperature.
async fn shortlist_with(app: &TestApp, limit: Option<u32>) -> (OrgFixture, Shortlist) {
    for (name, rate, cryo) in [
        ("Zürich Zelltherapie Ärzte", 98.0, Some(-180)),
        (INJECTION, 94.0, Some(-190)),
        (LONG_RANKED, 91.5, Some(-185)),
        ("Plain Cells", 90.0, Some(-160)),
        ("Warm Cells", 99.0, Some(-80)),
        (LONG_EXCLUDED, 97.0, None),
    ] {
        let org = app.sign_up(OrganizationKind::Cdmo, "CDMO").await;
        let mut p = base_profile(name);
        p.performance.success_rate_percent = Some(rate);
        p.cryo.min_storage_temp_c = cryo;
        org.admin.create_cdmo_profile(&p).await.unwrap();
    }
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let program = sponsor
        .admin
        .create_program(&ProgramRequest {
            name: "CAR-T Phase I".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Autologous,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase1,
            target_markets: vec!["US".into(), "DE".into()],
            timeline: Timeline::default(),
            requirements: RequirementSet {
                weight_order: Vec::new(),
                constraints: HardConstraints {
                    max_cryo_temp_c: Some(-150),
                    phase_track_record: Some(PhaseTrackRecord {
                        phase: Phase::Phase2,
                        min_programmes: 1,
                    }),
                    ..Default::default()
                },
                criteria: vec![
                    criterion(Criterion::SuccessRate, 3.0),
                    criterion(Criterion::QcCoverage, 1.0),
                    criterion(Criterion::TechTransferCost, 1.0),
                    criterion(Criterion::Turnaround, 1.0),
                ],
                missing_data_penalty_percent: None,
                capacity: None,
                near_miss_tolerances: Vec::new(),
            },
        })
        .await
        .unwrap();
    let saved = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: program.id,
            name: Some("Board pack Q1".into()),
            limit,
        })
        .await
        .unwrap();
    (sponsor, saved)
}

pub(crate) async fn shortlist(app: &TestApp) -> (OrgFixture, Shortlist) {
    shortlist_with(app, None).await
}

fn report(format: &str) -> ReportParams {
    ReportParams {
        format: Some(format.into()),
        table: None,
    }
}

/// Whitespace collapsed, as a reader (or a search) sees text wrapped over lines.
/// A shortlist's HTML report, as text.
async fn html_page(client: &cdmx_sdk::Client, shortlist_id: &str) -> String {
    let file = client
        .get_shortlist_report(shortlist_id, &report("html"))
        .await
        .unwrap();
    String::from_utf8(file.bytes).unwrap()
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What every format must say about `saved`, found in `text` (a format's text content,
/// whitespace collapsed): ids and revisions, labels for the requirement set, the
/// methodology, every ranked and excluded CDMO by its full name, and (where values are
/// text, not spreadsheet numbers with the unit in the header) raw values with units.
fn assert_content(format: &str, text: &str, saved: &Shortlist) {
    if format != "xlsx" {
        for needle in ["USD 1,000,000", "98 %", "16 days"] {
            assert!(
                text.contains(needle),
                "{format}: {needle:?} missing in {text}"
            );
        }
    }
    let mut needles: Vec<String> = vec![
        saved.id.clone(),
        saved.program_id.clone(),
        "CAR-T Phase I".into(),
        "Methodology".into(),
        "fixed".into(),
        "not disclosed".into(),
        "Phase 2".into(),
        "CAR-T".into(),
        "at or below -150 °C".into(),
        "Cryogenic storage".into(),
    ];
    for c in &saved.result.candidates {
        needles.push(c.name.clone());
        needles.push(c.profile_id.clone());
    }
    for e in &saved.result.excluded {
        needles.push(e.name.clone());
        needles.push(e.profile_id.clone());
    }
    for needle in needles {
        assert!(
            text.contains(&needle),
            "{format}: {needle:?} missing (or cut) in {text}"
        );
    }
    for internal in [
        "phase_2",
        "car_t",
        "programme(s)",
        "min_programmes",
        "…",
        "...",
    ] {
        assert!(
            !text.contains(internal),
            "{format}: internal key or cut {internal:?} in {text}"
        );
    }
}

#[tokio::test]
async fn the_csv_ranking_and_exclusions_parse_and_neutralise_formulas() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap();
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    let filename = file.filename.clone().unwrap();
    assert!(
        filename.ends_with("-board-pack-q1-ranking.csv"),
        "{filename}"
    );
    let text = String::from_utf8(file.bytes.clone()).unwrap();
    assert!(!text.contains("-0.0000"), "no negative zero");

    let mut reader = csv::Reader::from_reader(file.bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let criteria = [
        "success_rate",
        "qc_coverage",
        "tech_transfer_cost",
        "turnaround",
    ];
    let mut expected: Vec<String> = vec![
        "rank".into(),
        "name".into(),
        "countries".into(),
        "total".into(),
    ];
    expected.extend(criteria.iter().map(|c| format!("contribution_{c}")));
    expected.extend([
        "evidence_confidence".into(),
        "verified".into(),
        "profile_revision".into(),
    ]);
    expected.extend(criteria.iter().map(|c| format!("value_{c}")));
    expected.push("profile_id".into());
    expected.extend(criteria.iter().map(|c| format!("evidence_{c}")));
    assert_eq!(headers, expected);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), saved.result.candidates.len());
    assert_eq!(rows.len(), 4);
    for (row, candidate) in rows.iter().zip(&saved.result.candidates) {
        assert_eq!(row[0].parse::<u32>().unwrap(), candidate.rank);
        let total: f64 = row[3].parse().unwrap();
        assert!((total - candidate.total).abs() < 1e-4);
        let parts: f64 = (4..8).map(|i| row[i].parse::<f64>().unwrap()).sum();
        assert!(
            (parts - total).abs() < 1e-3,
            "contributions add up to the total"
        );
        assert_eq!(row[10].parse::<u32>().unwrap(), candidate.revision);
        // The raw values behind the contributions, as the match reported them.
        for (i, score) in candidate.criteria.iter().enumerate() {
            assert_eq!(row[11 + i].parse::<f64>().ok(), score.raw);
        }
        assert_eq!(&row[15], candidate.profile_id);
        assert_eq!(&row[16], "self-declared", "evidence status of each fact");
    }
    let names: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(names[0], "Zürich Zelltherapie Ärzte", "UTF-8 survives");
    assert!(
        names.contains(&format!("'{INJECTION}").as_str()),
        "a formula-like name is neutralised: {names:?}"
    );
    assert!(names.contains(&LONG_RANKED), "whole names: {names:?}");
    assert!(!names.iter().any(|n| n.starts_with('=')));

    let excluded = sponsor
        .admin
        .get_shortlist_report(
            &saved.id,
            &ReportParams {
                format: Some("csv".into()),
                table: Some("excluded".into()),
            },
        )
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(excluded.bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "every excluded CDMO");
    assert_eq!((&rows[0][0], &rows[0][1]), ("Warm Cells", "true"));
    assert_eq!(
        &rows[0][2],
        "Cryogenic storage: required storage at or below -150 °C; actual storage down to \
         -80 °C (short by 70 °C)"
    );
    assert_eq!(&rows[1][0], LONG_EXCLUDED);
    assert!(
        rows[1][2].contains("actual not disclosed"),
        "{}",
        &rows[1][2]
    );
    assert_eq!(&rows[1][4], saved.result.excluded[1].profile_id);

    // Reproducible: the same shortlist, the same bytes.
    let again = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap();
    assert_eq!(again.bytes, file.bytes);
}

/// Every cell of every sheet, as text.
fn workbook_text(book: &mut Xlsx<Cursor<Vec<u8>>>) -> String {
    let mut out = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                out.push_str(&cell.to_string());
                out.push(' ');
            }
        }
    }
    flat(&out)
}

#[tokio::test]
async fn the_xlsx_workbook_reads_back_with_numbers_sheets_and_a_chart() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("xlsx"))
        .await
        .unwrap();
    assert_eq!(
        file.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(file.filename.unwrap().ends_with(".xlsx"));

    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(file.bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Ranking",
            "Breakdown",
            "Values",
            "Excluded",
            "Quotes",
            "Requirements"
        ]
    );
    let ranking = book.worksheet_range("Ranking").unwrap();
    assert_eq!(
        ranking.get_value((0, 1)),
        Some(&Data::String("CDMO".into()))
    );
    for (i, candidate) in saved.result.candidates.iter().enumerate() {
        let row = i as u32 + 1;
        assert_eq!(
            ranking.get_value((row, 0)),
            Some(&Data::Float(f64::from(candidate.rank))),
            "ranks are numbers"
        );
        match ranking.get_value((row, 3)) {
            Some(Data::Float(total)) => assert!((total - candidate.total).abs() < 1e-9),
            other => panic!("total is not a number: {other:?}"),
        }
        assert_eq!(
            ranking.get_value((row, 7)),
            Some(&Data::String(candidate.profile_id.clone()))
        );
    }
    assert_eq!(
        ranking.get_value((1, 1)),
        Some(&Data::String("Zürich Zelltherapie Ärzte".into()))
    );
    let breakdown = book.worksheet_range("Breakdown").unwrap();
    assert_eq!(
        breakdown.get_value((0, 1)),
        Some(&Data::String("Batch success rate".into()))
    );
    let values = book.worksheet_range("Values").unwrap();
    assert_eq!(
        values.get_value((0, 1)),
        Some(&Data::String("Batch success rate (%)".into()))
    );
    assert_eq!(values.get_value((1, 1)), Some(&Data::Float(98.0)));
    assert_eq!(values.get_value((1, 3)), Some(&Data::Float(1_000_000.0)));
    let excluded = book.worksheet_range("Excluded").unwrap();
    assert_eq!(
        excluded.get_value((1, 0)),
        Some(&Data::String("Warm Cells".into()))
    );
    assert_eq!(
        excluded.get_value((2, 0)),
        Some(&Data::String(LONG_EXCLUDED.into()))
    );
    // Negative requirements are numbers, not `'-150`.
    let requirements = book.worksheet_range("Requirements").unwrap();
    let cryo = requirements
        .rows()
        .find(|r| r[0] == Data::String("Cryogenic storage".into()))
        .expect("the cryo requirement");
    assert_eq!(cryo[2], Data::Float(-150.0));
    assert_eq!(cryo[3], Data::String("°C".into()));
    let text = workbook_text(&mut book);
    assert_content("xlsx", &text, &saved);
    assert!(
        !text.contains("'-"),
        "no apostrophe before a number: {text}"
    );
    for sheet in ["Ranking", "Summary", "Excluded"] {
        let range = book.worksheet_range(sheet).unwrap();
        assert!(
            !range
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .any(|c| c.starts_with('=')),
            "{sheet}: a formula"
        );
    }

    // What calamine does not expose, read from the package itself.
    let mut zip = zip::ZipArchive::new(Cursor::new(file.bytes.clone())).unwrap();
    let mut xml = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = xml("xl/worksheets/sheet2.xml");
    assert!(sheet.contains("state=\"frozen\""), "frozen header");
    assert!(sheet.contains("<autoFilter"), "autofilter");
    let chart = xml("xl/charts/chart1.xml");
    assert!(
        chart.contains("<c:barChart>") && chart.contains("stacked"),
        "a stacked bar chart"
    );
    assert!(chart.contains("Breakdown"), "fed from the breakdown sheet");
    let core = xml("docProps/core.xml");
    assert!(core.contains(&saved.created_at.format("%Y-%m-%dT%H:%M").to_string()));

    let again = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("xlsx"))
        .await
        .unwrap();
    assert_eq!(
        again.bytes, file.bytes,
        "reproducible: no clock in the workbook"
    );
}

#[tokio::test]
async fn unknown_formats_are_406_and_other_sponsors_get_404() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let rival = app.sign_up(OrganizationKind::Sponsor, "Rival").await;
    let err = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("docx"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(406));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("csv, xlsx, pdf, html")
    );
    for format in ["csv", "html"] {
        let err = rival
            .admin
            .get_shortlist_report(&saved.id, &report(format))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404));
    }

    // Content negotiation through Accept.
    let http = reqwest::Client::new();
    let url = app.url(&format!("/v1/shortlists/{}/report", saved.id));
    let token = sponsor.token().await;
    let xlsx = http
        .get(&url)
        .bearer_auth(&token)
        .header(
            "Accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let pdf = http
        .get(&url)
        .bearer_auth(&token)
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    // What a browser sends.
    let page = http
        .get(&url)
        .bearer_auth(&token)
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let word = http
        .get(&url)
        .bearer_auth(&token)
        .header("Accept", "application/msword")
        .send()
        .await
        .unwrap();
    assert_eq!(word.status(), 406);
    assert_eq!(word.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_pdf_names_every_cdmo_whole_in_rank_order_with_values_and_metadata() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("pdf"))
        .await
        .unwrap();
    assert_eq!(file.content_type, "application/pdf");
    assert!(file.filename.unwrap().ends_with(".pdf"));
    assert!(file.bytes.starts_with(b"%PDF-"));
    assert!(
        file.bytes.windows(9).any(|w| w == b"/FontFile"),
        "the font is embedded"
    );

    let text = flat(&pdf_extract::extract_text_from_mem(&file.bytes).unwrap());
    assert_content("pdf", &text, &saved);
    for needle in [
        "procurement report",
        "Board pack Q1",
        "Acme",
        "Requirement set",
        "Weighted criteria",
        "Robustness",
        "Methodology",
        "cannot reorder",
        "Profiles used",
        "Excluded CDMOs",
        "short by 70 °C",
        "self-declared",
        "Page 1 of",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF text"
        );
    }
    // Every ranked CDMO, in order, with its total.
    let mut from = 0;
    for candidate in &saved.result.candidates {
        let at = text[from..]
            .find(&candidate.name)
            .unwrap_or_else(|| panic!("{:?} missing or out of order", candidate.name));
        from += at + candidate.name.len();
        assert!(
            text.contains(&format!("{:.2}", candidate.total)),
            "total of {}",
            candidate.name
        );
    }

    // Metadata: title, author, subject, and the shortlist's date (not 1970).
    let bytes = &file.bytes;
    let title = pdf_info(bytes, "Title").unwrap();
    assert!(title.contains("Board pack Q1"), "{title}");
    let author = pdf_info(bytes, "Author").unwrap();
    assert!(
        author.contains("@sponsor.example") && author.contains("Acme"),
        "{author}"
    );
    let subject = pdf_info(bytes, "Subject").unwrap();
    assert!(subject.contains(&saved.id), "{subject}");
    let created = pdf_info(bytes, "CreationDate").unwrap();
    assert!(
        created.starts_with(&saved.created_at.format("D:%Y%m%d%H%M").to_string()),
        "{created}"
    );

    let again = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("pdf"))
        .await
        .unwrap();
    assert_eq!(
        pdf_extract::extract_text_from_mem(&again.bytes).unwrap(),
        pdf_extract::extract_text_from_mem(&file.bytes).unwrap(),
        "the same text from the same shortlist"
    );
}

/// An entry of the PDF's document information dictionary: a literal string, or a hex
/// string in UTF-16BE with a byte order mark (how printpdf writes text entries).
fn pdf_info(bytes: &[u8], key: &str) -> Option<String> {
    let raw = String::from_utf8_lossy(bytes);
    let at = raw.find(&format!("/{key}"))? + key.len() + 1;
    let value = raw[at..].trim_start();
    if let Some(literal) = value.strip_prefix('(') {
        return Some(literal[..literal.find(')')?].to_owned());
    }
    let hex = &value.strip_prefix('<')?[..value.find('>')? - 1];
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[tokio::test]
async fn the_html_page_is_self_contained_escaped_and_complete() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("html"))
        .await
        .unwrap();
    assert_eq!(file.content_type, "text/html; charset=utf-8");
    assert!(file.filename.unwrap().ends_with("-board-pack-q1.html"));
    let page = String::from_utf8(file.bytes.clone()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>") && page.contains("<svg"));
    for external in ["src=", "href=", "<script", "<link", "@import", "url("] {
        assert!(!page.contains(external), "{external:?} in the page");
    }
    assert!(
        page.contains("Meerdaal University Cell Therapy Facility &lt;Leuven&gt; &amp; Partners"),
        "names are escaped"
    );
    assert!(!page.contains("<Leuven>"));

    // Its text, as a reader sees it: tags dropped, entities decoded.
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = flat(
        &text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    );
    assert_content("html", &text, &saved);
    assert!(text.contains(INJECTION), "a formula is only text here");

    // Served inline, with a policy that forbids loading anything.
    let http = reqwest::Client::new();
    let response = http
        .get(app.url(&format!("/v1/shortlists/{}/report?format=html", saved.id)))
        .bearer_auth(sponsor.token().await)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
}

#[tokio::test]
async fn a_shortlist_that_kept_fewer_exclusions_says_how_many_and_where_the_rest_are() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist_with(&app, Some(1)).await;
    assert_eq!(saved.result.excluded.len(), 1);
    assert_eq!(saved.result.excluded_count, 2);
    let page = html_page(&sponsor.admin, &saved.id).await;
    assert!(
        page.contains("1 of the 2 excluded CDMOs are listed here"),
        "never a silent cut"
    );
    assert!(page.contains("1 of the 4 feasible CDMOs are ranked here"));
    let pdf = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("pdf"))
        .await
        .unwrap();
    let text = flat(&pdf_extract::extract_text_from_mem(&pdf.bytes).unwrap());
    assert!(
        text.contains("1 of the 2 excluded CDMOs are listed here"),
        "{text}"
    );
    assert!(text.contains("excluded_cursor"));
}

/// A quote on `block_id` for 2 slots, valid for 30 days.
fn quote_of(price_per_batch: u64, currency: &str, block_id: &str) -> NewQuote {
    NewQuote {
        price_per_batch,
        currency: currency.into(),
        tech_transfer_cost: Some(400_000),
        tech_transfer_weeks: Some(20),
        slots_offered: vec![SlotOffer {
            capacity_id: block_id.into(),
            slots: 2,
        }],
        valid_until: chrono::Utc::now() + chrono::Duration::days(30),
        assumptions: None,
        attachments: Vec::new(),
    }
}

/// `sponsor` asks `cdmo` for a quote on `program_id`; the CDMO answers with `quote`.
async fn quoted(
    sponsor: &OrgFixture,
    program_id: &str,
    cdmo: &OrgFixture,
    quote: &NewQuote,
) -> Quote {
    let sent = sponsor
        .admin
        .create_rfi(&NewRfi {
            program_id: program_id.into(),
            cdmo_organization_ids: vec![cdmo.organization.id.clone()],
            disclose: RfiDisclosure::default(),
            summary: None,
            withhold_sponsor_name: false,
            response_deadline: chrono::Utc::now() + chrono::Duration::hours(1),
            message: None,
        })
        .await
        .unwrap();
    cdmo.admin
        .create_quote(&sent.rfis[0].id, quote)
        .await
        .unwrap()
}

fn quotes_table() -> ReportParams {
    ReportParams {
        format: Some("csv".into()),
        table: Some("quotes".into()),
    }
}

/// The quotes table of a report, as a tool reads it: a header and one map per row.
fn quote_rows(bytes: &[u8]) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

#[tokio::test]
async fn the_report_shows_the_quotes_received_on_the_programme_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let (helix, helix_profile) = crate::capacity::cdmo(&app, "Helix Cell Works").await;
    let block = helix
        .admin
        .create_capacity_block(&helix_profile.id, &crate::capacity::block(5))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let programme = sponsor
        .admin
        .create_program(&crate::matching::program("CAR-T Phase I"))
        .await
        .unwrap();
    let saved = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: programme.id.clone(),
            name: Some("Board pack Q1".into()),
            limit: None,
        })
        .await
        .unwrap();
    // Another sponsor's quote from the same CDMO, on its own programme.
    let rival = app.sign_up(OrganizationKind::Sponsor, "Rival").await;
    let rival_programme = rival
        .admin
        .create_program(&crate::matching::program("Rival programme"))
        .await
        .unwrap();
    let rival_quote = quoted(
        &rival,
        &rival_programme.id,
        &helix,
        &quote_of(777_777, "CHF", &block.id),
    )
    .await;

    // No quote yet: the header row only, and a sentence in the page.
    let empty = sponsor
        .admin
        .get_shortlist_report(&saved.id, &quotes_table())
        .await
        .unwrap();
    let (header, rows) = quote_rows(&empty.bytes);
    assert_eq!(
        header,
        [
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
        ]
    );
    assert!(rows.is_empty(), "{rows:?}");
    let page = html_page(&sponsor.admin, &saved.id).await;
    assert!(page.contains("No quote has been received on this programme."));

    let quote = quoted(
        &sponsor,
        &programme.id,
        &helix,
        &quote_of(180_000, "EUR", &block.id),
    )
    .await;
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &quotes_table())
        .await
        .unwrap();
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    let filename = file.filename.clone().unwrap();
    assert!(
        filename.ends_with("-board-pack-q1-quotes.csv"),
        "{filename}"
    );
    let (_, rows) = quote_rows(&file.bytes);
    assert_eq!(rows.len(), 1, "only Acme's quote: {rows:?}");
    let row = &rows[0];
    assert_eq!(row["cdmo"], "Helix Cell Works");
    assert_eq!(row["price_per_batch"], "180000");
    assert_eq!(row["currency"], "EUR");
    assert_eq!(row["tech_transfer_cost"], "400000");
    assert_eq!(row["tech_transfer_weeks"], "20");
    assert_eq!(row["slots_offered_total"], "2");
    assert!(
        row["slots_offered"].contains(&format!(
            "2 clinical GMP batch slots from block {}, 2027-01-01 to 2027-03-31",
            block.id
        )),
        "{}",
        row["slots_offered"]
    );
    assert_eq!(
        row["valid_until"],
        quote
            .valid_until
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(row["state"], "submitted");
    assert_eq!(row["decline_reason"], "");
    assert_eq!(row["quote_id"], quote.id);

    let page = html_page(&sponsor.admin, &saved.id).await;
    for needle in [
        "<h2>Quotes received</h2>",
        "Helix Cell Works",
        "EUR 180,000",
        "EUR 400,000",
        "20 weeks",
        "<td>submitted</td>",
        quote.id.as_str(),
        block.id.as_str(),
    ] {
        assert!(page.contains(needle), "{needle:?} missing from the page");
    }
    for theirs in ["CHF", "777,777", rival_quote.id.as_str()] {
        assert!(!page.contains(theirs), "another sponsor's quote: {theirs}");
    }
    let workbook = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("xlsx"))
        .await
        .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(workbook.bytes)).unwrap();
    let sheet = book.worksheet_range("Quotes").unwrap();
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&Data::String("Helix Cell Works".into()))
    );
    assert_eq!(sheet.get_value((1, 1)), Some(&Data::Float(180_000.0)));
    assert_eq!(sheet.get_value((1, 5)), Some(&Data::Float(2.0)));
    assert!(
        matches!(sheet.get_value((2, 0)), None | Some(Data::Empty)),
        "one quote: {sheet:?}"
    );

    // Whoever holds a share link to the report sees no quote: the CDMO quoted Acme.
    let link = sponsor
        .admin
        .create_share_link(
            &saved.id,
            &NewShareLink {
                label: None,
                expires_in_days: None,
            },
        )
        .await
        .unwrap();
    let token = crate::share_links::token_of(&link);
    let shared = String::from_utf8(
        app.client
            .get_shared_report(&token, &report("html"))
            .await
            .unwrap()
            .bytes,
    )
    .unwrap();
    assert!(shared.contains("Quotes are not included in a report opened through a share link"));
    for withheld in ["EUR 180,000", quote.id.as_str()] {
        assert!(
            !shared.contains(withheld),
            "{withheld} reached a link holder"
        );
    }
    let refused = app
        .client
        .get_shared_report(&token, &quotes_table())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    let fields: Vec<&str> = refused
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["table"]);

    // A decision on the quote is in the next report, with its reason.
    sponsor
        .admin
        .decline_quote(
            &quote.id,
            &DeclineRequest {
                reason: "Too late for Q1".into(),
            },
        )
        .await
        .unwrap();
    let file = sponsor
        .admin
        .get_shortlist_report(&saved.id, &quotes_table())
        .await
        .unwrap();
    let (_, rows) = quote_rows(&file.bytes);
    assert_eq!(rows[0]["state"], "declined");
    assert_eq!(rows[0]["decline_reason"], "Too late for Q1");

    // The rival's own report of its programme shows only its quote.
    let rival_saved = rival
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: rival_programme.id.clone(),
            name: None,
            limit: None,
        })
        .await
        .unwrap();
    let file = rival
        .admin
        .get_shortlist_report(&rival_saved.id, &quotes_table())
        .await
        .unwrap();
    let (_, rows) = quote_rows(&file.bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["quote_id"], rival_quote.id);
    assert_eq!(rows[0]["currency"], "CHF");
}

#[tokio::test]
async fn an_unknown_csv_table_is_400_naming_table() {
    let app = TestApp::spawn().await;
    let (sponsor, saved) = shortlist(&app).await;
    let err = sponsor
        .admin
        .get_shortlist_report(
            &saved.id,
            &ReportParams {
                format: Some("csv".into()),
                table: Some("bogus".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let problem = err.problem().unwrap();
    assert!(
        problem.errors.iter().any(|e| e.field == "table"),
        "{problem:?}"
    );
    assert!(
        problem
            .detail
            .as_deref()
            .unwrap()
            .contains("`ranking`, `excluded` or `quotes`"),
        "{problem:?}"
    );
}
