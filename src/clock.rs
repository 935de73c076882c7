//! The network's clock: one answer to "what day is it?" for Rust and PostgreSQL alike.
//!
//! The network works in one time zone (`LANTERN_TIME_ZONE`, by default America/New_York
//! for North Carolina). Every pooled database connection is set to it (`db::pool_on`),
//! so SQL's `current_date` and its `timestamptz::date` casts give the network's day;
//! Rust asks [`Clock::today`], never `Utc::now().date_naive()`. The FUTURES rules
//! (`partnerships::rules`) take that day as an explicit argument, so the same MOU is in
//! force, or not, whichever side answers.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The network's time zone when `LANTERN_TIME_ZONE` is not set: North Carolina's.
pub const DEFAULT_TIME_ZONE: &str = "America/New_York";

/// What day it is where the network works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    zone: Tz,
}

impl Clock {
    /// A clock on Coordinated Universal Time (tests and tools that compute dates in UTC).
    pub const UTC: Clock = Clock { zone: Tz::UTC };

    /// A clock in `zone`.
    pub const fn new(zone: Tz) -> Self {
        Clock { zone }
    }

    /// A clock in the IANA time zone `name` (e.g. `America/New_York`); `None` for a name
    /// that is not one.
    pub fn named(name: &str) -> Option<Self> {
        name.parse::<Tz>().ok().map(Clock::new)
    }

    /// The network's (the default) clock: America/New_York.
    pub fn network_default() -> Self {
        Clock::named(DEFAULT_TIME_ZONE).expect("the default time zone is a known one")
    }

    /// The time zone's IANA name, as PostgreSQL's `SET TIME ZONE` takes it.
    pub fn zone_name(self) -> &'static str {
        self.zone.name()
    }

    /// The network's date now.
    pub fn today(self) -> NaiveDate {
        self.date_at(Utc::now())
    }

    /// The network's date at `instant`.
    pub fn date_at(self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.zone).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_the_zones_not_utcs() {
        let late_evening_in_raleigh = DateTime::parse_from_rfc3339("2026-12-02T03:30:00Z").unwrap().to_utc();
        assert_eq!(Clock::network_default().date_at(late_evening_in_raleigh).to_string(), "2026-12-01");
        assert_eq!(Clock::UTC.date_at(late_evening_in_raleigh).to_string(), "2026-12-02");
        let summer = DateTime::parse_from_rfc3339("2026-07-01T03:59:59Z").unwrap().to_utc();
        assert_eq!(Clock::network_default().date_at(summer).to_string(), "2026-06-30", "daylight saving: UTC-4");
    }

    #[test]
    fn zones_are_named_as_iana_names() {
        assert_eq!(Clock::named("America/New_York").map(Clock::zone_name), Some("America/New_York"));
        assert_eq!(Clock::named("Eastern"), None);
        assert_eq!(Clock::named(""), None);
        assert_eq!(Clock::UTC.zone_name(), "UTC");
    }
}
