//! The demo data set as data: JSON files under `server/data/demo/`, embedded in the binary,
//! read as strictly as the API reads request bodies (unknown fields are errors) into the
//! SDK wire types, and validated by the same domain rules as the API. A file that breaks
//! a rule is reported by its path and the field, so a bad edit fails the build's tests,
//! not a customer's first start.
//!
//! Every object carries a fixed id: the OpenAPI examples name them, so that Swagger UI's
//! "Try it out" works as given against a fresh demo server. They stay unique because the
//! demo loads only into an empty database.

use std::collections::{HashMap, HashSet};

use cdmx_sdk::types::{
    CapabilityProfile, CreateShortlistRequest, EvidenceKind, NewCapacityBlock, NewEvidence,
    NewReservation, ProgramRequest,
};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::Violations;
use crate::domain::capacity::ValidBlock;
use crate::domain::matching::MAX_LIMIT;
use crate::domain::profiles::{ValidProfile, check_evidence};
use crate::domain::programs::ValidProgram;
use crate::error::ApiError;

/// One embedded data file: its path in the repository (for error messages) and its text.
struct DataFile {
    path: &'static str,
    text: &'static str,
}

macro_rules! data_file {
    ($path:literal) => {
        DataFile {
            path: concat!("server/data/demo/", $path),
            text: include_str!(concat!("../../data/demo/", $path)),
        }
    };
}

/// The CDMOs, by kind; the first CDMO of the first file is the one the demo CDMO login
/// administers in the examples.
const CDMO_FILES: [DataFile; 4] = [
    data_file!("cdmos/commercial.json"),
    data_file!("cdmos/academic.json"),
    data_file!("cdmos/hospital.json"),
    data_file!("cdmos/point-of-care.json"),
];
const SPONSORS_FILE: DataFile = data_file!("sponsors.json");
const WORKSPACE_FILE: DataFile = data_file!("workspace.json");
const EVIDENCE_FILE: DataFile = data_file!("evidence.json");
const CAPACITY_FILE: DataFile = data_file!("capacity.json");

/// A demo CDMO: its organisation (named as its profile), whether the platform has
/// verified it, and its profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCdmo {
    pub organization_id: String,
    pub profile_id: String,
    pub verified: bool,
    /// Why it is in the set: the field scenario it answers or narrowly misses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub profile: CapabilityProfile,
}

/// A file of demo CDMOs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CdmoFile {
    cdmos: Vec<DemoCdmo>,
}

/// The file of demo sponsors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SponsorFile {
    sponsors: Vec<DemoSponsor>,
}

/// A demo sponsor organisation (verified).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSponsor {
    pub organization_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A demo login: an organisation admin whose password is set at load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoLogin {
    pub id: String,
    pub email: String,
    pub organization_id: String,
}

/// A programme of a demo sponsor, at version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoProgram {
    pub id: String,
    pub organization_id: String,
    pub program: ProgramRequest,
}

/// Capacity a demo CDMO has published for its profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCapacityBlock {
    pub id: String,
    pub profile_id: String,
    pub block: NewCapacityBlock,
}

/// A hold a demo sponsor has placed, as its login asked for it. It lasts the default
/// hold time from the load, like any hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoReservation {
    pub id: String,
    /// The login that placed it (its organisation is the sponsor).
    pub placed_by: String,
    pub request: NewReservation,
}

/// A shortlist a demo login saved; its ranking is computed at load, as the API does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoShortlist {
    pub id: String,
    pub created_by: String,
    pub request: CreateShortlistRequest,
}

/// What the demo logins have already done, so every example has something to act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoWorkspace {
    pub logins: Vec<DemoLogin>,
    pub programs: Vec<DemoProgram>,
    pub capacity_blocks: Vec<DemoCapacityBlock>,
    pub reservations: Vec<DemoReservation>,
    pub shortlists: Vec<DemoShortlist>,
}

/// The platform admin who verified the demo evidence. It has no password anyone knows
/// (its stored hash matches none), so it cannot sign in; operators' own admins
/// (`cdmx admin create`) join its platform organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoVerifier {
    pub id: String,
    pub email: String,
    pub organization_id: String,
    pub organization_name: String,
}

/// One evidence item a demo CDMO attached and the platform verified. Dates are relative
/// to the day of the load, so the demo never ages into expired evidence by accident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoEvidenceItem {
    /// JSON pointer into the profile, as in `NewEvidence::subject`.
    pub subject: String,
    pub kind: EvidenceKind,
    /// The document's reference: title and number, as a CDMO would give it.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How many days before the load the platform verified it (added three days before).
    pub verified_days_ago: u32,
    /// Days from the load to its expiry; absent when it does not expire. Negative only
    /// for evidence that is meant to show as expired (its `note` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DemoEvidenceItem {
    /// The item as a CDMO would send it, expiring as of `today`.
    pub fn new_evidence(&self, today: NaiveDate) -> NewEvidence {
        NewEvidence {
            subject: self.subject.clone(),
            kind: self.kind,
            reference: self.reference.clone(),
            url: self.url.clone(),
            expires_on: self
                .expires_in_days
                .map(|d| today + chrono::Duration::days(i64::from(d))),
        }
    }
}

/// The verified evidence of one demo CDMO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCdmoEvidence {
    pub profile_id: String,
    /// The CDMO's name, checked against its profile so the file stays readable.
    pub name: String,
    pub evidence: Vec<DemoEvidenceItem>,
}

/// `evidence.json`: who verified, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoEvidence {
    pub verifier: DemoVerifier,
    pub cdmos: Vec<DemoCdmoEvidence>,
}

/// A reservation another sponsor placed and the CDMO confirmed: it takes slots for
/// good (a hold would lapse after 72 hours), so a block can be full on any day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoBooking {
    pub id: String,
    pub capacity_id: String,
    pub sponsor_organization_id: String,
    pub slots: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `capacity.json`: capacity the demo CDMOs publish (beyond the demo CDMO login's own
/// blocks in the workspace) and the confirmed bookings that fill some of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCapacity {
    pub blocks: Vec<DemoCapacityBlock>,
    pub bookings: Vec<DemoBooking>,
}

/// The whole demo data set, read and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    pub cdmos: Vec<DemoCdmo>,
    pub sponsors: Vec<DemoSponsor>,
    pub workspace: DemoWorkspace,
    pub evidence: DemoEvidence,
    pub capacity: DemoCapacity,
}

/// A data file that cannot be read or breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct DemoDataError {
    pub file: &'static str,
    /// Path of the field in the file, e.g. `cdmos[0].profile.sites[1].key`.
    pub field: String,
    pub message: String,
}

fn error(file: &DataFile, field: impl Into<String>, message: impl Into<String>) -> DemoDataError {
    DemoDataError {
        file: file.path,
        field: field.into(),
        message: message.into(),
    }
}

/// Joins a field path inside the file with a path inside the value there.
fn at(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner.is_empty()) {
        (_, true) => prefix.to_owned(),
        (true, false) => inner.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

/// Reads a file the way the API reads a request body.
fn read<T: DeserializeOwned>(file: &DataFile) -> Result<T, DemoDataError> {
    crate::strict::parse_json(file.text.as_bytes()).map_err(|e| match e {
        ApiError::BadRequest { detail, errors } => match errors.into_iter().next() {
            Some(first) => error(file, first.field, first.message),
            None => error(file, "", detail),
        },
        other => error(file, "", other.to_string()),
    })
}

/// The first domain violation, named by its field inside the file.
fn first_violation(file: &DataFile, prefix: &str, violations: Violations) -> DemoDataError {
    match violations.into_iter().next() {
        Some(v) => error(file, at(prefix, &v.field), v.message),
        None => error(file, prefix, "is invalid"),
    }
}

impl DemoData {
    /// Reads every demo data file and checks it: each profile, programme and capacity
    /// block by the API's own validation (as of `today`), every id unique, and every
    /// reference naming an object of the right kind in the data set.
    pub fn load(today: NaiveDate) -> Result<Self, DemoDataError> {
        Self::load_files(
            &CDMO_FILES,
            [
                &SPONSORS_FILE,
                &WORKSPACE_FILE,
                &EVIDENCE_FILE,
                &CAPACITY_FILE,
            ],
            today,
        )
    }

    fn load_files(
        cdmo_files: &[DataFile],
        [sponsors_file, workspace_file, evidence_file, capacity_file]: [&DataFile; 4],
        today: NaiveDate,
    ) -> Result<Self, DemoDataError> {
        let mut cdmos = Vec::new();
        for file in cdmo_files {
            let entries = read::<CdmoFile>(file)?.cdmos;
            for (i, cdmo) in entries.iter().enumerate() {
                ValidProfile::parse(cdmo.profile.clone(), today)
                    .map_err(|v| first_violation(file, &format!("cdmos[{i}].profile"), v))?;
            }
            cdmos.push((file, entries));
        }
        let sponsors = read::<SponsorFile>(sponsors_file)?.sponsors;
        let workspace: DemoWorkspace = read(workspace_file)?;

        let mut ids = UniqueIds::default();
        for (file, entries) in &cdmos {
            for (i, cdmo) in entries.iter().enumerate() {
                ids.claim(
                    file,
                    format!("cdmos[{i}].organization_id"),
                    &cdmo.organization_id,
                )?;
                ids.claim(file, format!("cdmos[{i}].profile_id"), &cdmo.profile_id)?;
            }
        }
        for (i, sponsor) in sponsors.iter().enumerate() {
            ids.claim(
                sponsors_file,
                format!("sponsors[{i}].organization_id"),
                &sponsor.organization_id,
            )?;
        }
        let cdmos: Vec<DemoCdmo> = cdmos.into_iter().flat_map(|(_, e)| e).collect();
        check_workspace(workspace_file, &workspace, &cdmos, &sponsors, &mut ids)?;
        let evidence: DemoEvidence = read(evidence_file)?;
        check_evidence_file(evidence_file, &evidence, &cdmos, &mut ids, today)?;
        let capacity: DemoCapacity = read(capacity_file)?;
        check_capacity(capacity_file, &capacity, &cdmos, &sponsors, &mut ids)?;
        Ok(Self {
            cdmos,
            sponsors,
            workspace,
            evidence,
            capacity,
        })
    }

    /// The demo CDMO with this profile id.
    pub fn cdmo_by_profile(&self, profile_id: &str) -> Option<&DemoCdmo> {
        self.cdmos.iter().find(|c| c.profile_id == profile_id)
    }

    /// The demo login with this email.
    pub fn login(&self, email: &str) -> Option<&DemoLogin> {
        self.workspace.logins.iter().find(|l| l.email == email)
    }
}

/// Ids seen so far, across every file: two objects never share one.
#[derive(Default)]
struct UniqueIds(HashSet<String>);

impl UniqueIds {
    fn claim(&mut self, file: &DataFile, field: String, id: &str) -> Result<(), DemoDataError> {
        if id.trim().is_empty() {
            return Err(error(file, field, "is required"));
        }
        if !self.0.insert(id.to_owned()) {
            return Err(error(
                file,
                field,
                format!("`{id}` is already used by another object"),
            ));
        }
        Ok(())
    }
}

fn check_workspace(
    file: &DataFile,
    w: &DemoWorkspace,
    cdmos: &[DemoCdmo],
    sponsors: &[DemoSponsor],
    ids: &mut UniqueIds,
) -> Result<(), DemoDataError> {
    let sponsor_ids: HashSet<&str> = sponsors
        .iter()
        .map(|s| s.organization_id.as_str())
        .collect();
    let organizations: HashSet<&str> = cdmos
        .iter()
        .map(|c| c.organization_id.as_str())
        .chain(sponsor_ids.iter().copied())
        .collect();
    let profiles: HashMap<&str, &CapabilityProfile> = cdmos
        .iter()
        .map(|c| (c.profile_id.as_str(), &c.profile))
        .collect();
    let mut logins: HashMap<&str, &str> = HashMap::new();
    for (i, login) in w.logins.iter().enumerate() {
        ids.claim(file, format!("logins[{i}].id"), &login.id)?;
        if !organizations.contains(login.organization_id.as_str()) {
            return Err(error(
                file,
                format!("logins[{i}].organization_id"),
                "names no demo organisation",
            ));
        }
        logins.insert(&login.id, &login.organization_id);
    }
    let mut programs: HashMap<&str, &str> = HashMap::new();
    for (i, p) in w.programs.iter().enumerate() {
        ids.claim(file, format!("programs[{i}].id"), &p.id)?;
        if !sponsor_ids.contains(p.organization_id.as_str()) {
            return Err(error(
                file,
                format!("programs[{i}].organization_id"),
                "names no demo sponsor",
            ));
        }
        ValidProgram::parse(p.program.clone())
            .map_err(|v| first_violation(file, &format!("programs[{i}].program"), v))?;
        programs.insert(&p.id, &p.organization_id);
    }
    let mut blocks = HashSet::new();
    for (i, b) in w.capacity_blocks.iter().enumerate() {
        ids.claim(file, format!("capacity_blocks[{i}].id"), &b.id)?;
        let profile = profiles.get(b.profile_id.as_str()).ok_or_else(|| {
            error(
                file,
                format!("capacity_blocks[{i}].profile_id"),
                "names no demo CDMO profile",
            )
        })?;
        ValidBlock::parse(b.block.clone(), profile)
            .map_err(|v| first_violation(file, &format!("capacity_blocks[{i}].block"), v))?;
        blocks.insert(b.id.as_str());
    }
    // The login's organisation, which must own the programme a reservation or shortlist names.
    let sponsor_login = |field: String, login: &str| -> Result<&str, DemoDataError> {
        logins
            .get(login)
            .copied()
            .filter(|org| sponsor_ids.contains(org))
            .ok_or_else(|| error(file, field, "names no demo sponsor login"))
    };
    let own_program = |field: String, organization: &str, program: &str| {
        if programs.get(program) == Some(&organization) {
            Ok(())
        } else {
            Err(error(
                file,
                field,
                "names no programme of the login's organisation",
            ))
        }
    };
    for (i, r) in w.reservations.iter().enumerate() {
        ids.claim(file, format!("reservations[{i}].id"), &r.id)?;
        let organization = sponsor_login(format!("reservations[{i}].placed_by"), &r.placed_by)?;
        if !blocks.contains(r.request.capacity_id.as_str()) {
            return Err(error(
                file,
                format!("reservations[{i}].request.capacity_id"),
                "names no demo capacity block",
            ));
        }
        if let Some(program) = &r.request.program_id {
            own_program(
                format!("reservations[{i}].request.program_id"),
                organization,
                program,
            )?;
        }
        if r.request.slots == 0 {
            return Err(error(
                file,
                format!("reservations[{i}].request.slots"),
                "must be at least 1",
            ));
        }
    }
    for (i, s) in w.shortlists.iter().enumerate() {
        ids.claim(file, format!("shortlists[{i}].id"), &s.id)?;
        let organization = sponsor_login(format!("shortlists[{i}].created_by"), &s.created_by)?;
        own_program(
            format!("shortlists[{i}].request.program_id"),
            organization,
            &s.request.program_id,
        )?;
        if s.request
            .limit
            .is_some_and(|n| !(1..=MAX_LIMIT as u32).contains(&n))
        {
            return Err(error(
                file,
                format!("shortlists[{i}].request.limit"),
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let name = s.request.name.as_deref().unwrap_or_default();
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(error(
                file,
                format!("shortlists[{i}].request.name"),
                "must be 1 to 200 characters",
            ));
        }
    }
    Ok(())
}

/// Checks `evidence.json`: the verifier, and every item as the API checks new evidence
/// (its subject exists in the CDMO's profile as stored), verified before it expires,
/// only for CDMO organisations the platform has verified, and expired only on purpose.
fn check_evidence_file(
    file: &DataFile,
    e: &DemoEvidence,
    cdmos: &[DemoCdmo],
    ids: &mut UniqueIds,
    today: NaiveDate,
) -> Result<(), DemoDataError> {
    let v = &e.verifier;
    ids.claim(file, "verifier.id".into(), &v.id)?;
    ids.claim(file, "verifier.organization_id".into(), &v.organization_id)?;
    crate::domain::accounts::EmailAddress::parse(&v.email)
        .map_err(|message| error(file, "verifier.email", message))?;
    if v.organization_name.trim().is_empty() {
        return Err(error(file, "verifier.organization_name", "is required"));
    }
    let mut seen = HashSet::new();
    for (i, entry) in e.cdmos.iter().enumerate() {
        let at_entry = |field: &str| format!("cdmos[{i}].{field}");
        let cdmo = cdmos
            .iter()
            .find(|c| c.profile_id == entry.profile_id)
            .ok_or_else(|| error(file, at_entry("profile_id"), "names no demo CDMO profile"))?;
        if !seen.insert(entry.profile_id.as_str()) {
            return Err(error(
                file,
                at_entry("profile_id"),
                "has another entry above; put all its evidence in one",
            ));
        }
        if cdmo.profile.organization.name != entry.name {
            return Err(error(
                file,
                at_entry("name"),
                format!("the profile is named `{}`", cdmo.profile.organization.name),
            ));
        }
        if !cdmo.verified {
            return Err(error(
                file,
                at_entry("profile_id"),
                "the CDMO organisation is not verified; the platform verifies it before its evidence",
            ));
        }
        let stored = ValidProfile::parse(cdmo.profile.clone(), today)
            .ok()
            .and_then(|p| serde_json::to_value(p.into_profile()).ok())
            .ok_or_else(|| error(file, at_entry("profile_id"), "names an invalid profile"))?;
        for (j, item) in entry.evidence.iter().enumerate() {
            let prefix = at_entry(&format!("evidence[{j}]"));
            check_evidence(&item.new_evidence(today), &stored)
                .map_err(|violations| first_violation(file, &prefix, violations))?;
            match item.expires_in_days {
                Some(days) if i64::from(days) <= -i64::from(item.verified_days_ago) => {
                    return Err(error(
                        file,
                        at(&prefix, "expires_in_days"),
                        "expired evidence cannot be verified: it must expire after verified_days_ago",
                    ));
                }
                Some(days) if days < 0 && item.note.is_none() => {
                    return Err(error(
                        file,
                        at(&prefix, "expires_in_days"),
                        "has expired at load; say in `note` why the demo shows expired evidence",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Checks `capacity.json`: every block as the API checks a published one, and bookings
/// of demo sponsors that fit in their block.
fn check_capacity(
    file: &DataFile,
    c: &DemoCapacity,
    cdmos: &[DemoCdmo],
    sponsors: &[DemoSponsor],
    ids: &mut UniqueIds,
) -> Result<(), DemoDataError> {
    let mut free: HashMap<&str, u32> = HashMap::new();
    for (i, b) in c.blocks.iter().enumerate() {
        ids.claim(file, format!("blocks[{i}].id"), &b.id)?;
        let cdmo = cdmos
            .iter()
            .find(|c| c.profile_id == b.profile_id)
            .ok_or_else(|| {
                error(
                    file,
                    format!("blocks[{i}].profile_id"),
                    "names no demo CDMO profile",
                )
            })?;
        ValidBlock::parse(b.block.clone(), &cdmo.profile)
            .map_err(|v| first_violation(file, &format!("blocks[{i}].block"), v))?;
        free.insert(&b.id, b.block.slots);
    }
    for (i, booking) in c.bookings.iter().enumerate() {
        ids.claim(file, format!("bookings[{i}].id"), &booking.id)?;
        if !sponsors
            .iter()
            .any(|s| s.organization_id == booking.sponsor_organization_id)
        {
            return Err(error(
                file,
                format!("bookings[{i}].sponsor_organization_id"),
                "names no demo sponsor",
            ));
        }
        let left = free.get_mut(booking.capacity_id.as_str()).ok_or_else(|| {
            error(
                file,
                format!("bookings[{i}].capacity_id"),
                "names no block of this file",
            )
        })?;
        if booking.slots == 0 || booking.slots > *left {
            return Err(error(
                file,
                format!("bookings[{i}].slots"),
                format!("must be 1 to {left}: the slots the block has left"),
            ));
        }
        *left -= booking.slots;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use cdmx_sdk::types::*;

    use super::*;
    use crate::demo::synthetic::tests::assert_valid;
    use crate::domain::geo::region_of;
    use crate::domain::profiles::{max_phase, phase_rank};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    fn demo_cdmos() -> Vec<DemoCdmo> {
        DemoData::load(today()).unwrap().cdmos
    }

    fn demo_sponsors() -> Vec<DemoSponsor> {
        DemoData::load(today()).unwrap().sponsors
    }

    fn has_phase(p: &CapabilityProfile, phase: Phase) -> bool {
        p.phases
            .iter()
            .any(|e| e.phase == phase && e.programmes > 0)
    }

    fn reaches(p: &CapabilityProfile, phase: Phase) -> bool {
        max_phase(p).is_some_and(|m| phase_rank(m) >= phase_rank(phase))
    }

    fn authorities(p: &CapabilityProfile) -> Vec<Authority> {
        p.sites
            .iter()
            .flat_map(|s| s.licences.iter().map(|l| l.authority))
            .collect()
    }

    fn names(cdmos: &[&DemoCdmo]) -> Vec<String> {
        cdmos
            .iter()
            .map(|c| c.profile.organization.name.clone())
            .collect()
    }

    /// Asserts that `expected` are among the matching names and `excluded` are not.
    fn assert_answers(matches: &[&DemoCdmo], expected: &[&str], excluded: &[&str]) {
        let found = names(matches);
        for name in expected {
            assert!(
                found.iter().any(|f| f == name),
                "{name} missing from {found:?}"
            );
        }
        for name in excluded {
            assert!(!found.iter().any(|f| f == name), "{name} should not match");
        }
    }

    /// The demo data with one file's JSON changed by `edit`: what loading it reports.
    fn load_edited(which: &str, edit: impl Fn(&mut serde_json::Value)) -> DemoDataError {
        let edited = |file: &DataFile| {
            if !file.path.ends_with(which) {
                return DataFile { ..*file };
            }
            let mut json: serde_json::Value = serde_json::from_str(file.text).unwrap();
            edit(&mut json);
            DataFile {
                path: file.path,
                text: String::leak(json.to_string()),
            }
        };
        let cdmos: Vec<DataFile> = CDMO_FILES.iter().map(edited).collect();
        DemoData::load_files(
            &cdmos,
            [
                &edited(&SPONSORS_FILE),
                &edited(&WORKSPACE_FILE),
                &edited(&EVIDENCE_FILE),
                &edited(&CAPACITY_FILE),
            ],
            today(),
        )
        .expect_err("the edit breaks a rule")
    }

    fn assert_reported(error: DemoDataError, file: &str, field: &str, message: &str) {
        assert_eq!((error.file, error.field.as_str()), (file, field), "{error}");
        assert!(error.message.contains(message), "{error}");
        assert!(
            error.to_string().starts_with(&format!("{file}: {field}: ")),
            "{error}"
        );
    }

    #[test]
    fn every_data_file_loads_and_validates() {
        let data = DemoData::load(today()).unwrap();
        assert_eq!(data.cdmos.len(), 42);
        assert_eq!(data.sponsors.len(), 4);
        let w = &data.workspace;
        assert_eq!(
            (
                w.programs.len(),
                w.capacity_blocks.len(),
                w.reservations.len(),
                w.shortlists.len()
            ),
            (1, 2, 1, 1)
        );
        // The demo is as valid on the day the examples are computed as today.
        let example_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(DemoData::load(example_day).unwrap(), data);
    }

    #[test]
    fn part_of_the_cdmos_carry_verified_evidence_and_publish_capacity() {
        let data = DemoData::load(today()).unwrap();
        let with_evidence: Vec<&str> = data
            .evidence
            .cdmos
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        let share = with_evidence.len() as f64 / data.cdmos.len() as f64;
        assert!((0.35..=0.6).contains(&share), "{with_evidence:?}");
        for anchor in [
            "Tessaric Biomanufacturing",
            "Aldermoor Cell Industries",
            "Corvane Biologics",
            "Sequoyah Cell Manufacturing",
        ] {
            assert!(with_evidence.contains(&anchor), "{anchor}");
        }
        // Only the one item that says why has expired at load.
        let expired: Vec<&DemoEvidenceItem> = data
            .evidence
            .cdmos
            .iter()
            .flat_map(|e| &e.evidence)
            .filter(|i| i.expires_in_days.is_some_and(|d| d < 0))
            .collect();
        assert_eq!(expired.len(), 1, "{expired:?}");
        assert!(expired[0].note.is_some());

        let capacity = &data.capacity;
        let booked = |id: &str| -> u32 {
            capacity
                .bookings
                .iter()
                .filter(|b| b.capacity_id == id)
                .map(|b| b.slots)
                .sum()
        };
        let full = capacity
            .blocks
            .iter()
            .filter(|b| booked(&b.id) == b.block.slots)
            .count();
        let open = capacity.blocks.len() - full;
        assert!(full >= 2 && open >= 5, "{full} full, {open} open");
        let mut publishing: Vec<&str> = capacity
            .blocks
            .iter()
            .chain(&data.workspace.capacity_blocks)
            .map(|b| b.profile_id.as_str())
            .collect();
        publishing.sort_unstable();
        publishing.dedup();
        assert!(
            publishing.len() >= 8 && publishing.len() < data.cdmos.len() / 2,
            "{}",
            publishing.len()
        );
    }

    #[test]
    fn evidence_and_capacity_files_are_checked_as_the_api_checks_them() {
        let evidence = "server/data/demo/evidence.json";
        let error = load_edited("evidence.json", |json| {
            json["cdmos"][0]["evidence"][0]["subject"] = "/sites/9/licences/0".into();
        });
        assert_reported(
            error,
            evidence,
            "cdmos[0].evidence[0].subject",
            "does not exist",
        );
        let error = load_edited("evidence.json", |json| {
            json["cdmos"][0]["evidence"][0]["subject"] = "/soft_factors".into();
        });
        assert_reported(
            error,
            evidence,
            "cdmos[0].evidence[0].subject",
            "self-declared",
        );
        let error = load_edited("evidence.json", |json| {
            json["cdmos"][0]["name"] = "Someone Else".into();
        });
        assert_reported(error, evidence, "cdmos[0].name", "Tessaric");
        let error = load_edited("evidence.json", |json| {
            // Ferrowood's organisation is not verified.
            json["cdmos"][0]["profile_id"] = "01943a6e-2c00-7000-8000-000000000108".into();
            json["cdmos"][0]["name"] = "Ferrowood Cell Solutions".into();
        });
        assert_reported(error, evidence, "cdmos[0].profile_id", "not verified");
        let error = load_edited("evidence.json", |json| {
            json["cdmos"][0]["evidence"][0]["expires_in_days"] = (-1).into();
        });
        assert_reported(
            error,
            evidence,
            "cdmos[0].evidence[0].expires_in_days",
            "note",
        );
        let error = load_edited("evidence.json", |json| {
            let item = &mut json["cdmos"][0]["evidence"][0];
            item["verified_days_ago"] = 10.into();
            item["expires_in_days"] = (-10).into();
            item["note"] = "lapsed on purpose".into();
        });
        assert_reported(
            error,
            evidence,
            "cdmos[0].evidence[0].expires_in_days",
            "cannot be verified",
        );
        let error = load_edited("evidence.json", |json| {
            json["verifier"]["id"] = "01943a6e-2c00-7000-8000-000000000100".into();
        });
        assert_reported(error, evidence, "verifier.id", "already used");

        let capacity = "server/data/demo/capacity.json";
        let error = load_edited("capacity.json", |json| {
            json["blocks"][0]["block"]["site_key"] = "atlantis-1".into();
        });
        assert_reported(error, capacity, "blocks[0].block.site_key", "atlantis-1");
        let error = load_edited("capacity.json", |json| {
            let slots = json["blocks"][1]["block"]["slots"].as_u64().unwrap();
            json["bookings"][0]["slots"] = (slots + 1).into();
        });
        assert_reported(
            error,
            capacity,
            "bookings[0].slots",
            "slots the block has left",
        );
        let error = load_edited("capacity.json", |json| {
            json["bookings"][0]["sponsor_organization_id"] =
                "01943a6e-2c00-7000-8000-000000000200".into();
        });
        assert_reported(
            error,
            capacity,
            "bookings[0].sponsor_organization_id",
            "no demo sponsor",
        );
        let error = load_edited("capacity.json", |json| {
            json["bookings"][0]["capacity_id"] = "01943a6e-2c00-7000-8000-00000000c001".into();
        });
        assert_reported(
            error,
            capacity,
            "bookings[0].capacity_id",
            "no block of this file",
        );
    }

    #[test]
    fn the_demo_logins_are_the_documented_ones() {
        let data = DemoData::load(today()).unwrap();
        let sponsor = data.login(crate::app::demo::DEMO_SPONSOR_EMAIL).unwrap();
        let cdmo = data.login(crate::app::demo::DEMO_CDMO_EMAIL).unwrap();
        assert_eq!(data.workspace.logins.len(), 2);
        assert!(
            data.sponsors
                .iter()
                .any(|s| s.organization_id == sponsor.organization_id)
        );
        // The demo CDMO login administers the first CDMO of the first file.
        assert_eq!(cdmo.organization_id, data.cdmos[0].organization_id);
    }

    #[test]
    fn a_field_the_wire_type_does_not_know_is_reported_by_file_and_field() {
        let error = load_edited("commercial.json", |json| {
            json["cdmos"][1]["profile"]["organization"]["colour"] = "teal".into();
        });
        assert_reported(
            error,
            "server/data/demo/cdmos/commercial.json",
            "cdmos[1].profile.organization.colour",
            "",
        );
        let error = load_edited("sponsors.json", |json| {
            json["sponsors"][0]["name"] = 7.into();
        });
        assert_reported(
            error,
            "server/data/demo/sponsors.json",
            "sponsors[0].name",
            "",
        );
    }

    #[test]
    fn a_profile_the_api_would_refuse_is_reported_by_file_and_field() {
        let error = load_edited("hospital.json", |json| {
            json["cdmos"][2]["profile"]["sites"][0]["key"] = "Not A Key".into();
        });
        assert_reported(
            error,
            "server/data/demo/cdmos/hospital.json",
            "cdmos[2].profile.sites[0].key",
            "a-z, 0-9",
        );
    }

    #[test]
    fn ids_are_unique_across_files_and_references_resolve() {
        let error = load_edited("workspace.json", |json| {
            json["programs"][0]["id"] = "01943a6e-2c00-7000-8000-000000000100".into();
        });
        assert_reported(
            error,
            "server/data/demo/workspace.json",
            "programs[0].id",
            "already used",
        );
        let error = load_edited("workspace.json", |json| {
            json["reservations"][0]["request"]["capacity_id"] = "no-such-block".into();
        });
        assert_reported(
            error,
            "server/data/demo/workspace.json",
            "reservations[0].request.capacity_id",
            "no demo capacity block",
        );
        let error = load_edited("workspace.json", |json| {
            json["capacity_blocks"][1]["block"]["site_key"] = "atlantis-1".into();
        });
        assert_reported(
            error,
            "server/data/demo/workspace.json",
            "capacity_blocks[1].block.site_key",
            "",
        );
        let error = load_edited("workspace.json", |json| {
            // The CDMO login may not save a sponsor's shortlist.
            json["shortlists"][0]["created_by"] = json["logins"][1]["id"].clone();
        });
        assert_reported(
            error,
            "server/data/demo/workspace.json",
            "shortlists[0].created_by",
            "no demo sponsor login",
        );
    }

    #[test]
    fn every_demo_cdmo_is_valid() {
        for cdmo in demo_cdmos() {
            assert_valid(&cdmo.profile);
        }
    }

    #[test]
    fn the_demo_set_is_deterministic_sized_and_uniquely_named() {
        let cdmos = demo_cdmos();
        assert_eq!(cdmos, demo_cdmos());
        assert!((35..=45).contains(&cdmos.len()), "{}", cdmos.len());
        let mut all = names(&cdmos.iter().collect::<Vec<_>>());
        all.sort();
        all.dedup();
        assert_eq!(all.len(), cdmos.len(), "names are not unique");
        let verified = cdmos.iter().filter(|c| c.verified).count();
        let share = verified as f64 / cdmos.len() as f64;
        assert!((0.65..=0.85).contains(&share), "{verified} verified");
        let sponsors = demo_sponsors();
        assert!((3..=5).contains(&sponsors.len()));
        assert_eq!(sponsors, demo_sponsors());
    }

    #[test]
    fn the_demo_set_covers_the_field() {
        let cdmos = demo_cdmos();
        for kind in CdmoType::ALL {
            assert!(
                cdmos
                    .iter()
                    .any(|c| c.profile.organization.cdmo_type == *kind),
                "{kind:?}"
            );
        }
        assert!(
            cdmos
                .iter()
                .any(|c| c.profile.donor_sources.autologous.is_some())
        );
        assert!(
            cdmos
                .iter()
                .any(|c| c.profile.donor_sources.allogeneic.is_some())
        );
        let mut regions: Vec<Region> = cdmos
            .iter()
            .flat_map(|c| c.profile.sites.iter())
            .filter_map(|s| region_of(&s.country))
            .collect();
        regions.sort();
        regions.dedup();
        assert!(regions.len() >= 3, "{regions:?}");
        let late = cdmos
            .iter()
            .filter(|c| reaches(&c.profile, Phase::Phase3))
            .count();
        assert!(late >= 4, "{late}");
        for platform in [
            Platform::ClinimacsProdigy,
            Platform::LonzaCocoon,
            Platform::CellaresCellShuttle,
            Platform::GRex,
            Platform::RockingMotionBioreactor,
            Platform::StirredTankBioreactor,
        ] {
            assert!(
                cdmos
                    .iter()
                    .any(|c| c.profile.platforms.iter().any(|p| p.platform == platform)),
                "{platform:?}"
            );
        }
    }

    #[test]
    fn some_demo_cdmos_leave_facts_undisclosed() {
        use crate::domain::profiles::undisclosed;
        let cdmos = demo_cdmos();
        let undisclosing = |field: &str| -> Vec<&DemoCdmo> {
            cdmos
                .iter()
                .filter(|c| undisclosed(&c.profile).iter().any(|f| f == field))
                .collect()
        };
        // Academic centres with an allogeneic side-line that keep the bioreactor volume
        // to themselves (rather than an invented 0 L).
        assert_answers(
            &undisclosing("donor_sources.allogeneic.max_bioreactor_volume_l"),
            &[
                "Plateforme Hélianthe de Thérapie Cellulaire",
                "Meerdaal University Cell Therapy Facility",
            ],
            &[],
        );
        assert_answers(
            &undisclosing("donor_sources.autologous.batches_per_year"),
            &["Rijnmond Academic Cell Therapy Facility"],
            &[],
        );
        assert_answers(
            &undisclosing("sites[0].latitude"),
            &["Klinikum Auenfeld GMP-Zentrum"],
            &[],
        );
        // The demo CDMO keeps its commercial batch count confidential (the profile
        // example in the API reference shows it in `undisclosed`).
        assert_answers(
            &undisclosing("phases[5].gmp_batches"),
            &["Tessaric Biomanufacturing"],
            &[],
        );
        assert_answers(
            &undisclosing("sites[0].isolators"),
            &["Clinica Sant'Elmo Laboratorio GMP"],
            &[],
        );
        assert!(
            cdmos.iter().all(|c| c
                .profile
                .donor_sources
                .allogeneic
                .as_ref()
                .is_none_or(|a| a.max_bioreactor_volume_l != Some(0.0))),
            "no demo CDMO declares a 0 L bioreactor"
        );
    }

    #[test]
    fn scenario_1_allogeneic_industrial_partner() {
        let cdmos = demo_cdmos();
        let fits = |p: &CapabilityProfile| {
            p.donor_sources.allogeneic.as_ref().is_some_and(|a| {
                a.max_bioreactor_volume_l.is_some_and(|v| v >= 200.0)
                    && a.doses_per_batch.is_some_and(|d| d >= 100)
            }) && p
                .platforms
                .iter()
                .any(|x| x.platform == Platform::StirredTankBioreactor)
                && has_phase(p, Phase::Phase3)
                && has_phase(p, Phase::Commercial)
                && p.cryo.min_storage_temp_c.is_some_and(|t| t <= -150)
                && p.logistics.regions_served.len() >= 3
                && p.logistics.hubs.iter().any(|h| h.scope == HubScope::Global)
        };
        let matches: Vec<&DemoCdmo> = cdmos.iter().filter(|c| fits(&c.profile)).collect();
        assert!(matches.len() >= 2, "{:?}", names(&matches));
        assert_answers(
            &matches,
            &["Tessaric Biomanufacturing", "Aldermoor Cell Industries"],
            &[
                "Quillon Cell Manufacturing",
                "Orvanta Biologics",
                "Aurinberg Cell Therapies",
            ],
        );
        let near_misses: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                c.profile.donor_sources.allogeneic.is_some()
                    && max_phase(&c.profile) == Some(Phase::Phase2)
            })
            .collect();
        assert_answers(&near_misses, &["Quillon Cell Manufacturing"], &[]);
    }

    #[test]
    fn scenario_2_french_academic_centre_for_t_cell_progenitors() {
        let cdmos = demo_cdmos();
        let academic_progenitors = |c: &&DemoCdmo| {
            c.profile.organization.cdmo_type == CdmoType::AcademicGmpCentre
                && c.profile.modalities.contains(&Modality::TCellProgenitors)
                && has_phase(&c.profile, Phase::Phase1)
                && has_phase(&c.profile, Phase::Phase1_2)
        };
        // The FDA accepted clinical batches made at the site (for the US trial).
        let fda_fact = |p: &CapabilityProfile| {
            p.sites.iter().any(|s| {
                s.acceptances.iter().any(|a| {
                    a.authority == Authority::Fda && a.batches == AcceptedBatches::ClinicalBatches
                })
            })
        };
        let in_france = |p: &CapabilityProfile| p.sites.iter().all(|s| s.country == "FR");
        let french: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(academic_progenitors)
            .filter(|c| {
                in_france(&c.profile)
                    && fda_fact(&c.profile)
                    && c.profile.soft_factors.small_batch_flexibility.is_some()
            })
            .collect();
        assert_answers(
            &french,
            &["Plateforme Hélianthe de Thérapie Cellulaire"],
            &["Centre de Biothérapies Rhodanien"],
        );
        let elsewhere: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(academic_progenitors)
            .filter(|c| !in_france(&c.profile))
            .collect();
        assert_answers(
            &elsewhere,
            &["Meerdaal University Cell Therapy Facility"],
            &[],
        );
    }

    #[test]
    fn scenario_3_six_point_checklist() {
        let cdmos = demo_cdmos();
        let fits = |p: &CapabilityProfile| {
            let auth = authorities(p);
            has_phase(p, Phase::Phase3)
                && auth.contains(&Authority::Fda)
                && (auth.contains(&Authority::Ema) || auth.contains(&Authority::EuMemberState))
                && p.quality.qms == Some(true)
                && p.quality.gmp_warehouse == Some(true)
                && p.sites.iter().any(|s| {
                    let grades: Vec<CleanroomGrade> =
                        s.cleanrooms.iter().map(|c| c.grade).collect();
                    grades.contains(&CleanroomGrade::A)
                        && grades.contains(&CleanroomGrade::B)
                        && s.closed_processing == Some(true)
                })
                && p.automation.automated_wash_concentration == Some(true)
                && p.automation.automated_formulation == Some(true)
                && p.automation.fill == Some(FillAutomation::Automated)
                && p.cryo.min_storage_temp_c.is_some_and(|t| t < -150)
                && p.logistics
                    .shipping_lead_time_hours
                    .is_some_and(|h| h <= 24)
        };
        let matches: Vec<&DemoCdmo> = cdmos.iter().filter(|c| fits(&c.profile)).collect();
        assert!(matches.len() >= 2, "{:?}", names(&matches));
        assert_answers(
            &matches,
            &["Tessaric Biomanufacturing", "Corvane Biologics"],
            &[
                "Bellcourt Advanced Therapies",
                "Sequoyah Cell Manufacturing",
            ],
        );
        // The near miss with everything but an FDA licence.
        assert!(cdmos.iter().any(|c| {
            has_phase(&c.profile, Phase::Phase3)
                && !authorities(&c.profile).contains(&Authority::Fda)
                && c.profile.automation.fill == Some(FillAutomation::Automated)
        }));
    }

    #[test]
    fn scenario_4_lentiviral_gene_modified_hsc() {
        let cdmos = demo_cdmos();
        let matches: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                let p = &c.profile;
                p.organization.cdmo_type == CdmoType::AcademicGmpCentre
                    && p.modalities.contains(&Modality::GeneModifiedHsc)
                    && p.gene_modification
                        .methods
                        .contains(&GeneModificationMethod::Lentiviral)
                    && p.qc.in_house_assays.contains(&QcAssay::VectorCopyNumber)
                    && p.qc
                        .in_house_assays
                        .contains(&QcAssay::ReplicationCompetentVirus)
                    && has_phase(p, Phase::Phase1_2)
            })
            .collect();
        assert_answers(
            &matches,
            &[
                "Istituto Valdora per la Terapia Genica",
                "Thornfield Institute Gene Therapy Facility",
            ],
            &["Uppvik University Cell Therapy Centre"],
        );
    }

    #[test]
    fn scenario_5_point_of_care_car_t() {
        let cdmos = demo_cdmos();
        let matches: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                let p = &c.profile;
                p.organization.cdmo_type == CdmoType::PointOfCare
                    && p.modalities.contains(&Modality::CarT)
                    && p.platforms
                        .iter()
                        .any(|x| x.platform == Platform::ClinimacsProdigy)
                    && p.sites.iter().any(|s| s.closed_processing == Some(true))
                    && p.sites.iter().any(|s| {
                        s.licences.iter().any(|l| {
                            l.kind == LicenceKind::HospitalExemption
                                && l.coverage
                                    .as_ref()
                                    .is_some_and(|s| s.modalities.contains(&Modality::CarT))
                        })
                    })
                    && p.performance
                        .process_duration_days
                        .is_some_and(|d| (7..=12).contains(&d))
            })
            .collect();
        assert_answers(
            &matches,
            &[
                "Alborada Children's Hospital CAR-T Unit",
                "Skogsbacka Children's Cancer Centre CAR-T Unit",
            ],
            &["Bayfront Community Cancer Institute Point-of-Care Lab"],
        );
        // The trap: a CAR-T hospital centre whose hospital exemption was granted for MSC.
        let msc_exemption_only: Vec<&DemoCdmo> = cdmos
            .iter()
            .filter(|c| {
                let licences = || c.profile.sites.iter().flat_map(|s| &s.licences);
                c.profile.modalities.contains(&Modality::CarT)
                    && licences().any(|l| l.kind == LicenceKind::HospitalExemption)
                    && licences().all(|l| {
                        l.kind != LicenceKind::HospitalExemption
                            || l.coverage
                                .as_ref()
                                .is_some_and(|s| s.modalities == [Modality::Msc])
                    })
            })
            .collect();
        assert_answers(&msc_exemption_only, &["Klinikum Auenfeld GMP-Zentrum"], &[]);
    }
}
