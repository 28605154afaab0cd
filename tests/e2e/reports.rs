//! Procurement reports, parsed back as a procurement team's tools would read them.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;

const INJECTION: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

fn criterion(criterion: Criterion, weight: f64) -> WeightedCriterion {
    WeightedCriterion {
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
        authorities: vec![],
        platforms: Vec::new(),
    }
}

/// A saved shortlist with three ranked CDMOs (one named as a formula, one with accents)
/// and one excluded.
pub(crate) async fn shortlist(app: &TestApp) -> (OrgFixture, Shortlist) {
    for (name, rate, cryo) in [
        ("Zürich Zelltherapie Ärzte", 98.0, -180),
        (INJECTION, 94.0, -190),
        ("Plain Cells", 90.0, -160),
        ("Warm Cells", 99.0, -80),
    ] {
        let org = app.sign_up(OrganizationKind::Cdmo, "CDMO").await;
        let mut p = base_profile(name);
        p.performance.success_rate_percent = Some(rate);
        p.cryo.min_storage_temp_c = Some(cryo);
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
            target_markets: vec![],
            timeline: Timeline::default(),
            requirements: RequirementSet {
                constraints: HardConstraints {
                    max_cryo_temp_c: Some(-150),
                    ..Default::default()
                },
                criteria: vec![
                    criterion(Criterion::SuccessRate, 3.0),
                    criterion(Criterion::QcCoverage, 1.0),
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
            program_id: program.id,
            name: Some("Board pack Q1".into()),
            limit: None,
        })
        .await
        .unwrap();
    (sponsor, saved)
}

fn report(format: &str) -> ReportParams {
    ReportParams {
        format: Some(format.into()),
        table: None,
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

    let mut reader = csv::Reader::from_reader(file.bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "rank",
            "name",
            "countries",
            "total",
            "contribution_success_rate",
            "contribution_qc_coverage",
            "evidence_confidence",
            "verified",
            "profile_revision",
            "value_success_rate",
            "value_qc_coverage"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), saved.result.candidates.len());
    for (row, candidate) in rows.iter().zip(&saved.result.candidates) {
        assert_eq!(row[0].parse::<u32>().unwrap(), candidate.rank);
        let total: f64 = row[3].parse().unwrap();
        assert!((total - candidate.total).abs() < 1e-4);
        let parts: f64 = row[4].parse::<f64>().unwrap() + row[5].parse::<f64>().unwrap();
        assert!(
            (parts - total).abs() < 1e-3,
            "contributions add up to the total"
        );
        assert_eq!(row[8].parse::<u32>().unwrap(), candidate.revision);
        // The raw values behind the contributions, as the match reported them.
        assert_eq!(row[9].parse::<f64>().ok(), candidate.criteria[0].raw);
        assert_eq!(row[10].parse::<f64>().ok(), candidate.criteria[1].raw);
    }
    let names: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(names[0], "Zürich Zelltherapie Ärzte", "UTF-8 survives");
    assert!(
        names.contains(&format!("'{INJECTION}").as_str()),
        "a formula-like name is neutralised: {names:?}"
    );
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
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][1]), ("Warm Cells", "true"));
    assert!(rows[0][2].starts_with(
        "max_cryo_temp_c: storage at or below -150 C (actual: storage down to -80 C)"
    ));

    // Reproducible: the same shortlist, the same bytes.
    let again = sponsor
        .admin
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap();
    assert_eq!(again.bytes, file.bytes);
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
        ["Ranking", "Breakdown", "Excluded", "Requirements", "Values"]
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
    }
    assert_eq!(
        ranking.get_value((1, 1)),
        Some(&Data::String("Zürich Zelltherapie Ärzte".into()))
    );
    let breakdown = book.worksheet_range("Breakdown").unwrap();
    assert_eq!(
        breakdown.get_value((0, 1)),
        Some(&Data::String("success_rate".into()))
    );
    let excluded = book.worksheet_range("Excluded").unwrap();
    assert_eq!(
        excluded.get_value((1, 0)),
        Some(&Data::String("Warm Cells".into()))
    );
    let requirements = book.worksheet_range("Requirements").unwrap();
    let cells: Vec<String> = requirements
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells.contains(&"max_cryo_temp_c".to_owned()) && cells.contains(&"success_rate".to_owned())
    );
    assert!(
        !cells
            .iter()
            .chain(
                ranking
                    .rows()
                    .flat_map(|r| r.iter().map(|c| c.to_string()))
                    .collect::<Vec<_>>()
                    .iter()
            )
            .any(|c| c.starts_with('='))
    );

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
    let sheet = xml("xl/worksheets/sheet1.xml");
    assert!(sheet.contains("state=\"frozen\""), "frozen header");
    assert!(sheet.contains("<autoFilter"), "autofilter");
    let chart = xml("xl/charts/chart1.xml");
    assert!(
        chart.contains("<c:barChart>") && chart.contains("stacked"),
        "a stacked bar chart"
    );
    assert!(chart.contains("Breakdown"), "fed from the breakdown sheet");

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
            .contains("csv, xlsx, pdf")
    );
    let err = rival
        .admin
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));

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
async fn the_pdf_names_every_cdmo_in_rank_order_with_scores() {
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

    let text = pdf_extract::extract_text_from_mem(&file.bytes).unwrap();
    for needle in [
        "procurement report",
        "Board pack Q1",
        "CAR-T Phase I",
        "Acme",
        "Hard constraints",
        "max_cryo_temp_c",
        "Robustness",
        "Appendix",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF text"
        );
    }
    // Every ranked CDMO, in order, with its total.
    let mut from = 0;
    for candidate in &saved.result.candidates {
        let name: String = candidate.name.chars().take(12).collect();
        let at = text[from..]
            .find(&name)
            .unwrap_or_else(|| panic!("{name:?} missing or out of order"));
        from += at + name.len();
        assert!(
            text.contains(&format!("{:.2}", candidate.total)),
            "total of {name}"
        );
    }
    assert!(
        text.contains("Near miss: Warm Cells"),
        "the excluded near miss is listed"
    );
    assert!(text.contains("Page 1 of"), "page numbers");
}
