//! The CDMO flow: publish a capability profile, revise it safely with `If-Match`, attach
//! evidence, publish capacity, and confirm a sponsor's hold on it.
//!
//! Start a server first (`cargo run --release -p cdmx-server`), then:
//!     cargo run -p cdmx-sdk --example cdmo_flow
//! It signs up a fresh CDMO and a fresh sponsor (to place the hold), so it can be run
//! again. `CDMX_URL` points it at another server; with `CDMX_ADMIN_EMAIL` and
//! `CDMX_ADMIN_PASSWORD` (a platform admin, `cdmx admin create`) it also has the CDMO
//! and its evidence verified, as an operator would before the CDMO confirms bookings.
//!
//! The end-to-end tests run [`run`] against a live server, so this example cannot rot.

use cdmx_sdk::types::{
    CapabilityProfile, DonorSource, EvidenceKind, Modality, NewCapacityBlock, NewEvidence,
    NewReservation, NewUser, OrganizationKind, Reservation, ReservationFilter, ReservationState,
    SignUpRequest, SlotKind,
};
use cdmx_sdk::{Client, Error};

/// What the flow made, for the caller to print or check.
#[derive(Debug)]
pub struct CdmoFlowOutcome {
    /// The profile's id.
    pub profile_id: String,
    /// Its revision after the `If-Match` replacement.
    pub revision: u32,
    /// The evidence attached to the quality-control section.
    pub evidence_id: String,
    /// The published capacity block.
    pub block_id: String,
    /// The holds the CDMO confirmed.
    pub confirmed: Vec<Reservation>,
}

/// A complete capability profile for a CAR-T manufacturer in Lyon, in the wire format.
pub fn example_profile(name: &str) -> Result<CapabilityProfile, Error> {
    Ok(serde_json::from_value(serde_json::json!({
        "organization": {"name": name, "type": "commercial_cdmo", "years_in_operation": 10,
                         "website": "https://cdmo.example"},
        "sites": [{
            "key": "main", "name": "Main site", "country": "FR", "city": "Lyon",
            "latitude": 45.76, "longitude": 4.84,
            "cleanrooms": [{"grade": "b", "count": 4, "area_m2": 300.0}],
            "closed_processing": true, "isolators": false,
            "licences": [{"authority": "eu_member_state", "kind": "manufacturing_authorisation",
                          "scope": "ATMP manufacture",
                          "coverage": {"modalities": [], "donor_sources": [],
                                       "activities": ["manufacturing", "testing", "release"]},
                          "granted_on": "2020-01-15"}],
            "inspections": [{"authority": "eu_member_state", "date": "2024-05-01",
                             "outcome": "no_findings"}]
        }],
        "donor_sources": {"autologous": {"batches_per_year": 200}},
        "modalities": ["car_t"],
        "gene_modification": {"methods": ["lentiviral"], "vector_supply": ["partner"]},
        "phases": [{"phase": "phase_1", "programmes": 4, "gmp_batches": 40},
                   {"phase": "phase_3", "programmes": 1, "gmp_batches": 30}],
        "platforms": [{"platform": "clinimacs_prodigy", "units": 4, "parallel_batches": 4}],
        "automation": {"automated_wash_concentration": true, "automated_formulation": true,
                       "fill": "semi_automated", "controlled_rate_freezers": 2},
        "quality": {"qms": true, "gmp_warehouse": true, "validation_programme": true,
                    "calibration_programme": true},
        "qc": {"in_house_assays": ["mycoplasma", "endotoxin"], "release_turnaround_days": 7,
               "qp_release": true},
        "cryo": {"min_storage_temp_c": -180, "storage_positions": 1500,
                 "controlled_rate_freezing": true},
        "logistics": {"shipping_lead_time_hours": 24, "hubs": [], "regions_served": ["europe"],
                      "chain_of_custody": true},
        "performance": {"process_duration_days": 10, "median_turnaround_days": 16,
                        "success_rate_percent": 95.0},
        "tech_transfer": {"duration_months_min": 6, "duration_months_max": 12,
                          "cost_usd_min": 500000, "cost_usd_max": 1500000,
                          "engineering_runs": 2, "comparability_support": true,
                          "process_development_services": true},
        "soft_factors": {"languages": ["fr", "en"]}
    }))?)
}

/// Applies `edit` to the current profile and replaces it with `If-Match`. When someone
/// else changed the profile in between (412), reads it again and reapplies the edit:
/// a lost update is impossible, and no change is applied twice.
pub async fn edit_profile(
    cdmo: &Client,
    profile_id: &str,
    edit: impl Fn(&mut CapabilityProfile),
) -> Result<u32, Error> {
    loop {
        let current = cdmo.get_cdmo_profile(profile_id).await?;
        let mut profile = current.profile;
        edit(&mut profile);
        match cdmo
            .replace_cdmo_profile(profile_id, current.revision, &profile)
            .await
        {
            Ok(replaced) => return Ok(replaced.revision),
            Err(e) if e.status() == Some(412) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The whole flow. `cdmo` is an admin of a CDMO organisation without a profile yet,
/// `sponsor` a sponsor that places the hold, `operator` an optional platform admin that
/// verifies the CDMO and its evidence.
pub async fn run(
    cdmo: &Client,
    sponsor: &Client,
    operator: Option<&Client>,
    name: &str,
) -> Result<CdmoFlowOutcome, Error> {
    // 1. Publish the profile (revision 1).
    let created = cdmo.create_cdmo_profile(&example_profile(name)?).await?;
    println!("profile {} at revision {}", created.id, created.revision);

    // 2. Revise it: the replacement only applies to the revision it was made from.
    let revision = edit_profile(cdmo, &created.id, |p| {
        p.performance.success_rate_percent = Some(97.5);
    })
    .await?;
    println!("success rate updated: revision {revision}");

    // 3. Back the quality-control section with a certificate.
    let evidence = cdmo
        .add_cdmo_evidence(
            &created.id,
            &NewEvidence {
                subject: "/qc".into(),
                kind: EvidenceKind::Certificate,
                reference: "QC-CERT-2026-001".into(),
                url: Some("https://cdmo.example/certificates/qc-2026-001.pdf".into()),
                expires_on: None,
            },
        )
        .await?;
    println!("evidence {} is {:?}", evidence.id, evidence.status);

    // 4. An operator verifies the organisation and the evidence.
    if let Some(operator) = operator {
        operator
            .verify_organization(&created.organization_id)
            .await?;
        operator
            .verify_cdmo_evidence(&created.id, &evidence.id)
            .await?;
        println!("verified by the platform");
    }

    // 5. Publish two batch slots starting in two months.
    let start = chrono::Utc::now().date_naive() + chrono::Days::new(60);
    let block = cdmo
        .create_capacity_block(
            &created.id,
            &NewCapacityBlock {
                site_key: "main".into(),
                suite: "Suite 2".into(),
                slot_kind: SlotKind::ClinicalGmpBatch,
                donor_sources: vec![DonorSource::Autologous],
                modalities: vec![Modality::CarT],
                period_start: start,
                period_end: start + chrono::Days::new(90),
                slots: 2,
                lead_time_days: 30,
                price_band: None,
            },
        )
        .await?;
    println!("capacity block {}: {} free", block.id, block.free);

    // 6. A sponsor holds a slot. The key makes retries safe: one hold, however many tries.
    let key = format!("cdmo-flow-{}-{}", block.id, std::process::id());
    sponsor
        .create_reservation(
            &NewReservation {
                capacity_id: block.id.clone(),
                slots: 1,
                program_id: None,
                note: Some("Engineering run".into()),
                shared_summary: None,
            },
            &key,
        )
        .await?;

    // 7. The CDMO confirms every live hold on its block.
    let held = cdmo
        .list_reservations(&ReservationFilter {
            state: Some(ReservationState::Held),
            capacity_id: Some(block.id.clone()),
            ..Default::default()
        })
        .await?;
    let mut confirmed = Vec::new();
    for hold in held.items {
        let reservation = cdmo.confirm_reservation(&hold.id).await?;
        println!("confirmed {} ({} slot)", reservation.id, reservation.slots);
        confirmed.push(reservation);
    }

    Ok(CdmoFlowOutcome {
        profile_id: created.id,
        revision,
        evidence_id: evidence.id,
        block_id: block.id,
        confirmed,
    })
}

/// Signs up an organisation of `kind` with a unique admin email and signs it in.
#[allow(dead_code)] // Used by `main` only.
async fn sign_up(anonymous: &Client, kind: OrganizationKind, name: &str) -> Result<Client, Error> {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let email = format!("admin-{nonce}@{}.example", kind.as_str());
    let password = "a long and private passphrase";
    anonymous
        .create_organization(&SignUpRequest {
            name: name.into(),
            kind,
            admin: NewUser {
                email: email.clone(),
                password: password.into(),
            },
        })
        .await?;
    anonymous.login(&email, password).await
}

#[allow(dead_code)] // The end-to-end tests include this file and call `run` instead.
#[tokio::main]
async fn main() -> Result<(), Error> {
    let base_url = std::env::var("CDMX_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let anonymous = Client::builder(&base_url).build()?;
    let cdmo = sign_up(&anonymous, OrganizationKind::Cdmo, "Example Cells Lyon").await?;
    let sponsor = sign_up(
        &anonymous,
        OrganizationKind::Sponsor,
        "Example Therapeutics",
    )
    .await?;
    let operator = match (
        std::env::var("CDMX_ADMIN_EMAIL"),
        std::env::var("CDMX_ADMIN_PASSWORD"),
    ) {
        (Ok(email), Ok(password)) => Some(anonymous.login(&email, &password).await?),
        _ => None,
    };
    let outcome = run(&cdmo, &sponsor, operator.as_ref(), "Example Cells Lyon").await?;
    println!("{outcome:#?}");
    Ok(())
}
