//! Enums stored in PostgreSQL as text, and the one way they are read back.
//!
//! Each such enum implements [`StoredText`]: the text stored for each value, written
//! once. Reading a stored value goes through [`StoredText::decode`] (or
//! [`StoredText::decode_list`]): a text this build does not know is an internal error,
//! never a default. An unknown value means the database and the code disagree (a CHECK
//! dropped, a migration ahead of the binary); guessing would misstate a referral's
//! status, a consent's method or a need's phase, and a loud error is found at once.

use crate::error::{AppError, AppResult};

/// An enum stored in the database as text.
pub trait StoredText: Sized + Copy + PartialEq + 'static {
    /// Every value that can be stored, each once.
    const STORED: &'static [Self];

    /// The text stored for this value.
    fn as_db(self) -> &'static str;

    /// The value stored as `text`; `None` when this build does not know it. For reading
    /// the database use [`StoredText::decode`], which fails loudly instead.
    fn from_db(text: &str) -> Option<Self> {
        Self::STORED.iter().copied().find(|v| v.as_db() == text)
    }

    /// The value stored as `text`, or an internal error naming the type (not the text,
    /// which stays out of errors and logs like every stored value).
    fn decode(text: &str) -> AppResult<Self> {
        Self::from_db(text).ok_or_else(|| AppError::internal(UnknownStoredValue(std::any::type_name::<Self>())))
    }

    /// Every element of a stored `text[]` (whose elements diesel reads as nullable),
    /// in order; an unknown or missing element is an internal error.
    fn decode_list<'a>(texts: impl IntoIterator<Item = &'a Option<String>>) -> AppResult<Vec<Self>> {
        texts
            .into_iter()
            .map(|t| match t {
                Some(t) => Self::decode(t),
                None => Err(AppError::internal(UnknownStoredValue(std::any::type_name::<Self>()))),
            })
            .collect()
    }
}

/// A stored text that no value of the named type has.
#[derive(Debug, thiserror::Error)]
#[error("the database holds a {0} value this build does not know")]
pub struct UnknownStoredValue(&'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Colour {
        Red,
        Green,
    }

    impl StoredText for Colour {
        const STORED: &'static [Self] = &[Colour::Red, Colour::Green];
        fn as_db(self) -> &'static str {
            match self {
                Colour::Red => "RED",
                Colour::Green => "GREEN",
            }
        }
    }

    #[test]
    fn a_known_text_reads_back_and_an_unknown_one_is_an_internal_error() {
        assert_eq!(Colour::decode("GREEN").unwrap(), Colour::Green);
        let err = Colour::decode("BLUE").unwrap_err();
        assert_eq!(err.code(), "INTERNAL");
        assert!(!format!("{err:?}").contains("BLUE"), "the stored text stays out of the error");
        let stored = [Some("RED".to_owned()), Some("GREEN".to_owned())];
        assert_eq!(Colour::decode_list(&stored).unwrap(), vec![Colour::Red, Colour::Green]);
        assert!(Colour::decode_list(&[Some("RED".to_owned()), None]).is_err());
        assert!(Colour::decode("red").is_err(), "case matters");
    }
}
