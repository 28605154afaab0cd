//! Writes the sample procurement reports in `docs/samples/` from the demo data: the
//! allogeneic industrial-partner scenario, matched and saved as a shortlist with the
//! largest limit, so that it records every excluded CDMO, with a quote from the demo CDMO
//! on its programme.
//!
//!     cargo run -p cdmx-e2e --example report_samples
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cdmx_e2e::TestApp;
use cdmx_sdk::types::*;

#[tokio::main]
async fn main() {
    let app = TestApp::spawn().await;
    let password = "sample password 123";
    let hash =
        cdmx::auth::passwords::hash(&cdmx::domain::accounts::Password::parse(password).unwrap())
            .unwrap();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &hash).unwrap())
        .await
        .unwrap();
    let sponsor = app
        .client
        .login(cdmx::app::demo::DEMO_SPONSOR_EMAIL, password)
        .await
        .unwrap();
    let weighted = |criterion, weight| WeightedCriterion {
        weight_range: None,
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
        authorities: vec![],
        platforms: Vec::new(),
    };
    let program = sponsor
        .create_program(&ProgramRequest {
            name: "Allogeneic CD19 CAR-T: pivotal and commercial supply".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Allogeneic,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase3,
            target_markets: vec!["US".into(), "DE".into(), "FR".into(), "GB".into()],
            timeline: Timeline::default(),
            requirements: RequirementSet {
                weight_order: Vec::new(),
                constraints: HardConstraints {
                    phase_track_record: Some(PhaseTrackRecord {
                        phase: Phase::Phase2,
                        min_programmes: 1,
                    }),
                    max_cryo_temp_c: Some(-150),
                    ..Default::default()
                },
                criteria: vec![
                    weighted(Criterion::TrackRecordDepth, 0.3),
                    weighted(Criterion::ScaleUp, 0.2),
                    weighted(Criterion::SuccessRate, 0.15),
                    weighted(Criterion::InspectionHistory, 0.15),
                    weighted(Criterion::QcCoverage, 0.1),
                    weighted(Criterion::TechTransferTime, 0.1),
                ],
                missing_data_penalty_percent: None,
                capacity: None,
                near_miss_tolerances: Vec::new(),
            },
        })
        .await
        .unwrap();
    // The demo CDMO quotes on the programme, from the block its demo quote offers.
    let cdmo = app
        .client
        .login(cdmx::app::demo::DEMO_CDMO_EMAIL, password)
        .await
        .unwrap();
    let demo_quote = cdmo.get_quote(cdmx::app::demo::DEMO_QUOTE).await.unwrap();
    let sent = sponsor
        .create_rfi(&NewRfi {
            program_id: program.id.clone(),
            cdmo_organization_ids: vec![demo_quote.cdmo_organization_id.clone()],
            disclose: RfiDisclosure {
                modality: true,
                phase: true,
                ..Default::default()
            },
            summary: None,
            withhold_sponsor_name: false,
            response_deadline: chrono::Utc::now() + chrono::Duration::days(14),
            message: Some("Please quote pivotal batches with tech transfer.".into()),
        })
        .await
        .unwrap();
    cdmo.create_quote(
        &sent.rfis[0].id,
        &NewQuote {
            price_per_batch: 240_000,
            currency: "EUR".into(),
            tech_transfer_cost: Some(650_000),
            tech_transfer_weeks: Some(30),
            slots_offered: vec![SlotOffer {
                capacity_id: demo_quote.slots_offered[0].capacity_id.clone(),
                slots: 1,
            }],
            valid_until: chrono::Utc::now() + chrono::Duration::days(45),
            assumptions: Some("Sponsor supplies the lentiviral vector.".into()),
            attachments: Vec::new(),
        },
    )
    .await
    .unwrap();
    let shortlist = sponsor
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: program.id,
            name: Some("Industrial partner: first round".into()),
            limit: Some(100),
        })
        .await
        .unwrap();
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/samples");
    for (format, file) in [
        ("pdf", "shortlist-report.pdf"),
        ("xlsx", "shortlist-report.xlsx"),
        ("csv", "shortlist-ranking.csv"),
        ("html", "shortlist-report.html"),
    ] {
        let report = sponsor
            .get_shortlist_report(
                &shortlist.id,
                &ReportParams {
                    format: Some(format.into()),
                    table: None,
                },
            )
            .await
            .unwrap();
        std::fs::write(format!("{out}/{file}"), &report.bytes).unwrap();
        println!("wrote docs/samples/{file} ({} bytes)", report.bytes.len());
    }
}
