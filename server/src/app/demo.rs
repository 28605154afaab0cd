//! Loading the demo data set and synthetic benchmark profiles into a database: the
//! use case behind `cdmx serve` on an empty database and the `cdmx demo` commands.
//!
//! The data is read and validated by `crate::demo` (the same domain validation as the
//! API); `write_demo_data` is the one place the demo writes, in one transaction under a
//! lock, through the same storage functions and row constructors as the other use cases.

use chrono::NaiveDate;

use super::matching::availability_for;
use super::today;
use crate::config::Settings;
use crate::db::accounts::{self, OrganizationRow, UserRow};
use crate::db::capacity::{self, BlockRow};
use crate::db::columns::IsoDate;
use crate::db::profiles::EvidenceRow;
use crate::db::profiles::{self, ProfileWrite};
use crate::db::programs::{self, ProgramRow, ShortlistRow};
use crate::db::reservations::{self, HoldLimits, NewHold};
use crate::db::{
    Database, DbConnection, StoreError, StoreResult, documents, new_id, now, transaction_lock,
    write_transaction,
};
use crate::demo::data::{DemoCapacityBlock, DemoCdmo, DemoData};
use crate::demo::synthetic::synthetic_profile;
use crate::domain::capacity::ValidBlock;
use crate::domain::matching::{CdmoFeatures, DEFAULT_LIMIT, ProfileIdentity, run_match};
use crate::domain::profiles::{ValidProfile, section_confidence, section_of};
use crate::domain::programs::ValidProgram;
use crate::domain::reservations::Transition;
use cdmx_sdk::types::{CapabilityProfile, OrganizationKind, Role};

/// Serialises demo loading when several processes start on one empty PostgreSQL.
const DEMO_LOCK_KEY: i64 = 0x0c0d_0e0f_6d79;

/// Who signs in to the demo (the data files give these logins their ids and organisations).
pub const DEMO_SPONSOR_EMAIL: &str = "sponsor@demo.cdmx.example";
pub const DEMO_CDMO_EMAIL: &str = "cdmo@demo.cdmx.example";

/// The demo sponsor's RFIs to the demo CDMO: two open (one to quote, one to decline) and
/// one the CDMO quoted, with its quote (`DEMO_QUOTE`); their deadlines and the quote's
/// validity count from the day of the load.
pub const DEMO_RFI_TO_QUOTE: &str = "01943a6e-2c00-7000-8000-00000000a101";
pub const DEMO_RFI_TO_DECLINE: &str = "01943a6e-2c00-7000-8000-00000000a102";
pub const DEMO_RFI_QUOTED: &str = "01943a6e-2c00-7000-8000-00000000a103";
pub const DEMO_QUOTE: &str = "01943a6e-2c00-7000-8000-00000000a201";

/// What a demo load created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLoaded {
    pub cdmos: usize,
    pub sponsors: usize,
}

fn invalid(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Task(format!("{what} is invalid: {error}"))
}

fn prepare(profile: CapabilityProfile) -> StoreResult<ValidProfile> {
    ValidProfile::parse(profile, today()).map_err(|violations| {
        let first = violations.into_iter().next();
        invalid("a demo or synthetic profile", format!("{first:?}"))
    })
}

fn organization(id: String, name: &str, kind: OrganizationKind, verified: bool) -> OrganizationRow {
    let at = now();
    OrganizationRow {
        id,
        name: name.to_owned(),
        kind,
        verified,
        verified_at: verified.then_some(at),
        verified_by: None,
        created_at: at,
    }
}

/// Inserts a CDMO organisation with its profile.
fn insert_cdmo(
    conn: &mut DbConnection,
    organization_id: String,
    profile_id: &str,
    verified: bool,
    profile: ValidProfile,
) -> StoreResult<()> {
    let name = profile.profile().organization.name.clone();
    let write = ProfileWrite::new(profile)?;
    let org = organization(organization_id, &name, OrganizationKind::Cdmo, verified);
    accounts::insert_organization(conn, &org)?;
    profiles::create_profile_with_id(conn, profile_id, &org.id, &write, "seed")?;
    Ok(())
}

/// Whether the database has no organisation yet (cheap; the load re-checks under lock).
pub fn database_is_empty(db: &Database) -> StoreResult<bool> {
    is_empty(&mut *db.blocking_connection()?)
}

fn is_empty(conn: &mut DbConnection) -> StoreResult<bool> {
    Ok(accounts::count_organizations(conn)? == 0)
}

/// Loads the demo data set if the database has no organisation at all; returns `None`
/// when it was not empty. Its fixed ids can therefore never meet another copy of it.
/// The demo logins (see the data files) use `password_hash`.
pub fn load_if_empty(db: &Database, password_hash: &str) -> StoreResult<Option<DemoLoaded>> {
    let data = DemoData::load(today()).map_err(|e| invalid("the demo data", e))?;
    let mut conn = db.blocking_connection()?;
    write_transaction(&mut conn, |c| {
        transaction_lock(c, DEMO_LOCK_KEY)?;
        if !is_empty(c)? {
            return Ok(None);
        }
        write_demo_data(c, &data, password_hash).map(Some)
    })
}

/// How long the demo hold lasts and what it may take: the defaults, as a fresh server has.
fn demo_hold_limits() -> HoldLimits {
    let defaults = Settings::default();
    HoldLimits {
        per_block: i64::from(defaults.max_held_slots_per_block),
        total: i64::from(defaults.max_held_slots_total),
        ttl: chrono::Duration::seconds(
            i64::try_from(defaults.hold_ttl_seconds).unwrap_or(i64::MAX),
        ),
    }
}

/// The match engine's view of the demo CDMOs as stored at load (revision 1, with the
/// evidence of `evidence.json`), in the profile index's order (name, then id).
pub fn demo_features(data: &DemoData, today: NaiveDate) -> Vec<CdmoFeatures> {
    let mut sorted: Vec<&DemoCdmo> = data.cdmos.iter().collect();
    sorted.sort_by_cached_key(|c| {
        (
            c.profile.organization.name.to_lowercase(),
            c.profile_id.clone(),
        )
    });
    sorted
        .into_iter()
        .filter_map(|c| {
            let profile = ValidProfile::parse(c.profile.clone(), today)
                .ok()?
                .into_profile();
            let evidence: Vec<_> = data
                .evidence
                .cdmos
                .iter()
                .filter(|e| e.profile_id == c.profile_id)
                .flat_map(|e| &e.evidence)
                .filter_map(|item| {
                    let new = item.new_evidence(today);
                    Some((section_of(&new.subject)?, true, new.expires_on))
                })
                .collect();
            Some(CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: c.profile_id.clone(),
                    organization_id: c.organization_id.clone(),
                    revision: 1,
                    verified: c.verified,
                },
                &profile,
                section_confidence(&evidence, today),
            ))
        })
        .collect()
}

/// The id of the `n`th demo evidence item (from 1, in file order): fixed, like every
/// demo id, so a second load could never add a copy.
fn evidence_id(n: usize) -> String {
    format!("01943a6e-2c00-7000-8000-0000000f{n:04x}")
}

/// The platform admin who verified the demo evidence, in its platform organisation.
/// Its password hash is no hash at all, so it never signs in.
fn insert_verifier(conn: &mut DbConnection, data: &DemoData) -> StoreResult<()> {
    let v = &data.evidence.verifier;
    let org = organization(
        v.organization_id.clone(),
        &v.organization_name,
        OrganizationKind::Platform,
        true,
    );
    accounts::insert_organization(conn, &org)?;
    let mut user = UserRow::new(
        &v.organization_id,
        &v.email,
        NO_PASSWORD.to_owned(),
        Role::Admin,
    );
    user.id = v.id.clone();
    accounts::insert_user(conn, &user)
}

/// A stored password "hash" that no password matches (`passwords::verify` refuses what
/// it cannot parse).
const NO_PASSWORD: &str = "!demo verifier: no sign-in";

/// The demo CDMOs' evidence, verified by the demo verifier `verified_days_ago` days ago.
fn insert_evidence(conn: &mut DbConnection, data: &DemoData, today: NaiveDate) -> StoreResult<()> {
    let verifier = &data.evidence.verifier.id;
    let midnight = today.and_time(chrono::NaiveTime::MIN);
    let mut n = 0;
    for entry in &data.evidence.cdmos {
        for item in &entry.evidence {
            n += 1;
            let new = item.new_evidence(today);
            let section = section_of(&new.subject)
                .ok_or_else(|| invalid("a demo evidence subject", &new.subject))?;
            // Mid-morning on the day it was verified; attached three days before.
            let verified_at = midnight - chrono::Duration::days(i64::from(item.verified_days_ago))
                + chrono::Duration::hours(10);
            profiles::insert_evidence(
                conn,
                &EvidenceRow {
                    id: evidence_id(n),
                    profile_id: entry.profile_id.clone(),
                    subject: new.subject,
                    section,
                    kind: new.kind,
                    reference: new.reference,
                    url: new.url,
                    expires_on: new.expires_on.map(IsoDate),
                    verified_by: Some(verifier.clone()),
                    verified_at: Some(verified_at),
                    verification_reset_at: None,
                    created_by: SEED_ACTOR.to_owned(),
                    created_at: verified_at - chrono::Duration::days(3),
                },
            )?;
        }
    }
    Ok(())
}

/// Who made what the demo made on nobody's behalf (profiles, evidence, other sponsors'
/// bookings): the demo loader itself.
const SEED_ACTOR: &str = "seed";

/// The capacity of `capacity.json`, and its bookings: holds placed and confirmed at once.
fn insert_capacity(conn: &mut DbConnection, data: &DemoData) -> StoreResult<()> {
    for b in &data.capacity.blocks {
        insert_block(conn, data, b)?;
    }
    // A booking is confirmed at once, so it is never counted against a hold limit.
    let limits = HoldLimits {
        per_block: i64::MAX,
        total: i64::MAX,
        ..demo_hold_limits()
    };
    for booking in &data.capacity.bookings {
        let hold = NewHold {
            block_id: booking.capacity_id.clone(),
            sponsor_organization_id: booking.sponsor_organization_id.clone(),
            program_id: None,
            slots: i32::try_from(booking.slots).unwrap_or(i32::MAX),
            note: booking.note.clone(),
            shared_summary: None,
            actor: SEED_ACTOR.to_owned(),
        };
        let at = now();
        reservations::place_hold_with_id(conn, &booking.id, &hold, limits, at)?;
        reservations::transition(conn, &booking.id, Transition::Confirm, SEED_ACTOR, at)?;
    }
    Ok(())
}

fn insert_block(
    conn: &mut DbConnection,
    data: &DemoData,
    b: &DemoCapacityBlock,
) -> StoreResult<()> {
    let cdmo = data
        .cdmo_by_profile(&b.profile_id)
        .ok_or(StoreError::NotFound)?;
    let valid = ValidBlock::parse(b.block.clone(), &cdmo.profile)
        .map_err(|v| invalid("a demo capacity block", format!("{v:?}")))?;
    let row = BlockRow::new(
        b.id.clone(),
        &b.profile_id,
        &cdmo.organization_id,
        &valid,
        now(),
    )?;
    capacity::insert_block(conn, &row)
}

/// Writes the demo data set in the caller's transaction: organisations, profiles and
/// logins, then what the logins have done (programmes, capacity, holds, shortlists), each
/// through the storage function the API uses for it.
fn write_demo_data(
    conn: &mut DbConnection,
    data: &DemoData,
    password_hash: &str,
) -> StoreResult<DemoLoaded> {
    let today = today();
    for cdmo in &data.cdmos {
        let profile = prepare(cdmo.profile.clone())?;
        insert_cdmo(
            conn,
            cdmo.organization_id.clone(),
            &cdmo.profile_id,
            cdmo.verified,
            profile,
        )?;
    }
    for sponsor in &data.sponsors {
        let org = organization(
            sponsor.organization_id.clone(),
            &sponsor.name,
            OrganizationKind::Sponsor,
            true,
        );
        accounts::insert_organization(conn, &org)?;
    }
    let w = &data.workspace;
    for login in &w.logins {
        let mut user = UserRow::new(
            &login.organization_id,
            &login.email,
            password_hash.to_owned(),
            Role::Admin,
        );
        user.id = login.id.clone();
        accounts::insert_user(conn, &user)?;
    }
    let mut valid_programs = Vec::new();
    for p in &w.programs {
        let valid = ValidProgram::parse(p.program.clone())
            .map_err(|v| invalid("a demo programme", format!("{v:?}")))?;
        let at = now();
        programs::insert_program(
            conn,
            &ProgramRow {
                id: p.id.clone(),
                organization_id: p.organization_id.clone(),
                name: valid.program.name.clone(),
                version: 1,
                document: documents::encode_program(&valid.program)?,
                created_at: at,
                updated_at: at,
                archived_at: None,
            },
        )?;
        valid_programs.push((p, valid));
    }
    for b in &w.capacity_blocks {
        insert_block(conn, data, b)?;
    }
    insert_verifier(conn, data)?;
    insert_evidence(conn, data, today)?;
    insert_capacity(conn, data)?;
    let limits = demo_hold_limits();
    for r in &w.reservations {
        let sponsor = w
            .logins
            .iter()
            .find(|l| l.id == r.placed_by)
            .ok_or(StoreError::NotFound)?;
        let hold = NewHold {
            block_id: r.request.capacity_id.clone(),
            sponsor_organization_id: sponsor.organization_id.clone(),
            program_id: r.request.program_id.clone(),
            slots: i32::try_from(r.request.slots).unwrap_or(i32::MAX),
            note: r.request.note.clone(),
            shared_summary: r.request.shared_summary.clone(),
            actor: r.placed_by.clone(),
        };
        reservations::place_hold_with_id(conn, &r.id, &hold, limits, now())?;
    }
    let features = demo_features(data, today);
    for s in &w.shortlists {
        let creator = w
            .logins
            .iter()
            .find(|l| l.id == s.created_by)
            .ok_or(StoreError::NotFound)?;
        let (program, valid) = valid_programs
            .iter()
            .find(|(p, _)| p.id == s.request.program_id)
            .ok_or(StoreError::NotFound)?;
        let limit = s.request.limit.map_or(DEFAULT_LIMIT, |n| n as usize);
        // Ranked as the API ranks it: with the capacity (and holds) written above.
        let availability = availability_for(conn, &valid.requirements, now())?;
        let result = run_match(&features, &valid.requirements, today, &availability, limit);
        programs::insert_shortlist(
            conn,
            &ShortlistRow {
                id: s.id.clone(),
                organization_id: creator.organization_id.clone(),
                program_id: program.id.clone(),
                program_version: 1,
                name: s
                    .request
                    .name
                    .clone()
                    .unwrap_or_else(|| valid.program.name.clone()),
                program: documents::encode_program(&valid.program)?,
                result: documents::encode_match_result(&result)?,
                created_by: s.created_by.clone(),
                created_at: now(),
                archived_at: None,
            },
        )?;
    }
    insert_rfis(conn, data, &valid_programs)?;
    Ok(DemoLoaded {
        cdmos: data.cdmos.len(),
        sponsors: data.sponsors.len(),
    })
}

/// The demo sponsor's RFIs about its programme to the demo CDMO, and the quote of one
/// of them, offering a slot of the CDMO's second Leiden block.
fn insert_rfis(
    conn: &mut DbConnection,
    data: &DemoData,
    programs: &[(&crate::demo::data::DemoProgram, ValidProgram)],
) -> StoreResult<()> {
    use cdmx_sdk::types::{NewRfi, OfferedSlots, QuoteState, RfiDisclosure, RfiState};

    use crate::db::rfis::{self, QuoteRow, RfiRow};
    use crate::domain::rfis::disclosed_program;

    let w = &data.workspace;
    let (Some(sponsor), Some(cdmo)) = (
        w.logins.iter().find(|l| l.email == DEMO_SPONSOR_EMAIL),
        w.logins.iter().find(|l| l.email == DEMO_CDMO_EMAIL),
    ) else {
        return Ok(());
    };
    let Some((program, valid)) = programs
        .iter()
        .find(|(p, _)| p.organization_id == sponsor.organization_id)
    else {
        return Ok(());
    };
    let at = now();
    let deadline = at + chrono::Duration::days(30);
    let request = NewRfi {
        program_id: program.id.clone(),
        cdmo_organization_ids: vec![cdmo.organization_id.clone()],
        disclose: RfiDisclosure {
            summary: true,
            modality: true,
            phase: true,
            volumes: true,
            timeline: true,
        },
        summary: Some("EU pivotal autologous CD19 CAR-T; four clinical batches in H1 2027".into()),
        withhold_sponsor_name: false,
        response_deadline: deadline.and_utc(),
        message: Some("Please quote four clinical GMP batches with tech transfer.".into()),
    };
    let disclosure =
        serde_json::to_string(&request.disclose).map_err(|e| invalid("a demo RFI", e))?;
    let disclosed = serde_json::to_string(&disclosed_program(&request, &valid.program))
        .map_err(|e| invalid("a demo RFI", e))?;
    let rfi = |id: &str, n: u8, state: RfiState| RfiRow {
        id: id.to_owned(),
        request_id: format!("01943a6e-2c00-7000-8000-00000000a30{n}"),
        sponsor_organization_id: sponsor.organization_id.clone(),
        cdmo_organization_id: cdmo.organization_id.clone(),
        program_id: program.id.clone(),
        disclosure: disclosure.clone(),
        program: disclosed.clone(),
        sponsor_name_withheld: false,
        message: request.message.clone(),
        response_deadline: deadline,
        state,
        confidentiality_accepted_at: None,
        confidentiality_accepted_by: None,
        decline_reason: None,
        created_by: sponsor.id.clone(),
        created_at: at,
        updated_at: at,
    };
    let quoted = rfi(DEMO_RFI_QUOTED, 3, RfiState::Quoted);
    rfis::insert_rfis(
        conn,
        &[
            rfi(DEMO_RFI_TO_QUOTE, 1, RfiState::Open),
            rfi(DEMO_RFI_TO_DECLINE, 2, RfiState::Open),
            quoted.clone(),
        ],
    )?;
    let Some(block) = w
        .capacity_blocks
        .iter()
        .filter(|b| {
            b.profile_id
                == data
                    .cdmos
                    .iter()
                    .find(|c| c.organization_id == cdmo.organization_id)
                    .map_or("", |c| c.profile_id.as_str())
        })
        .nth(1)
    else {
        return Ok(());
    };
    let offered = vec![OfferedSlots {
        capacity_id: block.id.clone(),
        slots: 1,
        slot_kind: block.block.slot_kind,
        period_start: block.block.period_start,
        period_end: block.block.period_end,
    }];
    rfis::insert_quote(
        conn,
        &QuoteRow {
            id: DEMO_QUOTE.to_owned(),
            rfi_id: quoted.id,
            request_id: quoted.request_id,
            sponsor_organization_id: quoted.sponsor_organization_id,
            cdmo_organization_id: quoted.cdmo_organization_id,
            program_id: quoted.program_id,
            price_per_batch: 210_000,
            currency: "EUR".into(),
            tech_transfer_cost: Some(450_000),
            tech_transfer_weeks: Some(26),
            slots_offered: serde_json::to_string(&offered)
                .map_err(|e| invalid("a demo quote", e))?,
            valid_until: deadline,
            assumptions: Some("Sponsor supplies the lentiviral vector.".into()),
            attachments: "[]".into(),
            state: QuoteState::Submitted,
            decline_reason: None,
            reservation_ids: "[]".into(),
            created_by: cdmo.id.clone(),
            created_at: at,
            updated_at: at,
        },
    )?;
    Ok(())
}

/// Gives the demo logins a new password (hashed by the caller); returns how many demo
/// logins there were (0 when the database holds no demo data).
pub fn reset_password(db: &Database, password_hash: &str) -> StoreResult<usize> {
    let mut conn = db.blocking_connection()?;
    write_transaction(&mut conn, |c| {
        accounts::set_password_hash(c, &[DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL], password_hash)
    })
}

/// Whether the database holds the demo logins.
pub fn has_demo_logins(db: &Database) -> StoreResult<bool> {
    let mut conn = db.blocking_connection()?;
    Ok(accounts::count_users_with_email(&mut conn, &[DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL])? > 0)
}

/// How to sign in as the demo sponsor and CDMO, as a request that works when pasted into
/// a shell: a `curl` per login, with the exact `TokenRequest` body.
pub fn sign_in_instructions(address: &str, password: &str) -> String {
    let mut text = format!(
        "Sign in as the demo sponsor or the demo CDMO (password {password}) in Swagger UI \
         (POST /v1/auth/token) or with:"
    );
    for email in [DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL] {
        text.push_str("\n  ");
        text.push_str(&token_request_curl(address, email, password));
    }
    text
}

/// `curl` for `POST /v1/auth/token` with the password grant.
pub fn token_request_curl(address: &str, email: &str, password: &str) -> String {
    let body = serde_json::to_string(&cdmx_sdk::types::TokenRequest::Password {
        email: email.to_owned(),
        password: password.to_owned(),
    })
    .unwrap_or_default();
    format!(
        "curl -s -X POST http://{address}/v1/auth/token -H 'content-type: application/json' \
         -d {}",
        shell_quote(&body)
    )
}

/// Single-quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Inserts `count` synthetic CDMOs (profiles `0..count` of the stream for `seed`), in
/// transactions of 500. Names carry the index, so a second run with other indexes adds
/// to the first.
pub fn seed_profiles(db: &Database, count: u64, seed: u64, first_index: u64) -> StoreResult<u64> {
    let mut conn = db.blocking_connection()?;
    let mut index = first_index;
    let end = first_index + count;
    while index < end {
        let batch_end = (index + 500).min(end);
        write_transaction(&mut conn, |c| {
            for i in index..batch_end {
                let profile = prepare(synthetic_profile(seed, i))?;
                // Roughly three in four verified, deterministically.
                insert_cdmo(c, new_id(), &new_id(), i % 4 != 3, profile)?;
            }
            Ok(())
        })?;
        index = batch_end;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::TokenRequest;

    /// What a POSIX shell makes of a single-quoted word (with `'\''` escapes).
    fn unquote(word: &str) -> String {
        word.trim_start_matches('\'')
            .trim_end_matches('\'')
            .replace(r"'\''", "'")
    }

    #[test]
    fn the_features_the_demo_shortlist_ranks_carry_the_demo_evidence() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let data = DemoData::load(day).unwrap();
        let features = demo_features(&data, day);
        assert_eq!(features.len(), data.cdmos.len());
        let confidence = |name: &str| {
            features
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.evidence_confidence)
                .unwrap()
        };
        // Nine of the fourteen sections that can carry evidence (three items on its sites).
        assert!((confidence("Tessaric Biomanufacturing") - 9.0 / 14.0).abs() < 1e-9);
        assert!(confidence("Skogsbacka Children's Cancer Centre CAR-T Unit") > 0.0);
        assert_eq!(confidence("Ferrowood Cell Solutions"), 0.0);
        // Harrowgate's accreditation lapsed: its sites section no longer counts.
        assert!(
            (confidence("Harrowgate Memorial Cancer Center Cell Therapy Facility") - 1.0 / 14.0)
                .abs()
                < 1e-9
        );
        assert!(
            features
                .iter()
                .any(|f| f.evidence_confidence == 0.0 && f.verified),
            "not every verified CDMO has verified evidence"
        );
    }

    #[test]
    fn demo_evidence_ids_are_fixed_and_distinct() {
        assert_eq!(evidence_id(1), "01943a6e-2c00-7000-8000-0000000f0001");
        assert_eq!(evidence_id(72).len(), evidence_id(1).len());
        assert_ne!(evidence_id(16), evidence_id(10));
    }

    #[test]
    fn the_printed_curl_sends_a_token_request_that_parses() {
        for password in ["5f0c1d2e3f4a5b6c7d8e9f00", "it's \"quoted\" & spaced"] {
            let curl = token_request_curl("127.0.0.1:8080", DEMO_SPONSOR_EMAIL, password);
            assert!(curl.starts_with("curl -s -X POST http://127.0.0.1:8080/v1/auth/token "));
            assert!(
                curl.contains("-H 'content-type: application/json'"),
                "{curl}"
            );
            let (_, body) = curl.split_once(" -d ").unwrap();
            let request: TokenRequest =
                crate::strict::parse_json(unquote(body).as_bytes()).unwrap();
            assert_eq!(
                request,
                TokenRequest::Password {
                    email: DEMO_SPONSOR_EMAIL.into(),
                    password: password.into()
                }
            );
        }
        let text = sign_in_instructions("127.0.0.1:8080", "pw");
        assert!(text.contains(DEMO_SPONSOR_EMAIL) && text.contains(DEMO_CDMO_EMAIL));
        assert!(text.contains(r#""grant_type":"password""#), "{text}");
    }
}
