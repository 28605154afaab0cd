//! The sponsor flow: search CDMOs, try ad-hoc requirements, save a programme, match it,
//! keep the ranking as a shortlist and download it for procurement.
//!
//! Start a server with its demo data first (`cargo run --release -p cdmx-server`), then:
//!     CDMX_PASSWORD=<the demo password it printed> cargo run -p cdmx-sdk --example sponsor_flow
//! `CDMX_URL` points it at another server; `CDMX_EMAIL` signs in as another sponsor
//! (default `sponsor@demo.cdmx.example`). The reports are written to the temporary folder.
//!
//! The end-to-end tests run [`run`] against a live server, so this example cannot rot.

use cdmx_sdk::stream::TryStreamExt;
use cdmx_sdk::types::{
    CdmoSearch, CreateShortlistRequest, Criterion, DonorSource, GeneModificationMethod,
    HardConstraints, MatchRequest, Modality, Phase, Product, ProgramMatchRequest, ProgramRequest,
    ReportParams, RequirementSet, Timeline, WeightedCriterion,
};
use cdmx_sdk::{Client, Error, ReportFile, paginate};

/// What the flow found and made, for the caller to print or check.
#[derive(Debug)]
pub struct SponsorFlowOutcome {
    /// Names of the CDMOs with at least one phase I programme, across every page.
    pub searched: Vec<String>,
    /// How many CDMOs meet the ad-hoc requirements.
    pub feasible: u32,
    /// The saved programme.
    pub program_id: String,
    /// The ranked CDMO names of the programme's match.
    pub ranking: Vec<String>,
    /// The saved shortlist.
    pub shortlist_id: String,
    /// The shortlist as CSV (the ranking table).
    pub csv: ReportFile,
    /// The shortlist as a PDF for the procurement board.
    pub pdf: ReportFile,
}

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

/// Requirements of an autologous CAR-T programme: cryo storage at -150 °C or colder is a
/// must; success rate counts three times as much as turnaround.
fn requirements() -> RequirementSet {
    RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            max_cryo_temp_c: Some(-150),
            ..Default::default()
        },
        criteria: vec![
            criterion(Criterion::SuccessRate, 3.0),
            criterion(Criterion::Turnaround, 1.0),
        ],
        missing_data_penalty_percent: None,
        capacity: None,
        near_miss_tolerances: Vec::new(),
    }
}

/// The whole flow, for a signed-in sponsor.
pub async fn run(sponsor: &Client) -> Result<SponsorFlowOutcome, Error> {
    // 1. Search: every CDMO with phase I experience, page after page, as a stream.
    let pages = paginate(|cursor| {
        let sponsor = sponsor.clone();
        async move {
            let search = CdmoSearch {
                min_phase: Some(Phase::Phase1),
                limit: Some(20),
                cursor,
                ..Default::default()
            };
            sponsor.search_cdmos(&search).await
        }
    });
    let mut pages = std::pin::pin!(pages);
    let mut searched = Vec::new();
    while let Some(cdmo) = pages.try_next().await? {
        searched.push(cdmo.name);
    }
    println!("{} CDMOs with phase I experience", searched.len());

    // 2. Try the requirements before saving anything.
    let trial = sponsor
        .create_match(&MatchRequest {
            split_allocation: None,
            rank_acceptability: None,
            requirements: requirements(),
            target_phase: None,
            limit: Some(5),
            excluded_cursor: None,
        })
        .await?;
    println!(
        "{} CDMOs meet the requirements, {} do not",
        trial.feasible_count, trial.excluded_count
    );

    // 3. Save the programme and match it.
    let program = sponsor
        .create_program(&ProgramRequest {
            name: "CAR-T phase I".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Autologous,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase1,
            target_markets: vec!["FR".into(), "DE".into()],
            timeline: Timeline::default(),
            requirements: requirements(),
        })
        .await?;
    let matched = sponsor
        .match_program(
            &program.id,
            &ProgramMatchRequest {
                limit: Some(10),
                ..Default::default()
            },
        )
        .await?;
    let ranking: Vec<String> = matched.candidates.iter().map(|c| c.name.clone()).collect();
    for candidate in &matched.candidates {
        println!(
            "#{} {} ({:.1})",
            candidate.rank, candidate.name, candidate.total
        );
    }

    // 4. Keep this ranking: a shortlist never changes, whatever the CDMOs edit later.
    let shortlist = sponsor
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: program.id.clone(),
            name: Some("Board pack".into()),
            limit: Some(10),
        })
        .await?;

    // 5. Download it for procurement.
    let report = |format: &str| ReportParams {
        format: Some(format.into()),
        table: None,
    };
    let csv = sponsor
        .get_shortlist_report(&shortlist.id, &report("csv"))
        .await?;
    let pdf = sponsor
        .get_shortlist_report(&shortlist.id, &report("pdf"))
        .await?;

    Ok(SponsorFlowOutcome {
        searched,
        feasible: trial.feasible_count,
        program_id: program.id,
        ranking,
        shortlist_id: shortlist.id,
        csv,
        pdf,
    })
}

#[allow(dead_code)] // The end-to-end tests include this file and call `run` instead.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("CDMX_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let email = std::env::var("CDMX_EMAIL").unwrap_or_else(|_| "sponsor@demo.cdmx.example".into());
    let password = std::env::var("CDMX_PASSWORD")
        .map_err(|_| "set CDMX_PASSWORD to the sponsor's password (the demo password)")?;
    let sponsor = Client::builder(&base_url)
        .build()?
        .login(&email, &password)
        .await?;
    let outcome = run(&sponsor).await?;
    for file in [&outcome.csv, &outcome.pdf] {
        let name = file.filename.as_deref().unwrap_or("shortlist-report");
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, &file.bytes)?;
        println!("{} written ({} bytes)", path.display(), file.bytes.len());
    }
    Ok(())
}
