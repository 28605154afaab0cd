//! The edges every request's text and dates must stay within, shared by all validation:
//! human names and labels, free-text notes, and calendar dates.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::Violations;

/// The earliest date a request may name.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};
/// The latest date a request may name.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

/// Records a violation unless `date` is within [`EARLIEST_DATE`]..=[`LATEST_DATE`]:
/// stored dates are compared as `YYYY-MM-DD` text, which only orders four-digit years.
pub fn check_date(v: &mut Violations, field: &str, date: NaiveDate) {
    if !(EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        v.add(field, "must be between 2000-01-01 and 2100-12-31");
    }
}

/// [`check_date`] for an optional date.
pub fn check_optional_date(v: &mut Violations, field: &str, date: Option<NaiveDate>) {
    if let Some(date) = date {
        check_date(v, field, date);
    }
}

/// Characters that reorder or hide text: bidirectional controls (an override can make a
/// name read differently from what it is) and zero-width characters (two names that
/// look the same but differ).
fn is_invisible_formatting(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Whether text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

fn clean(raw: &str, max_chars: usize, lines: Lines) -> Result<String, String> {
    let text: String = raw.trim().nfc().collect();
    if text.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(lines == Lines::Many && c == '\n'))
    {
        return Err("must not contain control characters".into());
    }
    if text.chars().any(is_invisible_formatting) {
        return Err(
            "must not contain bidirectional controls or zero-width characters (U+200B-U+200F, \
             U+202A-U+202E, U+2060, U+2066-U+2069, U+061C, U+FEFF)"
                .into(),
        );
    }
    Ok(text)
}

/// A human name or label (organisation, user, site, programme, shortlist, suite...):
/// trimmed, NFC-normalised, 1 to `max_chars` characters on one line, without control,
/// bidirectional or zero-width characters.
pub fn parse_name(raw: &str, max_chars: usize) -> Result<String, String> {
    let name = clean(raw, max_chars, Lines::One)?;
    if name.is_empty() {
        return Err("is required".into());
    }
    Ok(name)
}

/// Free text (a note, a description): as a name, but it may span lines and be empty.
pub fn parse_note(raw: &str, max_chars: usize) -> Result<String, String> {
    clean(raw, max_chars, Lines::Many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_stored_composed() {
        assert_eq!(parse_name("  Cafe\u{301} Bio ", 100), Ok("Café Bio".into()));
        assert_eq!(parse_name("Café Bio", 100).unwrap().chars().count(), 8);
    }

    #[test]
    fn names_refuse_reordering_and_invisible_characters() {
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
            '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            let name = format!("Acme{c}Bio");
            assert!(parse_name(&name, 100).is_err(), "U+{:04X}", c as u32);
            assert!(parse_note(&name, 100).is_err(), "U+{:04X}", c as u32);
        }
        assert_eq!(
            parse_name("Acme\u{00A0}Bio", 100),
            Ok("Acme\u{00A0}Bio".into())
        );
    }

    #[test]
    fn names_are_one_line_and_notes_may_be_several() {
        assert!(parse_name("a\nb", 100).is_err());
        assert_eq!(parse_note("a\nb", 100), Ok("a\nb".into()));
        assert!(parse_note("a\tb", 100).is_err());
        assert_eq!(parse_name("   ", 100), Err("is required".into()));
        assert_eq!(parse_note("   ", 100), Ok(String::new()));
    }

    #[test]
    fn length_is_counted_after_composition() {
        let decomposed = "e\u{301}".repeat(3);
        assert_eq!(parse_name(&decomposed, 3), Ok("ééé".into()));
        assert!(parse_name("abcd", 3).is_err());
    }

    #[test]
    fn dates_stay_within_four_digit_years_of_this_century_and_next() {
        let mut v = Violations::new();
        check_date(&mut v, "ok_low", EARLIEST_DATE);
        check_date(&mut v, "ok_high", LATEST_DATE);
        check_date(
            &mut v,
            "low",
            NaiveDate::from_ymd_opt(1999, 12, 31).unwrap(),
        );
        check_date(&mut v, "high", NaiveDate::from_ymd_opt(2101, 1, 1).unwrap());
        check_date(&mut v, "far", NaiveDate::from_ymd_opt(10000, 1, 1).unwrap());
        check_date(&mut v, "zero", NaiveDate::from_ymd_opt(0, 1, 1).unwrap());
        check_optional_date(&mut v, "none", None);
        let fields: Vec<String> = v.into_iter().map(|x| x.field).collect();
        assert_eq!(fields, ["low", "high", "far", "zero"]);
    }
}
