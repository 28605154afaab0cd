//! RFIs, their quotes, and the award that makes one acceptance per request.
//!
//! State changes are conditional on the state read (`WHERE state = ...`), so two
//! transactions never both move the same RFI or quote. An acceptance inserts the
//! request's award first: its key refuses a second acceptance of any quote of the same
//! request, across processes. Lock order: the award, the quote, then what a hold takes
//! (see `reservations`), then the feed counters (see `events`).

use cdmx_sdk::types::{QuoteState, RfiState};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::Keyset;
use super::schema::{quotes, rfi_awards, rfis};
use super::{DbConnection, StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = rfis)]
pub struct RfiRow {
    pub id: String,
    pub request_id: String,
    pub sponsor_organization_id: String,
    pub cdmo_organization_id: String,
    pub program_id: String,
    /// JSON: `RfiDisclosure`.
    pub disclosure: String,
    /// JSON: `RfiProgram`, the disclosed parts.
    pub program: String,
    pub sponsor_name_withheld: bool,
    pub message: Option<String>,
    pub response_deadline: NaiveDateTime,
    pub state: RfiState,
    pub confidentiality_accepted_at: Option<NaiveDateTime>,
    pub confidentiality_accepted_by: Option<String>,
    pub decline_reason: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RfiRow {
    /// The state as of `at`: an open RFI is expired from its deadline on, swept or not.
    pub fn state_at(&self, at: NaiveDateTime) -> RfiState {
        match self.state {
            RfiState::Open if self.response_deadline <= at => RfiState::Expired,
            state => state,
        }
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = quotes)]
pub struct QuoteRow {
    pub id: String,
    pub rfi_id: String,
    pub request_id: String,
    pub sponsor_organization_id: String,
    pub cdmo_organization_id: String,
    pub program_id: String,
    pub price_per_batch: i64,
    pub currency: String,
    pub tech_transfer_cost: Option<i64>,
    pub tech_transfer_weeks: Option<i32>,
    /// JSON: `Vec<OfferedSlots>`.
    pub slots_offered: String,
    pub valid_until: NaiveDateTime,
    pub assumptions: Option<String>,
    /// JSON: `Vec<QuoteAttachment>`.
    pub attachments: String,
    pub state: QuoteState,
    pub decline_reason: Option<String>,
    /// JSON: `Vec<String>`.
    pub reservation_ids: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl QuoteRow {
    /// The state as of `at`: a submitted quote is expired from `valid_until` on.
    pub fn state_at(&self, at: NaiveDateTime) -> QuoteState {
        match self.state {
            QuoteState::Submitted if self.valid_until <= at => QuoteState::Expired,
            state => state,
        }
    }
}

pub fn insert_rfis(conn: &mut DbConnection, rows: &[RfiRow]) -> StoreResult<()> {
    for row in rows {
        diesel::insert_into(rfis::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// An RFI `organization_id` is a party to (sponsor or CDMO); others are not found.
pub fn find_rfi(conn: &mut DbConnection, organization_id: &str, id: &str) -> StoreResult<RfiRow> {
    rfis::table
        .filter(rfis::id.eq(id))
        .filter(
            rfis::sponsor_organization_id
                .eq(organization_id)
                .or(rfis::cdmo_organization_id.eq(organization_id)),
        )
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Whose RFIs a list shows.
#[derive(Debug, Clone)]
pub enum RfiParty {
    Sponsor(String),
    Cdmo(String),
}

/// A page of the RFIs of one party, by id, in state `state` as of `at` (an open RFI
/// past its deadline counts as expired, swept or not).
pub fn list_rfis(
    conn: &mut DbConnection,
    party: &RfiParty,
    state: Option<RfiState>,
    keyset: &Keyset,
    at: NaiveDateTime,
) -> StoreResult<Vec<RfiRow>> {
    let mut query = rfis::table.into_boxed();
    query = match party {
        RfiParty::Sponsor(org) => query.filter(rfis::sponsor_organization_id.eq(org.clone())),
        RfiParty::Cdmo(org) => query.filter(rfis::cdmo_organization_id.eq(org.clone())),
    };
    query = match state {
        None => query,
        Some(RfiState::Open) => query
            .filter(rfis::state.eq(RfiState::Open))
            .filter(rfis::response_deadline.gt(at)),
        Some(RfiState::Expired) => query.filter(
            rfis::state.eq(RfiState::Expired).or(rfis::state
                .eq(RfiState::Open)
                .and(rfis::response_deadline.le(at))),
        ),
        Some(other) => query.filter(rfis::state.eq(other)),
    };
    if let Some(after) = &keyset.after {
        query = query.filter(rfis::id.gt(after.clone()));
    }
    Ok(query.order(rfis::id).limit(keyset.fetch).load(conn)?)
}

/// Moves an RFI from `from` to `to` if it is still in `from` and (for an open one) its
/// deadline has not passed; false when it was not.
pub fn move_rfi(
    conn: &mut DbConnection,
    id: &str,
    from: RfiState,
    to: RfiState,
    decline_reason: Option<&str>,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        rfis::table
            .filter(rfis::id.eq(id))
            .filter(rfis::state.eq(from))
            .filter(rfis::response_deadline.gt(at)),
    )
    .set((
        rfis::state.eq(to),
        rfis::decline_reason.eq(decline_reason),
        rfis::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the CDMO's acceptance of the confidentiality agreement (once; accepting again
/// keeps the first).
pub fn accept_confidentiality(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        rfis::table
            .filter(rfis::id.eq(id))
            .filter(rfis::confidentiality_accepted_at.is_null()),
    )
    .set((
        rfis::confidentiality_accepted_at.eq(Some(at)),
        rfis::confidentiality_accepted_by.eq(Some(by)),
        rfis::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_quote(conn: &mut DbConnection, row: &QuoteRow) -> StoreResult<()> {
    diesel::insert_into(quotes::table)
        .values(row)
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "this RFI has been answered already"))?;
    Ok(())
}

/// A quote `organization_id` is a party to; others are not found.
pub fn find_quote(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StoreResult<QuoteRow> {
    quotes::table
        .filter(quotes::id.eq(id))
        .filter(
            quotes::sponsor_organization_id
                .eq(organization_id)
                .or(quotes::cdmo_organization_id.eq(organization_id)),
        )
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// The quote answering an RFI, if any.
pub fn quote_of(conn: &mut DbConnection, rfi_id: &str) -> StoreResult<Option<QuoteRow>> {
    Ok(quotes::table
        .filter(quotes::rfi_id.eq(rfi_id))
        .first(conn)
        .optional()?)
}

/// The quote ids answering `rfi_ids`, by RFI id.
pub fn quote_ids_of(
    conn: &mut DbConnection,
    rfi_ids: &[String],
) -> StoreResult<std::collections::HashMap<String, String>> {
    Ok(quotes::table
        .filter(quotes::rfi_id.eq_any(rfi_ids))
        .select((quotes::rfi_id, quotes::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// A page of the quotes of a sponsor's programme, oldest first (by id).
pub fn quotes_of_program(
    conn: &mut DbConnection,
    sponsor: &str,
    program_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<QuoteRow>> {
    let mut query = quotes::table
        .filter(quotes::sponsor_organization_id.eq(sponsor))
        .filter(quotes::program_id.eq(program_id))
        .into_boxed();
    if let Some(after) = &keyset.after {
        query = query.filter(quotes::id.gt(after.clone()));
    }
    Ok(query.order(quotes::id).limit(keyset.fetch).load(conn)?)
}

/// Moves a submitted quote, still valid at `at`, to `to`; false when it was not.
pub fn decide_quote(
    conn: &mut DbConnection,
    id: &str,
    to: QuoteState,
    decline_reason: Option<&str>,
    reservation_ids: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        quotes::table
            .filter(quotes::id.eq(id))
            .filter(quotes::state.eq(QuoteState::Submitted))
            .filter(quotes::valid_until.gt(at)),
    )
    .set((
        quotes::state.eq(to),
        quotes::decline_reason.eq(decline_reason),
        quotes::reservation_ids.eq(reservation_ids),
        quotes::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Claims the request's award for `quote_id`; false when a quote of the request was
/// accepted already (or is being accepted: the key waits for the other transaction).
pub fn claim_award(
    conn: &mut DbConnection,
    request_id: &str,
    quote_id: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let claim = diesel::insert_into(rfi_awards::table)
        .values((
            rfi_awards::request_id.eq(request_id),
            rfi_awards::quote_id.eq(quote_id),
            rfi_awards::awarded_at.eq(at),
        ))
        .on_conflict_do_nothing();
    let inserted = on_backend!(conn, |c| claim.execute(c))?;
    Ok(inserted == 1)
}

/// Open RFIs past their deadline (the sweep), oldest first.
pub fn due_rfis(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<RfiRow>> {
    Ok(rfis::table
        .filter(rfis::state.eq(RfiState::Open))
        .filter(rfis::response_deadline.le(at))
        .order(rfis::id)
        .limit(limit)
        .load(conn)?)
}

/// Submitted quotes past their validity (the sweep), oldest first.
pub fn due_quotes(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<QuoteRow>> {
    Ok(quotes::table
        .filter(quotes::state.eq(QuoteState::Submitted))
        .filter(quotes::valid_until.le(at))
        .order(quotes::id)
        .limit(limit)
        .load(conn)?)
}

/// Marks a lapsed open RFI expired; false when something else moved it first.
pub fn expire_rfi(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        rfis::table
            .filter(rfis::id.eq(id))
            .filter(rfis::state.eq(RfiState::Open))
            .filter(rfis::response_deadline.le(at)),
    )
    .set((rfis::state.eq(RfiState::Expired), rfis::updated_at.eq(at)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks a lapsed submitted quote expired; false when something else moved it first.
pub fn expire_quote(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        quotes::table
            .filter(quotes::id.eq(id))
            .filter(quotes::state.eq(QuoteState::Submitted))
            .filter(quotes::valid_until.le(at)),
    )
    .set((
        quotes::state.eq(QuoteState::Expired),
        quotes::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
