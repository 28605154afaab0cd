//! Unlisting: a CDMO takes its profile off the market (out of search and new matches)
//! with a reason, and optionally a day on which it comes back by itself.
//!
//! Whether a profile is listed is judged against a date, never by a background job: an
//! unlisting whose relist day has come simply stops counting.

use cdmx_sdk::types::{ListingStatus, ProfileListing, UnlistReason, UnlistRequest};
use chrono::{DateTime, NaiveDate, Utc};

use super::{Violations, input};

/// The longest note on an unlisting, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// What an unlisting says: why, in more words, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlistTerms {
    pub reason: UnlistReason,
    pub note: Option<String>,
    pub relist_on: Option<NaiveDate>,
}

impl UnlistTerms {
    /// Validates a request on `today`: a note of at most [`NOTE_MAX_CHARS`] (required
    /// for `other`), and a relist day after today.
    pub fn parse(request: UnlistRequest, today: NaiveDate) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let note = match request
            .note
            .as_deref()
            .map(|n| input::parse_note(n, NOTE_MAX_CHARS))
        {
            Some(Err(message)) => {
                v.add("note", message);
                None
            }
            Some(Ok(note)) => Some(note).filter(|n| !n.is_empty()),
            None => None,
        };
        if request.reason == UnlistReason::Other && note.is_none() {
            v.add("note", "say why when the reason is `other`");
        }
        input::check_optional_date(&mut v, "relist_on", request.relist_on);
        if let Some(day) = request.relist_on
            && day <= today
        {
            v.add(
                "relist_on",
                format!("must be after today ({today}); relist now instead"),
            );
        }
        v.into_result(|| {
            Some(Self {
                reason: request.reason,
                note,
                relist_on: request.relist_on,
            })
        })
    }
}

/// A profile's stored unlisting: its terms and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlisting {
    pub terms: UnlistTerms,
    pub since: DateTime<Utc>,
}

impl Unlisting {
    /// Whether it still keeps the profile off the market on `today`: until its relist
    /// day, or for good without one.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.terms.relist_on.is_none_or(|day| today < day)
    }
}

/// Whether a profile with this unlisting (if any) is on the market on `today`.
pub fn is_listed(unlisting: Option<&Unlisting>, today: NaiveDate) -> bool {
    !unlisting.is_some_and(|u| u.in_force(today))
}

/// The listing state a profile shows on `today`.
pub fn listing_view(unlisting: Option<&Unlisting>, today: NaiveDate) -> ProfileListing {
    match unlisting {
        Some(u) if u.in_force(today) => ProfileListing {
            status: ListingStatus::Unlisted,
            reason: Some(u.terms.reason),
            note: u.terms.note.clone(),
            since: Some(u.since),
            relist_on: u.terms.relist_on,
        },
        _ => ProfileListing::listed(),
    }
}

/// What an unlist request does to a profile on `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlistOutcome {
    /// The profile is already unlisted on exactly these terms: nothing to record.
    Unchanged,
    /// A new unlisting, or new terms for the current one (which keeps its `since`).
    Record { since: DateTime<Utc> },
}

/// Decides an unlist request: repeating it changes nothing, so it is idempotent.
pub fn unlist(
    current: Option<&Unlisting>,
    terms: &UnlistTerms,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> UnlistOutcome {
    match current {
        Some(u) if u.in_force(today) && u.terms == *terms => UnlistOutcome::Unchanged,
        Some(u) if u.in_force(today) => UnlistOutcome::Record { since: u.since },
        _ => UnlistOutcome::Record { since: now },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn request(reason: UnlistReason, note: Option<&str>, relist_on: Option<&str>) -> UnlistRequest {
        UnlistRequest {
            reason,
            note: note.map(str::to_owned),
            relist_on: relist_on.map(day),
        }
    }

    fn fields(result: Result<UnlistTerms, Violations>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    fn unlisting(relist_on: Option<&str>) -> Unlisting {
        Unlisting {
            terms: UnlistTerms {
                reason: UnlistReason::IntakePaused,
                note: None,
                relist_on: relist_on.map(day),
            },
            since: "2026-03-01T09:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn terms_trim_the_note_and_need_one_for_other() {
        let today = day("2026-03-10");
        let terms = UnlistTerms::parse(
            request(UnlistReason::SiteClosed, Some("  Lyon closes  "), None),
            today,
        )
        .unwrap();
        assert_eq!(terms.note.as_deref(), Some("Lyon closes"));
        let blank = UnlistTerms::parse(request(UnlistReason::SiteClosed, Some("  "), None), today);
        assert_eq!(blank.unwrap().note, None);
        assert_eq!(
            fields(UnlistTerms::parse(
                request(UnlistReason::Other, Some(" "), None),
                today
            )),
            ["note"]
        );
        let long = "x".repeat(NOTE_MAX_CHARS + 1);
        assert_eq!(
            fields(UnlistTerms::parse(
                request(UnlistReason::IntakePaused, Some(&long), None),
                today
            )),
            ["note"]
        );
        assert!(
            UnlistTerms::parse(
                request(
                    UnlistReason::IntakePaused,
                    Some(&"x".repeat(NOTE_MAX_CHARS)),
                    None
                ),
                today
            )
            .is_ok()
        );
    }

    #[test]
    fn the_relist_day_must_be_after_today() {
        let today = day("2026-03-10");
        for past in ["2026-03-09", "2026-03-10"] {
            assert_eq!(
                fields(UnlistTerms::parse(
                    request(UnlistReason::IntakePaused, None, Some(past)),
                    today
                )),
                ["relist_on"],
                "{past}"
            );
        }
        let terms = UnlistTerms::parse(
            request(UnlistReason::IntakePaused, None, Some("2026-03-11")),
            today,
        )
        .unwrap();
        assert_eq!(terms.relist_on, Some(day("2026-03-11")));
        // Every problem at once.
        assert_eq!(
            fields(UnlistTerms::parse(
                request(UnlistReason::Other, None, Some("2026-01-01")),
                today
            )),
            ["note", "relist_on"]
        );
    }

    #[test]
    fn an_unlisting_holds_until_its_relist_day_and_for_good_without_one() {
        let until = unlisting(Some("2026-04-01"));
        assert!(!is_listed(Some(&until), day("2026-03-31")));
        assert!(is_listed(Some(&until), day("2026-04-01")));
        assert!(is_listed(Some(&until), day("2027-01-01")));
        let for_good = unlisting(None);
        assert!(!is_listed(Some(&for_good), day("2030-01-01")));
        assert!(is_listed(None, day("2026-03-31")));
    }

    #[test]
    fn the_view_shows_the_unlisting_only_while_it_holds() {
        let until = unlisting(Some("2026-04-01"));
        let view = listing_view(Some(&until), day("2026-03-31"));
        assert_eq!(view.status, ListingStatus::Unlisted);
        assert_eq!(view.reason, Some(UnlistReason::IntakePaused));
        assert_eq!(view.since, Some(until.since));
        assert_eq!(view.relist_on, Some(day("2026-04-01")));
        assert_eq!(
            listing_view(Some(&until), day("2026-04-01")),
            ProfileListing::listed()
        );
        assert_eq!(
            listing_view(None, day("2026-04-01")),
            ProfileListing::listed()
        );
    }

    #[test]
    fn unlisting_again_on_the_same_terms_changes_nothing_and_new_terms_keep_since() {
        let today = day("2026-03-10");
        let now: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().unwrap();
        let current = unlisting(Some("2026-04-01"));
        assert_eq!(
            unlist(Some(&current), &current.terms, today, now),
            UnlistOutcome::Unchanged
        );
        let later = UnlistTerms {
            relist_on: Some(day("2026-05-01")),
            ..current.terms.clone()
        };
        assert_eq!(
            unlist(Some(&current), &later, today, now),
            UnlistOutcome::Record {
                since: current.since
            }
        );
        // A lapsed unlisting is no unlisting: the same terms start a new one.
        assert_eq!(
            unlist(Some(&current), &current.terms, day("2026-04-02"), now),
            UnlistOutcome::Record { since: now }
        );
        assert_eq!(
            unlist(None, &current.terms, today, now),
            UnlistOutcome::Record { since: now }
        );
    }
}
