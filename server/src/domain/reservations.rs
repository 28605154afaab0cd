//! The reservation state machine: which transition is legal from which state, and where
//! it leads. Who may ask for a transition (sponsor or CDMO) is the API's business; that
//! the slots are free is the database's (the conditional updates in `db::capacity`, applied by `db::reservations`).
//!
//! ```text
//!            confirm            cancel
//!   held ───────────────► confirmed ──────► cancelled
//!    │ ▲ reschedule            ▲ │ reschedule
//!    │ └──────┘                └─┘
//!    ├── decline ──► declined
//!    ├── cancel ───► cancelled
//!    └── expire ───► expired
//! ```
//!
//! `declined`, `cancelled` and `expired` are terminal: nothing leaves them.

use std::fmt;

use cdmx_sdk::types::ReservationState;
use chrono::NaiveDateTime;

/// Something that happens to a reservation after it is placed as a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// The CDMO makes a hold binding.
    Confirm,
    /// The CDMO turns a hold down.
    Decline,
    /// The sponsor gives up a hold or a confirmed reservation.
    Cancel,
    /// Either party moves a live reservation to another block; the state stays.
    Reschedule,
    /// A hold reaches its expiry unconfirmed (the system, never a party).
    Expire,
}

impl Transition {
    /// Every transition.
    pub const ALL: [Transition; 5] = [
        Self::Confirm,
        Self::Decline,
        Self::Cancel,
        Self::Reschedule,
        Self::Expire,
    ];

    /// The name of the event recorded for it, which also reads as the verb in messages
    /// ("it cannot be confirmed").
    pub fn event(self) -> &'static str {
        match self {
            Self::Confirm => "confirmed",
            Self::Decline => "declined",
            Self::Cancel => "cancelled",
            Self::Reschedule => "rescheduled",
            Self::Expire => "expired",
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.event())
    }
}

/// A transition the current state does not allow. Its message names the current state,
/// which is what the API's 409 tells the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reservation is {current}; it cannot be {attempted}")]
pub struct IllegalTransition {
    pub current: ReservationState,
    pub attempted: Transition,
}

/// The state a reservation is in after `transition`, or why it cannot happen.
pub fn apply(
    state: ReservationState,
    transition: Transition,
) -> Result<ReservationState, IllegalTransition> {
    use ReservationState as S;
    use Transition as T;
    match (state, transition) {
        (S::Held, T::Confirm) => Ok(S::Confirmed),
        (S::Held, T::Decline) => Ok(S::Declined),
        (S::Held | S::Confirmed, T::Cancel) => Ok(S::Cancelled),
        (S::Held | S::Confirmed, T::Reschedule) => Ok(state),
        (S::Held, T::Expire) => Ok(S::Expired),
        _ => Err(IllegalTransition {
            current: state,
            attempted: transition,
        }),
    }
}

/// Whether no transition leaves `state`.
pub fn is_terminal(state: ReservationState) -> bool {
    Transition::ALL.iter().all(|&t| apply(state, t).is_err())
}

/// A stored reservation state as of `now`: a hold past its expiry is expired, whether
/// or not a sweep has recorded it yet.
pub fn state_at(
    stored: ReservationState,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> ReservationState {
    if stored == ReservationState::Held && expires_at <= now {
        apply(stored, Transition::Expire).unwrap_or(stored)
    } else {
        stored
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use ReservationState as S;
    use Transition as T;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    #[test]
    fn every_state_and_transition_pair() {
        // (state, transition, expected next state or None when illegal)
        let table: &[(S, T, Option<S>)] = &[
            (S::Held, T::Confirm, Some(S::Confirmed)),
            (S::Held, T::Decline, Some(S::Declined)),
            (S::Held, T::Cancel, Some(S::Cancelled)),
            (S::Held, T::Reschedule, Some(S::Held)),
            (S::Held, T::Expire, Some(S::Expired)),
            (S::Confirmed, T::Confirm, None),
            (S::Confirmed, T::Decline, None),
            (S::Confirmed, T::Cancel, Some(S::Cancelled)),
            (S::Confirmed, T::Reschedule, Some(S::Confirmed)),
            (S::Confirmed, T::Expire, None),
            (S::Declined, T::Confirm, None),
            (S::Declined, T::Decline, None),
            (S::Declined, T::Cancel, None),
            (S::Declined, T::Reschedule, None),
            (S::Declined, T::Expire, None),
            (S::Cancelled, T::Confirm, None),
            (S::Cancelled, T::Decline, None),
            (S::Cancelled, T::Cancel, None),
            (S::Cancelled, T::Reschedule, None),
            (S::Cancelled, T::Expire, None),
            (S::Expired, T::Confirm, None),
            (S::Expired, T::Decline, None),
            (S::Expired, T::Cancel, None),
            (S::Expired, T::Reschedule, None),
            (S::Expired, T::Expire, None),
        ];
        assert_eq!(table.len(), S::ALL.len() * T::ALL.len());
        for &(state, transition, expected) in table {
            let got = apply(state, transition);
            match expected {
                Some(next) => assert_eq!(got, Ok(next), "{state} + {transition:?}"),
                None => assert_eq!(
                    got,
                    Err(IllegalTransition {
                        current: state,
                        attempted: transition
                    }),
                    "{state} + {transition:?}"
                ),
            }
        }
    }

    #[test]
    fn unknown_allows_nothing() {
        for t in T::ALL {
            assert!(apply(S::Unknown, t).is_err());
        }
    }

    #[test]
    fn terminal_states_are_declined_cancelled_and_expired() {
        let terminal: Vec<S> = S::ALL.iter().copied().filter(|&s| is_terminal(s)).collect();
        assert_eq!(terminal, [S::Declined, S::Cancelled, S::Expired]);
    }

    #[test]
    fn the_conflict_message_names_the_current_state() {
        let e = apply(S::Confirmed, T::Confirm).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the reservation is confirmed; it cannot be confirmed"
        );
        let e = apply(S::Expired, T::Reschedule).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the reservation is expired; it cannot be rescheduled"
        );
    }

    #[test]
    fn a_lapsed_hold_reads_as_expired_before_any_sweep() {
        let t = NaiveDate::from_ymd_opt(2027, 1, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let later = t + chrono::Duration::seconds(1);
        assert_eq!(state_at(S::Held, later, t), S::Held);
        assert_eq!(state_at(S::Held, t, t), S::Expired);
        assert_eq!(state_at(S::Confirmed, t, later), S::Confirmed);
    }

    fn any_transition() -> impl Strategy<Value = Transition> {
        proptest::sample::select(T::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn random_sequences_from_held_follow_the_diagram(
            sequence in proptest::collection::vec(any_transition(), 0..40)
        ) {
            let allowed: BTreeSet<S> = S::ALL.iter().copied().collect();
            let mut state = S::Held;
            let mut ended_in: Option<S> = None;
            for t in sequence {
                match apply(state, t) {
                    Ok(next) => {
                        // Nothing leaves a terminal state.
                        prop_assert!(ended_in.is_none(), "{state} left by {t:?}");
                        // Only the diagram's edges.
                        let edge_ok = matches!(
                            (state, t, next),
                            (S::Held, T::Confirm, S::Confirmed)
                                | (S::Held, T::Decline, S::Declined)
                                | (S::Held | S::Confirmed, T::Cancel, S::Cancelled)
                                | (S::Held, T::Expire, S::Expired)
                        ) || (t == T::Reschedule && next == state);
                        prop_assert!(edge_ok, "{state} -{t:?}-> {next}");
                        // Confirmed is never undone back to held.
                        prop_assert!(!(state == S::Confirmed && next == S::Held));
                        state = next;
                    }
                    Err(e) => {
                        // A rejected transition names the unchanged state.
                        prop_assert_eq!(e.current, state);
                        prop_assert_eq!(e.attempted, t);
                    }
                }
                prop_assert!(allowed.contains(&state));
                if is_terminal(state) {
                    ended_in = Some(state);
                }
            }
        }

        #[test]
        fn reschedule_never_changes_state(state in proptest::sample::select(S::ALL.to_vec())) {
            if let Ok(next) = apply(state, T::Reschedule) {
                prop_assert_eq!(next, state);
            }
        }
    }

    /// Every state is reachable from `held`, and nothing else is.
    #[test]
    fn reachable_states_from_held_match_the_diagram() {
        let mut seen = BTreeSet::from([S::Held]);
        let mut frontier = vec![S::Held];
        while let Some(s) = frontier.pop() {
            for t in T::ALL {
                if let Ok(next) = apply(s, t)
                    && seen.insert(next)
                {
                    frontier.push(next);
                }
            }
        }
        let expected: BTreeSet<S> = [S::Held, S::Confirmed, S::Declined, S::Cancelled, S::Expired]
            .into_iter()
            .collect();
        assert_eq!(seen, expected);
    }
}
