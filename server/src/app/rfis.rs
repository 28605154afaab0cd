//! RFIs and quotes: a sponsor asks CDMOs for a quote on one of its programmes, each CDMO
//! quotes from its published capacity or declines, and the sponsor accepts one quote,
//! which holds exactly the offered slots in one transaction (all or nothing).
//!
//! Each party sees only its own side: the sponsor its RFIs and their quotes, a CDMO the
//! RFIs sent to it and its own quotes; anything else is not found. Every change is
//! recorded as events for the sponsor and the CDMO concerned, each with its own view,
//! in the change's transaction.

use cdmx_sdk::types::{
    DeclineRequest, EventObjectKind, EventType, NewQuote, NewRfi, OfferedSlots, OrganizationKind,
    Page, PageParams, Quote, QuoteAttachment, QuoteState, Rfi, RfiDisclosure, RfiFilter,
    RfiProgram, RfiState, SentRfis,
};
use chrono::NaiveDateTime;

use super::events::{self, Change};
use super::pagination::PageRequest;
use super::reservations::{BlockHold, insert_holds, record_holds};
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::accounts::{self, OrganizationNames};
use crate::db::events::EventActor;
use crate::db::reservations::{self as holds, NewHold};
use crate::db::rfis::{self as stored, QuoteRow, RfiParty, RfiRow};
use crate::db::{DbConnection, StoreError, documents, new_id, now, programs};
use crate::domain::rfis::{check_quote, check_reason, check_rfi, disclosed_program};
use crate::error::ApiError;
use crate::startup::AppState;

/// How many lapsed RFIs and quotes one sweep expires.
const SWEEP_BATCH: i64 = 500;

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// `t` at microsecond precision: what both backends store, so that an answer and a
/// later read of it agree.
fn stored_time(t: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    use chrono::Timelike;
    let t = t.naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(ApiError::internal)
}

/// An RFI as `viewer` (its sponsor or its CDMO) sees it at `at`.
fn rfi_view(
    row: &RfiRow,
    viewer: &str,
    names: &OrganizationNames,
    quote_id: Option<String>,
    at: NaiveDateTime,
) -> Result<Rfi, ApiError> {
    let sponsor_side = viewer == row.sponsor_organization_id;
    let named =
        sponsor_side || !row.sponsor_name_withheld || row.confidentiality_accepted_at.is_some();
    Ok(Rfi {
        id: row.id.clone(),
        request_id: row.request_id.clone(),
        program_id: sponsor_side.then(|| row.program_id.clone()),
        sponsor_organization_id: named.then(|| row.sponsor_organization_id.clone()),
        sponsor_organization_name: named.then(|| names.name_of(&row.sponsor_organization_id)),
        sponsor_name_withheld: row.sponsor_name_withheld,
        cdmo_organization_id: row.cdmo_organization_id.clone(),
        cdmo_organization_name: names.name_of(&row.cdmo_organization_id),
        disclosure: parse::<RfiDisclosure>(&row.disclosure)?,
        program: parse::<RfiProgram>(&row.program)?,
        message: row.message.clone(),
        response_deadline: utc(row.response_deadline),
        state: row.state_at(at),
        confidentiality_accepted_at: row.confidentiality_accepted_at.map(utc),
        confidentiality_accepted_by: row.confidentiality_accepted_by.clone(),
        decline_reason: row.decline_reason.clone(),
        quote_id,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// A quote as both its parties see it at `at`.
fn quote_view(
    row: &QuoteRow,
    names: &OrganizationNames,
    at: NaiveDateTime,
) -> Result<Quote, ApiError> {
    Ok(Quote {
        state: row.state_at(at),
        ..stored_quote(row, names)?
    })
}

/// A quote in the state last recorded, whatever the clock says: what a report shows, so
/// that it depends on stored data only (a submitted quote past `valid_until` reads
/// `submitted` until the sweep expires it; the report prints `valid_until` beside it).
pub(crate) fn stored_quote(row: &QuoteRow, names: &OrganizationNames) -> Result<Quote, ApiError> {
    Ok(Quote {
        id: row.id.clone(),
        rfi_id: row.rfi_id.clone(),
        request_id: row.request_id.clone(),
        cdmo_organization_id: row.cdmo_organization_id.clone(),
        cdmo_organization_name: names.name_of(&row.cdmo_organization_id),
        price_per_batch: u64::try_from(row.price_per_batch).unwrap_or(0),
        currency: row.currency.clone(),
        tech_transfer_cost: row.tech_transfer_cost.and_then(|c| u64::try_from(c).ok()),
        tech_transfer_weeks: row.tech_transfer_weeks.and_then(|w| u32::try_from(w).ok()),
        slots_offered: parse::<Vec<OfferedSlots>>(&row.slots_offered)?,
        valid_until: utc(row.valid_until),
        assumptions: row.assumptions.clone(),
        attachments: parse::<Vec<QuoteAttachment>>(&row.attachments)?,
        state: row.state,
        decline_reason: row.decline_reason.clone(),
        reservation_ids: parse::<Vec<String>>(&row.reservation_ids)?,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

fn party_names(
    conn: &mut DbConnection,
    sponsor: &str,
    cdmo: &str,
) -> Result<OrganizationNames, ApiError> {
    Ok(accounts::organization_names(conn, [sponsor, cdmo])?)
}

/// Records an RFI's change for its sponsor and its CDMO, each with its own view.
fn record_rfi(
    conn: &mut DbConnection,
    event_type: EventType,
    rows: &[RfiRow],
    actor: Option<EventActor>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut new = Vec::with_capacity(rows.len() * 2);
    for row in rows {
        let names = party_names(
            conn,
            &row.sponsor_organization_id,
            &row.cdmo_organization_id,
        )?;
        let quote_id = stored::quote_of(conn, &row.id)?.map(|q| q.id);
        let change = Change::new(event_type, EventObjectKind::Rfi, &row.id, actor.clone());
        for viewer in [&row.sponsor_organization_id, &row.cdmo_organization_id] {
            let view = rfi_view(row, viewer, &names, quote_id.clone(), at)?;
            new.push(change.to(viewer, &view)?);
        }
    }
    events::record(conn, new, at)?;
    Ok(())
}

/// Records a quote's change for its sponsor and its CDMO, who see it alike.
fn record_quote(
    conn: &mut DbConnection,
    event_type: EventType,
    row: &QuoteRow,
    actor: Option<EventActor>,
    at: NaiveDateTime,
) -> Result<Quote, ApiError> {
    let names = party_names(
        conn,
        &row.sponsor_organization_id,
        &row.cdmo_organization_id,
    )?;
    let view = quote_view(row, &names, at)?;
    let change = Change::new(event_type, EventObjectKind::Quote, &row.id, actor);
    events::record(
        conn,
        vec![
            change.to(&row.sponsor_organization_id, &view)?,
            change.to(&row.cdmo_organization_id, &view)?,
        ],
        at,
    )?;
    Ok(view)
}

/// Sends an RFI about one of the caller's programmes to each CDMO named: one RFI per
/// CDMO, sharing a request id.
pub async fn send(
    state: &AppState,
    principal: &Principal,
    mut request: NewRfi,
) -> Result<SentRfis, ApiError> {
    let sponsor = principal.organization_id.clone();
    authorize(principal, Action::SendRfi, Resource::OwnedBy(&sponsor))?;
    let at = now();
    let errors = check_rfi(&mut request, at);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let actor = events::actor(principal);
    let created_by = principal.id.clone();
    state
        .db
        .write_or_refuse(move |c| -> Result<SentRfis, ApiError> {
            let program =
                programs::find_program(c, &sponsor, &request.program_id).map_err(|_| {
                    ApiError::invalid_field("program_id", "no such programme in your organisation")
                })?;
            let document = documents::decode_program(&program.document)?;
            let mut errors = Vec::new();
            for (i, id) in request.cdmo_organization_ids.iter().enumerate() {
                let is_cdmo = match accounts::find_organization(c, id) {
                    Ok(org) => org.kind == OrganizationKind::Cdmo,
                    Err(StoreError::NotFound) => false,
                    Err(other) => return Err(other.into()),
                };
                if !is_cdmo {
                    errors.push(cdmx_sdk::types::FieldError {
                        field: format!("cdmo_organization_ids[{i}]"),
                        message: "no such CDMO organisation".into(),
                    });
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let disclosure = json(&request.disclose)?;
            let disclosed = json(&disclosed_program(&request, &document))?;
            let request_id = new_id();
            let rows: Vec<RfiRow> = request
                .cdmo_organization_ids
                .iter()
                .map(|cdmo| RfiRow {
                    id: new_id(),
                    request_id: request_id.clone(),
                    sponsor_organization_id: sponsor.clone(),
                    cdmo_organization_id: cdmo.clone(),
                    program_id: program.id.clone(),
                    disclosure: disclosure.clone(),
                    program: disclosed.clone(),
                    sponsor_name_withheld: request.withhold_sponsor_name,
                    message: request.message.clone(),
                    response_deadline: stored_time(request.response_deadline),
                    state: RfiState::Open,
                    confidentiality_accepted_at: None,
                    confidentiality_accepted_by: None,
                    decline_reason: None,
                    created_by: created_by.clone(),
                    created_at: at,
                    updated_at: at,
                })
                .collect();
            stored::insert_rfis(c, &rows)?;
            record_rfi(c, EventType::RfiSent, &rows, Some(actor), at)?;
            let names = accounts::organization_names(
                c,
                rows.iter()
                    .map(|r| r.cdmo_organization_id.as_str())
                    .chain([sponsor.as_str()]),
            )?;
            let rfis = rows
                .iter()
                .map(|row| rfi_view(row, &sponsor, &names, None, at))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(SentRfis { request_id, rfis })
        })
        .await
}

/// The caller's RFIs: those a sponsor sent, or a CDMO's inbox.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: RfiFilter,
) -> Result<Page<Rfi>, ApiError> {
    authorize(principal, Action::ListRfis, Resource::Marketplace)?;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let viewer = principal.organization_id.clone();
    let party = match principal.organization_kind {
        OrganizationKind::Cdmo => RfiParty::Cdmo(viewer.clone()),
        _ => RfiParty::Sponsor(viewer.clone()),
    };
    let at = now();
    let wanted = filter.state;
    let (rows, names, quote_ids) = state
        .db
        .run(move |c| {
            let rows = stored::list_rfis(c, &party, wanted, &keyset, at)?;
            let names = accounts::organization_names(
                c,
                rows.iter().flat_map(|r| {
                    [
                        r.sponsor_organization_id.as_str(),
                        r.cdmo_organization_id.as_str(),
                    ]
                }),
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let quote_ids = stored::quote_ids_of(c, &ids)?;
            Ok((rows, names, quote_ids))
        })
        .await?;
    page.page(
        rows,
        |r| &r.id,
        |r| rfi_view(&r, &viewer, &names, quote_ids.get(&r.id).cloned(), at),
    )
}

/// Loads an RFI the caller is a party to and authorizes `action` on it.
async fn load_rfi(
    state: &AppState,
    principal: &Principal,
    id: String,
    action: Action,
) -> Result<RfiRow, ApiError> {
    let viewer = principal.organization_id.clone();
    let row = state
        .db
        .run(move |c| stored::find_rfi(c, &viewer, &id))
        .await?;
    authorize(
        principal,
        action,
        Resource::Rfi {
            sponsor: &row.sponsor_organization_id,
            cdmo: &row.cdmo_organization_id,
        },
    )?;
    Ok(row)
}

/// An RFI as the caller sees it, read in `conn`.
fn rfi_for(
    conn: &mut DbConnection,
    viewer: &str,
    id: &str,
    at: NaiveDateTime,
) -> Result<Rfi, ApiError> {
    let row = stored::find_rfi(conn, viewer, id)?;
    let names = party_names(
        conn,
        &row.sponsor_organization_id,
        &row.cdmo_organization_id,
    )?;
    let quote_id = stored::quote_of(conn, &row.id)?.map(|q| q.id);
    rfi_view(&row, viewer, &names, quote_id, at)
}

/// One RFI the caller is a party to, as its side sees it.
pub async fn get(state: &AppState, principal: &Principal, id: String) -> Result<Rfi, ApiError> {
    load_rfi(state, principal, id.clone(), Action::ReadRfi).await?;
    let viewer = principal.organization_id.clone();
    let at = now();
    state
        .db
        .run(move |c| Ok(rfi_for(c, &viewer, &id, at)))
        .await?
}

/// 409 naming where an RFI stands, when it may no longer be answered.
fn not_open(state: RfiState) -> ApiError {
    ApiError::Conflict(format!("the RFI is {state}: it can no longer be answered"))
}

/// The CDMO accepts the RFI's confidentiality agreement: the sponsor's name is shown to
/// it from then on. Accepting again changes nothing.
pub async fn accept_confidentiality(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Rfi, ApiError> {
    load_rfi(state, principal, id.clone(), Action::RespondToRfi).await?;
    let (viewer, by, actor, at) = (
        principal.organization_id.clone(),
        principal.id.clone(),
        events::actor(principal),
        now(),
    );
    state
        .db
        .write_or_refuse(move |c| -> Result<Rfi, ApiError> {
            let row = stored::find_rfi(c, &viewer, &id)?;
            if row.confidentiality_accepted_at.is_none() {
                if row.state_at(at) == RfiState::Expired {
                    return Err(not_open(RfiState::Expired));
                }
                if stored::accept_confidentiality(c, &id, &by, at)? {
                    let row = stored::find_rfi(c, &viewer, &id)?;
                    record_rfi(
                        c,
                        EventType::RfiConfidentialityAccepted,
                        &[row],
                        Some(actor),
                        at,
                    )?;
                }
            }
            rfi_for(c, &viewer, &id, at)
        })
        .await
}

/// Who declines, why and when, checked before the transaction.
struct Declining {
    viewer: String,
    actor: EventActor,
    reason: String,
    at: NaiveDateTime,
}

/// Checks the reason of a party's refusal, then runs `declined` with it in a write
/// transaction.
async fn decline_with<T, F>(
    state: &AppState,
    principal: &Principal,
    request: &DeclineRequest,
    declined: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection, Declining) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let reason = check_reason(&request.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let declining = Declining {
        viewer: principal.organization_id.clone(),
        actor: events::actor(principal),
        reason,
        at: now(),
    };
    state
        .db
        .write_or_refuse(move |c| declined(c, declining))
        .await
}

/// The CDMO declines to quote, saying why.
pub async fn decline(
    state: &AppState,
    principal: &Principal,
    id: String,
    request: DeclineRequest,
) -> Result<Rfi, ApiError> {
    load_rfi(state, principal, id.clone(), Action::RespondToRfi).await?;
    decline_with(state, principal, &request, move |c, d| {
        let current = stored::find_rfi(c, &d.viewer, &id)?.state_at(d.at);
        let moved = current == RfiState::Open
            && stored::move_rfi(
                c,
                &id,
                RfiState::Open,
                RfiState::Declined,
                Some(d.reason.as_str()),
                d.at,
            )?;
        if !moved {
            return Err(not_open(current));
        }
        let row = stored::find_rfi(c, &d.viewer, &id)?;
        record_rfi(c, EventType::RfiDeclined, &[row], Some(d.actor), d.at)?;
        rfi_for(c, &d.viewer, &id, d.at)
    })
    .await
}

/// The CDMO answers an RFI with a quote offering slots of its own published capacity,
/// which must be free now; a bad offer is refused naming the field, writing nothing.
pub async fn submit_quote(
    state: &AppState,
    principal: &Principal,
    rfi_id: String,
    mut request: NewQuote,
) -> Result<Quote, ApiError> {
    let rfi = load_rfi(state, principal, rfi_id, Action::RespondToRfi).await?;
    let at = now();
    let errors = check_quote(&mut request, at);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (actor, created_by) = (events::actor(principal), principal.id.clone());
    state
        .db
        .write_or_refuse(move |c| -> Result<Quote, ApiError> {
            let current = stored::find_rfi(c, &rfi.cdmo_organization_id, &rfi.id)?;
            let current_state = current.state_at(at);
            if current_state != RfiState::Open {
                return Err(not_open(current_state));
            }
            let mut errors = Vec::new();
            let mut offered = Vec::with_capacity(request.slots_offered.len());
            for (i, offer) in request.slots_offered.iter().enumerate() {
                let block = match crate::db::capacity::find_block(c, &offer.capacity_id) {
                    Ok(block) if block.organization_id == current.cdmo_organization_id => block,
                    Ok(_) => {
                        errors.push(cdmx_sdk::types::FieldError {
                            field: format!("slots_offered[{i}].capacity_id"),
                            message: "is another organisation's capacity block: offer your own"
                                .into(),
                        });
                        continue;
                    }
                    Err(StoreError::NotFound) => {
                        errors.push(cdmx_sdk::types::FieldError {
                            field: format!("slots_offered[{i}].capacity_id"),
                            message: "no such capacity block".into(),
                        });
                        continue;
                    }
                    Err(other) => return Err(other.into()),
                };
                if !holds::find_hold_target(c, &block.id)?.takes_new_holds(at.date()) {
                    errors.push(cdmx_sdk::types::FieldError {
                        field: format!("slots_offered[{i}].capacity_id"),
                        message: "belongs to a profile you have taken off the market: \
                                  relist it before offering its slots"
                            .into(),
                    });
                    continue;
                }
                let free = block.slots_total - block.slots_held - block.slots_confirmed;
                if i64::from(offer.slots) > i64::from(free) {
                    errors.push(cdmx_sdk::types::FieldError {
                        field: format!("slots_offered[{i}].slots"),
                        message: format!("the block has {} free slot(s)", free.max(0)),
                    });
                    continue;
                }
                offered.push(OfferedSlots {
                    capacity_id: block.id,
                    slots: offer.slots,
                    slot_kind: block.slot_kind,
                    period_start: block.period_start.0,
                    period_end: block.period_end.0,
                });
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            if !stored::move_rfi(c, &current.id, RfiState::Open, RfiState::Quoted, None, at)? {
                return Err(not_open(current_state));
            }
            let row = QuoteRow {
                id: new_id(),
                rfi_id: current.id.clone(),
                request_id: current.request_id.clone(),
                sponsor_organization_id: current.sponsor_organization_id.clone(),
                cdmo_organization_id: current.cdmo_organization_id.clone(),
                program_id: current.program_id.clone(),
                price_per_batch: i64::try_from(request.price_per_batch)
                    .map_err(ApiError::internal)?,
                currency: request.currency.clone(),
                tech_transfer_cost: request
                    .tech_transfer_cost
                    .map(i64::try_from)
                    .transpose()
                    .map_err(ApiError::internal)?,
                tech_transfer_weeks: request
                    .tech_transfer_weeks
                    .map(i32::try_from)
                    .transpose()
                    .map_err(ApiError::internal)?,
                slots_offered: json(&offered)?,
                valid_until: stored_time(request.valid_until),
                assumptions: request.assumptions.clone(),
                attachments: json(&request.attachments)?,
                state: QuoteState::Submitted,
                decline_reason: None,
                reservation_ids: "[]".into(),
                created_by,
                created_at: at,
                updated_at: at,
            };
            stored::insert_quote(c, &row)?;
            record_quote(c, EventType::QuoteSubmitted, &row, Some(actor), at)
        })
        .await
}

/// Loads a quote the caller is a party to and authorizes `action` on it.
async fn load_quote(
    state: &AppState,
    principal: &Principal,
    id: String,
    action: Action,
) -> Result<QuoteRow, ApiError> {
    let viewer = principal.organization_id.clone();
    let row = state
        .db
        .run(move |c| stored::find_quote(c, &viewer, &id))
        .await?;
    authorize(
        principal,
        action,
        Resource::Rfi {
            sponsor: &row.sponsor_organization_id,
            cdmo: &row.cdmo_organization_id,
        },
    )?;
    Ok(row)
}

/// One quote the caller is a party to.
pub async fn get_quote(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Quote, ApiError> {
    let row = load_quote(state, principal, id, Action::ReadRfi).await?;
    let at = now();
    state
        .db
        .run(move |c| {
            let names = party_names(c, &row.sponsor_organization_id, &row.cdmo_organization_id);
            Ok(names.and_then(|names| quote_view(&row, &names, at)))
        })
        .await?
}

/// 409 naming where a quote stands, when it may no longer be decided.
fn not_submitted(state: QuoteState) -> ApiError {
    ApiError::Conflict(format!(
        "the quote is {state}: it can no longer be accepted or declined"
    ))
}

/// The sponsor accepts a quote: in one transaction, the request's award (a second
/// acceptance of any quote of the same request is refused), the quote, and a hold of
/// exactly the offered slots of each block, all or nothing.
pub async fn accept_quote(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Quote, ApiError> {
    load_quote(state, principal, id.clone(), Action::DecideQuote).await?;
    let (viewer, actor_id, actor, at, limits) = (
        principal.organization_id.clone(),
        principal.id.clone(),
        events::actor(principal),
        now(),
        state.hold_limits,
    );
    state
        .db
        .write_or_refuse(move |c| -> Result<Quote, ApiError> {
            let quote = stored::find_quote(c, &viewer, &id)?;
            let current = quote.state_at(at);
            if current != QuoteState::Submitted {
                return Err(not_submitted(current));
            }
            if !stored::claim_award(c, &quote.request_id, &quote.id, at)? {
                return Err(ApiError::Conflict(
                    "a quote of this request has been accepted already".into(),
                ));
            }
            let rfi = stored::find_rfi(c, &viewer, &quote.rfi_id)?;
            let summary = parse::<RfiProgram>(&rfi.program)?.summary;
            let offered = parse::<Vec<OfferedSlots>>(&quote.slots_offered)?;
            let mut holds = Vec::with_capacity(offered.len());
            for offer in &offered {
                let target = match holds::find_hold_target(c, &offer.capacity_id) {
                    Ok(target) if target.cdmo_organization_id == quote.cdmo_organization_id => {
                        target
                    }
                    Ok(_) | Err(StoreError::NotFound) => {
                        return Err(ApiError::Conflict(format!(
                            "the offered slots of capacity block {} are no longer free: nothing was held",
                            offer.capacity_id
                        )));
                    }
                    Err(other) => return Err(other.into()),
                };
                let hold = NewHold {
                    block_id: offer.capacity_id.clone(),
                    sponsor_organization_id: quote.sponsor_organization_id.clone(),
                    program_id: Some(quote.program_id.clone()),
                    slots: i32::try_from(offer.slots).map_err(ApiError::internal)?,
                    note: Some(format!("Accepted quote {}", quote.id)),
                    shared_summary: summary.clone(),
                    actor: actor_id.clone(),
                };
                let row = hold.reservation(new_id(), &target.cdmo_organization_id, limits.ttl, at);
                holds.push(BlockHold { target, row });
            }
            let holds = insert_holds(c, holds, &actor_id, limits, at)?;
            let ids: Vec<&str> = holds.placed.iter().map(|r| r.id.as_str()).collect();
            if !stored::decide_quote(c, &id, QuoteState::Accepted, None, &json(&ids)?, at)? {
                return Err(not_submitted(current));
            }
            record_holds(c, &holds, actor.clone(), at)?;
            let quote = stored::find_quote(c, &viewer, &id)?;
            record_quote(c, EventType::QuoteAccepted, &quote, Some(actor), at)
        })
        .await
}

/// The sponsor declines a quote, saying why.
pub async fn decline_quote(
    state: &AppState,
    principal: &Principal,
    id: String,
    request: DeclineRequest,
) -> Result<Quote, ApiError> {
    load_quote(state, principal, id.clone(), Action::DecideQuote).await?;
    decline_with(state, principal, &request, move |c, d| {
        let current = stored::find_quote(c, &d.viewer, &id)?.state_at(d.at);
        let decided = current == QuoteState::Submitted
            && stored::decide_quote(
                c,
                &id,
                QuoteState::Declined,
                Some(d.reason.as_str()),
                "[]",
                d.at,
            )?;
        if !decided {
            return Err(not_submitted(current));
        }
        let quote = stored::find_quote(c, &d.viewer, &id)?;
        record_quote(c, EventType::QuoteDeclined, &quote, Some(d.actor), d.at)
    })
    .await
}

/// The quotes on one of the caller's programmes, side by side, oldest first, a page at
/// a time.
pub async fn program_quotes(
    state: &AppState,
    principal: &Principal,
    program_id: String,
    params: PageParams,
) -> Result<Page<Quote>, ApiError> {
    let sponsor = principal.organization_id.clone();
    authorize(principal, Action::ReadPrograms, Resource::OwnedBy(&sponsor))?;
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let at = now();
    let (rows, names) = state
        .db
        .run(move |c| {
            programs::find_program(c, &sponsor, &program_id)?;
            let rows = stored::quotes_of_program(c, &sponsor, &program_id, &keyset)?;
            let names = accounts::organization_names(
                c,
                rows.iter().map(|r| r.cdmo_organization_id.as_str()),
            )?;
            Ok((rows, names))
        })
        .await?;
    page.page(rows, |r| &r.id, |r| quote_view(&r, &names, at))
}

/// Expires the lapsed open RFIs and submitted quotes (the background sweep), each in a
/// transaction of its own with its events. Returns how many it expired.
pub fn expire_lapsed(conn: &mut DbConnection, at: NaiveDateTime) -> Result<usize, ApiError> {
    let mut expired = 0;
    for rfi in stored::due_rfis(conn, at, SWEEP_BATCH)? {
        expired += crate::db::write_transaction_or_refuse(conn, |c| -> Result<usize, ApiError> {
            if !stored::expire_rfi(c, &rfi.id, at)? {
                return Ok(0);
            }
            let row = RfiRow {
                state: RfiState::Expired,
                updated_at: at,
                ..rfi.clone()
            };
            record_rfi(c, EventType::RfiExpired, &[row], None, at)?;
            Ok(1)
        })?;
    }
    for quote in stored::due_quotes(conn, at, SWEEP_BATCH)? {
        expired += crate::db::write_transaction_or_refuse(conn, |c| -> Result<usize, ApiError> {
            if !stored::expire_quote(c, &quote.id, at)? {
                return Ok(0);
            }
            let row = QuoteRow {
                state: QuoteState::Expired,
                updated_at: at,
                ..quote.clone()
            };
            record_quote(c, EventType::QuoteExpired, &row, None, at)?;
            Ok(1)
        })?;
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_stored_quote_keeps_its_recorded_state_where_the_view_reads_the_clock() {
        let day = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
        };
        let row = QuoteRow {
            id: "quote-1".into(),
            rfi_id: "rfi-1".into(),
            request_id: "request-1".into(),
            sponsor_organization_id: "sponsor".into(),
            cdmo_organization_id: "cdmo".into(),
            program_id: "program-1".into(),
            price_per_batch: 180_000,
            currency: "EUR".into(),
            tech_transfer_cost: None,
            tech_transfer_weeks: None,
            slots_offered: "[]".into(),
            valid_until: day(10),
            assumptions: None,
            attachments: "[]".into(),
            state: QuoteState::Submitted,
            decline_reason: None,
            reservation_ids: "[]".into(),
            created_by: "user".into(),
            created_at: day(1),
            updated_at: day(1),
        };
        let names = OrganizationNames::default();
        // Past its validity, not yet swept.
        assert_eq!(
            quote_view(&row, &names, day(20)).unwrap().state,
            QuoteState::Expired
        );
        let stored = stored_quote(&row, &names).unwrap();
        assert_eq!(stored.state, QuoteState::Submitted);
        assert_eq!(stored.valid_until, day(10).and_utc());
    }
}
