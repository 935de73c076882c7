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
}
