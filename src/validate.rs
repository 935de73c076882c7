//! Field validation shared by write operations: each failure is `BAD_USER_INPUT` naming
//! the field.

use crate::error::{AppError, AppResult};

/// A required, trimmed, non-empty text of at most `max` characters.
pub fn text(value: &str, field: &str, max: usize) -> AppResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::bad_input(field, format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max {
        return Err(AppError::bad_input(field, format!("{field} must be at most {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: blank becomes `None`.
pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(v, field, max).map(Some),
    }
}

/// An email address in a plausible shape (the mailbox itself is not checked).
pub fn email(value: &str, field: &str) -> AppResult<String> {
    let v = text(value, field, 254)?;
    let ok = v.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && !v.chars().any(char::is_whitespace);
    if ok { Ok(v) } else { Err(AppError::bad_input(field, format!("{field} must be an email address"))) }
}

/// An http(s) URL.
pub fn url(value: &str, field: &str) -> AppResult<String> {
    let v = text(value, field, 2000)?;
    let ok = (v.starts_with("https://") || v.starts_with("http://")) && !v.chars().any(char::is_whitespace);
    if ok { Ok(v) } else { Err(AppError::bad_input(field, format!("{field} must be an http(s) URL"))) }
}

/// Refuses free text that holds contact details, for text that must carry no personal
/// data: something shaped like a phone number (or any run of seven or more digits, which
/// may as well be a case or identity number) or an e-mail address. A guard against
/// slips, not a proof of anonymity: no pattern recognizes a name. The value is never
/// echoed in the error.
pub fn no_contact_details(value: &str, field: &str, why: &str) -> AppResult<()> {
    use std::sync::LazyLock;

    use regex::Regex;
    static PHONE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?x)
              \+\s?\d(?:[\s.\-()]{0,2}\d){6,14}                                # + and 7 to 15 digits
            | (?:\b1[\s.\-]?)?(?:\(\d{3}\)|\b\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}\b  # (919) 555-0142
            | \b\d{3}[\s.\-]\d{4}\b                                          # 555-0142
            | \b\d{7,}\b                                                      # 7+ digits in a row
            ",
        )
        .expect("phone pattern")
    });
    static EMAIL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+").expect("e-mail pattern"));
    let found = if PHONE.is_match(value) {
        "a phone number"
    } else if EMAIL.is_match(value) {
        "an e-mail address"
    } else {
        return Ok(());
    };
    Err(AppError::bad_input(
        field,
        format!("{field} must hold no personal data {why}; it holds what looks like {found}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_in_failures() {
        for (result, field) in [
            (text("   ", "input.name", 10), "input.name"),
            (text("abcdefghijk", "input.name", 10), "input.name"),
            (email("not-an-email", "input.email"), "input.email"),
            (url("ftp://x", "input.website"), "input.website"),
        ] {
            match result {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(text("  Ok  ", "f", 10).unwrap(), "Ok");
        assert_eq!(optional_text(Some("  "), "f", 10).unwrap(), None);
        assert!(email("intake@harbor.example.org", "f").is_ok());
    }

    #[test]
    fn contact_details_are_found_and_dates_times_and_small_numbers_pass() {
        for text in [
            "Call her back on (919) 555-0142",
            "cell 919.555.0142 after 5",
            "919 555 0142",
            "9195550142",
            "+1 984 555 0142, evenings",
            "+44 20 7946 0958",
            "1-800-555-0199",
            "reach at 555-0142",
            "case 20261187",
            "email pat.example@example.org",
            "write to pat@example.org.",
        ] {
            match no_contact_details(text, "note", "here") {
                Err(AppError::BadUserInput { field, message }) => {
                    assert_eq!(field, "note");
                    assert!(!message.contains(text), "the value is not echoed: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in [
            "Two children (ages 4 and 7); arriving 2026-12-01 around 10:30",
            "needs a bed for 3 nights, room 214",
            "Bed 4 held until 6pm",
            "meet @ the front desk",
            "referred 12/01/2026, follow up in 2 days",
            "ZIP 27601",
        ] {
            assert!(no_contact_details(text, "note", "here").is_ok(), "{text}");
        }
    }
}
