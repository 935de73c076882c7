//! Cursors: where a page of results ends, as opaque base64url text a caller passes back
//! in `after`. Distances are carried as exact bits so a page boundary never shifts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Position in a result list. Encoded as opaque base64url text.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cursor {
    /// Ordered by name (no point given).
    Name { name: String, id: Uuid },
    /// Among location matches, ordered by distance in metres.
    Distance { metres: f64, id: Uuid },
    /// Among service-area matches, which follow the location matches, ordered by name.
    ServiceArea { name: String, id: Uuid },
}

impl Cursor {
    pub(super) fn encode(&self) -> String {
        let raw = match self {
            // Distances are carried as exact bits so a page boundary never shifts.
            Cursor::Distance { metres, id } => format!("d|{:016x}|{id}", metres.to_bits()),
            Cursor::Name { name, id } => format!("n|{id}|{name}"),
            Cursor::ServiceArea { name, id } => format!("s|{id}|{name}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub(super) fn decode(text: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input("after", "after is not a cursor returned by this search");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let raw = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = raw.splitn(3, '|');
        let (kind, a, b) = (parts.next(), parts.next(), parts.next());
        match (kind, a, b) {
            (Some("d"), Some(bits), Some(id)) => {
                let metres = u64::from_str_radix(bits, 16).map(f64::from_bits).map_err(|_| bad())?;
                if !metres.is_finite() || metres < 0.0 {
                    return Err(bad());
                }
                Ok(Cursor::Distance { metres, id: id.parse().map_err(|_| bad())? })
            }
            (Some(kind @ ("n" | "s")), Some(id), Some(name)) => {
                let id = id.parse().map_err(|_| bad())?;
                let name = name.to_owned();
                Ok(if kind == "n" { Cursor::Name { name, id } } else { Cursor::ServiceArea { name, id } })
            }
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_exactly() {
        let id = Uuid::new_v4();
        for cursor in [
            Cursor::Distance { metres: 1_234.567_890_123, id },
            Cursor::Name { name: "A | B (synthetic)".into(), id },
            Cursor::ServiceArea { name: "Zeta".into(), id },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
    }

    #[test]
    fn malformed_cursors_are_bad_input_on_after() {
        for text in ["", "!!!", &URL_SAFE_NO_PAD.encode("d|zz|x"), &URL_SAFE_NO_PAD.encode("q|a|b")] {
            match Cursor::decode(text) {
                Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "after"),
                other => panic!("{text:?} decoded to {other:?}"),
            }
        }
    }
}
