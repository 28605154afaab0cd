//! The terms of a share link: an optional label and a lifetime in days.

use cdmx_sdk::types::{
    DEFAULT_SHARE_LINK_DAYS, MAX_SHARE_LINK_DAYS, MAX_SHARE_LINK_LABEL_CHARS, NewShareLink,
};

use super::Violations;
use super::input;

/// What a new share link is, once valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareTerms {
    pub label: Option<String>,
    /// 1 to [`MAX_SHARE_LINK_DAYS`].
    pub days: u32,
}

impl ShareTerms {
    pub fn parse(request: NewShareLink) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let label = match request.label.as_deref() {
            None => Some(None),
            Some(raw) => v
                .check("label", input::parse_name(raw, MAX_SHARE_LINK_LABEL_CHARS))
                .map(Some),
        };
        let days = request.expires_in_days.unwrap_or(DEFAULT_SHARE_LINK_DAYS);
        if !(1..=MAX_SHARE_LINK_DAYS).contains(&days) {
            v.add(
                "expires_in_days",
                format!("must be between 1 and {MAX_SHARE_LINK_DAYS}"),
            );
        }
        v.into_result(|| {
            Some(Self {
                label: label?,
                days,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_last_two_weeks_unless_told_and_at_most_ninety_days() {
        let terms = ShareTerms::parse(NewShareLink::default()).unwrap();
        assert_eq!((terms.label, terms.days), (None, 14));
        let terms = ShareTerms::parse(NewShareLink {
            label: Some(" Steering committee ".into()),
            expires_in_days: Some(90),
        })
        .unwrap();
        assert_eq!(terms.label.as_deref(), Some("Steering committee"));
        for days in [0, 91] {
            assert!(
                ShareTerms::parse(NewShareLink {
                    label: Some(String::new()),
                    expires_in_days: Some(days),
                })
                .unwrap_err()
                .into_iter()
                .map(|v| v.field)
                .eq(["label", "expires_in_days"])
            );
        }
    }
}
