//! Field validation shared by write operations: each failure is `BAD_USER_INPUT` naming
//! the field.
//!
//! Two rules here hold for every input of the API, not only for the fields a domain
//! function validates: the characters a text may hold ([`characters`], with the
//! multi-line fields listed in [`MULTI_LINE_INPUTS`]) and how many items a list may hold
//! ([`LIST_CAPS`]). The GraphQL layer applies both to every string and list in an
//! operation's arguments (literals and variables, IDs, keys, passwords and cursors
//! included) before anything runs, so no NUL byte or control character reaches the
//! database or a log.

use crate::error::{AppError, AppResult};

/// Whether a text field may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// One line: no line break, tab or other control character.
    Single,
    /// Free text (notes, descriptions): line breaks (`\n`, `\r`, U+2028, U+2029) and
    /// tabs are allowed, other control characters are not.
    Multi,
}

/// The one rule for the characters of a text input: no NUL and no other control
/// character (Unicode `Cc`: C0, DEL, C1), except line breaks and tabs in a multi-line
/// field; a single-line field also refuses the Unicode line and paragraph separators.
/// PostgreSQL cannot store NUL in text, and control characters forge log lines and
/// confuse the people who read the records.
pub fn characters(value: &str, field: &str, lines: Lines) -> AppResult<()> {
    let allowed = |c: char| match lines {
        Lines::Multi => matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}'),
        Lines::Single => false,
    };
    let refused = |c: char| (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) && !allowed(c);
    if !value.chars().any(refused) {
        return Ok(());
    }
    Err(AppError::bad_input(
        field,
        match lines {
            Lines::Single => format!("{field} must not contain control characters or line breaks"),
            Lines::Multi => {
                format!("{field} must not contain control characters (line breaks and tabs are allowed)")
            }
        },
    ))
}

/// The multi-line text inputs: (operations, argument paths). Every other text input is a
/// single line. A path names the argument and the input fields below it, without list
/// positions (`input.organizationsEngaged.responsibilities`).
pub const MULTI_LINE_INPUTS: &[(&[&str], &[&str])] = &[
    (&["createProvider", "updateProvider"], &["input.description"]),
    (&["createService", "updateService"], &["input.description", "input.eligibility"]),
    (&["createClient"], &["input.needs", "input.notes"]),
    (&["createReferral"], &["input.note"]),
    (&["transitionReferral"], &["note"]),
    (&["updateCountyWorksheet"], &["input.communityNeeds", "input.capacities", "input.gaps", "input.howToFill"]),
    (
        &["createActionItem", "updateActionItem"],
        &[
            "input.actionSteps",
            "input.timeline",
            "input.nextSteps",
            "input.resourcesNeeded",
            "input.organizationsEngaged.responsibilities",
        ],
    ),
    (&["saveStandardsAnswer"], &["input.notApplicableReason", "input.evidenceNote"]),
    (&["reviewStandard"], &["comment"]),
    (&["setStandardsServiceArea"], &["reason"]),
    (&["saveCapacityChecklistAnswer"], &["input.note"]),
    (
        &["updateCapacityReview"],
        &["input.capacity", "input.gapsAndLimits", "input.priorities", "input.resourcesNeeded"],
    ),
    (
        &["createCapacityGoal", "updateCapacityGoal"],
        &[
            "input.actionSteps",
            "input.timeline",
            "input.nextSteps",
            "input.resourcesNeeded",
            "input.organizationsEngaged.responsibilities",
        ],
    ),
];

/// Whether the text input at `path` of `operation` may span lines.
pub fn lines_of(operation: &str, path: &str) -> Lines {
    let multi = MULTI_LINE_INPUTS.iter().any(|(ops, paths)| ops.contains(&operation) && paths.contains(&path));
    if multi { Lines::Multi } else { Lines::Single }
}

/// The most items a list input holds when [`LIST_CAPS`] does not name it.
pub const DEFAULT_LIST_CAP: usize = 100;

/// Caps of list inputs: (operations, argument path, most items). A list beyond its cap is
/// `BAD_USER_INPUT` naming it: long lists multiply work (one lookup per need, party or
/// organization) and no real request needs more.
pub const LIST_CAPS: &[(&[&str], &str, usize)] = &[
    (&["searchProviders"], "filter.needs", 50),
    (&["searchProviders"], "filter.languages", 20),
    (&["searchProviders"], "filter.populations", 10),
    (&["createProvider", "updateProvider"], "input.phones", 20),
    (&["setServiceArea"], "counties", 100),
    (&["createService", "updateService"], "input.needs", 50),
    // Telephone interpretation services offer a couple of hundred languages.
    (&["createService", "updateService"], "input.languages", 200),
    (&["createService", "updateService"], "input.populations", 10),
    (&["recordConsent"], "input.recipients", 50),
    (&["recordConsent"], "input.fields", 10),
    (&["createReferral"], "input.shareFields", 10),
    (&["createReferral"], "input.populations", 10),
    (&["referrals"], "filter.statuses", 10),
    (&["createMou", "updateMou"], "input.scopeNeeds", 50),
    (&["createMou", "updateMou"], "input.parties", 20),
    (&["setCountyTeam"], "organizationIds", 50),
    (&["createActionItem", "updateActionItem"], "input.organizationsEngaged", 30),
    (&["createWebhookSubscription"], "input.eventTypes", 20),
    (&["saveStandardsAnswer"], "input.evidenceRefs", crate::standards::MAX_EVIDENCE_REFS),
    (&["createCapacityGoal", "updateCapacityGoal"], "input.organizationsEngaged", 30),
];

/// The most items the list input at `path` of `operation` may hold.
pub fn list_cap(operation: &str, path: &str) -> usize {
    LIST_CAPS
        .iter()
        .find(|(ops, p, _)| ops.contains(&operation) && *p == path)
        .map_or(DEFAULT_LIST_CAP, |(_, _, cap)| *cap)
}

/// A list of at most [`list_cap`] items.
pub fn list_len(len: usize, operation: &str, path: &str) -> AppResult<()> {
    let cap = list_cap(operation, path);
    if len > cap {
        return Err(AppError::bad_input(path, format!("{path} may hold at most {cap} items")));
    }
    Ok(())
}

/// A required, trimmed, non-empty text of at most `max` characters, free of control
/// characters (line breaks and tabs are left to the API's per-field rule, see
/// [`MULTI_LINE_INPUTS`]; callers outside the API get the same protection from NUL).
pub fn text(value: &str, field: &str, max: usize) -> AppResult<String> {
    characters(value, field, Lines::Multi)?;
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

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_where_text_spans_lines() {
        for bad in ["a\u{0}b", "\u{1b}[31m", "a\u{7f}", "a\u{85}b", "a\u{9b}b"] {
            assert!(characters(bad, "f", Lines::Multi).is_err(), "{bad:?}");
            assert!(characters(bad, "f", Lines::Single).is_err(), "{bad:?}");
            assert!(text(bad, "f", 50).is_err(), "{bad:?}");
        }
        for lines in ["a\nb", "a\r\nb", "a\tb", "a\u{2028}b"] {
            assert!(characters(lines, "f", Lines::Multi).is_ok(), "{lines:?}");
            assert!(characters(lines, "f", Lines::Single).is_err(), "{lines:?}");
        }
        assert!(characters("Mar\u{ed}a Jos\u{e9} \u{5d0} \u{1f3e0}", "f", Lines::Single).is_ok());
        assert_eq!(lines_of("createReferral", "input.note"), Lines::Multi);
        assert_eq!(lines_of("createReferral", "input.language"), Lines::Single);
        assert_eq!(lines_of("createProvider", "input.name"), Lines::Single);
    }

    #[test]
    fn lists_are_capped() {
        assert_eq!(list_cap("updateMou", "input.parties"), 20);
        assert_eq!(list_cap("someFutureOperation", "input.things"), DEFAULT_LIST_CAP);
        assert!(list_len(20, "createMou", "input.parties").is_ok());
        match list_len(21, "createMou", "input.parties") {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.parties"),
            other => panic!("{other:?}"),
        }
    }
}
