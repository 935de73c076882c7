//! This is where the FUTURES rules live: what makes a provider *trained on HT*, when an
//! MOU is *in force*, what counts as *a contact*, who is a *partner*, and the *gap
//! status* of a county × need cell. Pure functions over one explicit `today` (the
//! network's date, from [`crate::clock::Clock`]); nothing here reads a clock.
//!
//! Where PostgreSQL must apply a rule too (the `provider_flags` view, the gap matrix,
//! the directory index's loader, the scheduler's expiry notices), it calls the SQL twin
//! of the function here, created once in migration 15 (`one_clock`):
//!
//! | rule | Rust | SQL |
//! |---|---|---|
//! | which training counts | [`counts_as_ht_training`] | `futures_counts_as_ht_training(kind)` |
//! | when training lapses | [`training_lapses_on`] | `futures_training_lapses_on(trained_on)` |
//! | a training is current | [`training_current`] | `futures_training_current(trained_on, today)` |
//! | trained on HT | [`ht_trained_by`] | `futures_ht_trained_by(kind, trained_on, today)` |
//! | MOU status, in force | [`mou_status`], [`mou_in_force`] | `futures_mou_in_force(status, effective_on, expires_on, today)` |
//! | has a contact | (SQL only: the index reads the answer) | `futures_contact_counts(archived_at)` |
//! | partner | [`partner`] | `futures_partner(has_contact, has_mou)` |
//! | gap status | [`gap_status`] | (Rust only: SQL counts, Rust decides) |
//!
//! `tests/api/rules.rs` checks that each SQL twin and its Rust function agree over the
//! boundary dates (the day before, of and after each threshold; leap days).

use crate::db::StoredText;
use chrono::{Months, NaiveDate};

/// Years a basic HT training counts (Standard 18): it lapses on the third anniversary.
pub const TRAINING_VALID_YEARS: u32 = 3;

/// Kind of HT training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainingKind {
    /// Basics covering sex and labor trafficking.
    Basic,
    /// An advanced topic.
    Advanced,
}

impl StoredText for TrainingKind {
    const STORED: &'static [Self] = &[TrainingKind::Basic, TrainingKind::Advanced];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            TrainingKind::Basic => "BASIC",
            TrainingKind::Advanced => "ADVANCED",
        }
    }
}

/// Whether a training of this kind can make a provider "trained on HT": basic training
/// covering sex and labor trafficking does; an advanced topic alone does not.
pub fn counts_as_ht_training(kind: TrainingKind) -> bool {
    kind == TrainingKind::Basic
}

/// The day a basic training stops counting: its third anniversary (a training on 29
/// February lapses on 28 February, as PostgreSQL's `date + interval '3 years'` does).
pub fn training_lapses_on(trained_on: NaiveDate) -> NaiveDate {
    trained_on.checked_add_months(Months::new(12 * TRAINING_VALID_YEARS)).unwrap_or(NaiveDate::MAX)
}

/// Whether a training that can count ([`counts_as_ht_training`]) given on `trained_on`
/// counts on `today`: already given, and not yet at its third anniversary.
pub fn training_current(trained_on: NaiveDate, today: NaiveDate) -> bool {
    trained_on <= today && today < training_lapses_on(trained_on)
}

/// "Trained on HT?": whether a training of `kind` on `trained_on` makes a provider
/// trained on `today`: one that can count, and is current.
pub fn ht_trained_by(kind: TrainingKind, trained_on: NaiveDate, today: NaiveDate) -> bool {
    counts_as_ht_training(kind) && training_current(trained_on, today)
}

/// What an MOU's record says, and (for an active one past its last day) what follows
/// from the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouStatus {
    /// Being drafted: not in force.
    Draft,
    /// Signed and recorded active: in force from its effective date to its last day.
    Active,
    /// Recorded active, but past its expiry date.
    Expired,
    /// Ended early: not in force.
    Terminated,
}

impl StoredText for MouStatus {
    const STORED: &'static [Self] = &[MouStatus::Draft, MouStatus::Active, MouStatus::Terminated];

    /// The value stored in the database (`Expired` is never stored: it follows from the
    /// date, and is stored as `ACTIVE`).
    fn as_db(self) -> &'static str {
        match self {
            MouStatus::Draft => "DRAFT",
            MouStatus::Active | MouStatus::Expired => "ACTIVE",
            MouStatus::Terminated => "TERMINATED",
        }
    }
}

/// An MOU's status on `today`: as recorded, except that an active MOU whose expiry day
/// has passed is expired (the expiry day is the last day in force).
pub fn mou_status(recorded: MouStatus, expires_on: NaiveDate, today: NaiveDate) -> MouStatus {
    match recorded {
        MouStatus::Active if expires_on < today => MouStatus::Expired,
        other => other,
    }
}

/// "Partner with them?": whether an MOU is in force on `today`: recorded active, effective
/// (`effective_on <= today`) and not expired (`today <= expires_on`).
pub fn mou_in_force(recorded: MouStatus, effective_on: NaiveDate, expires_on: NaiveDate, today: NaiveDate) -> bool {
    mou_status(recorded, expires_on, today) == MouStatus::Active && effective_on <= today
}

/// A partner for a need: a provider the network has a contact at, or an MOU in force
/// with whose scope covers the need.
pub fn partner(has_contact: bool, has_mou_for_need: bool) -> bool {
    has_contact || has_mou_for_need
}

/// Where a county stands on a need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapStatus {
    /// No provider located in or serving the county meets the need.
    NoProvider,
    /// Providers exist, none with a contact or an MOU in force.
    NoPartner,
    /// Partners exist (a contact or an MOU), none of them trained on HT.
    Untrained,
    /// A trained partner meets the need.
    Covered,
}

impl GapStatus {
    /// The status as the API and the downloads spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            GapStatus::NoProvider => "NO_PROVIDER",
            GapStatus::NoPartner => "NO_PARTNER",
            GapStatus::Untrained => "UNTRAINED",
            GapStatus::Covered => "COVERED",
        }
    }
}

/// The gap status of a county × need cell from its counts: the providers meeting the
/// need there, how many of them are [`partner`]s, and how many partners are trained.
pub fn gap_status(providers: i64, partners: i64, trained_partners: i64) -> GapStatus {
    if providers == 0 {
        GapStatus::NoProvider
    } else if partners == 0 {
        GapStatus::NoPartner
    } else if trained_partners == 0 {
        GapStatus::Untrained
    } else {
        GapStatus::Covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn training_lapses_on_the_third_anniversary() {
        let basic = |on, today| ht_trained_by(TrainingKind::Basic, on, today);
        assert!(basic(d(2023, 11, 23), d(2026, 11, 22)), "the day before the anniversary");
        assert!(!basic(d(2023, 11, 22), d(2026, 11, 22)), "on the anniversary it has lapsed");
        assert!(!basic(d(2023, 11, 21), d(2026, 11, 22)), "the day after, lapsed");
        assert!(basic(d(2026, 11, 22), d(2026, 11, 22)), "trained today");
        assert!(!basic(d(2026, 11, 23), d(2026, 11, 22)), "not in the future");
        assert!(basic(d(2024, 2, 29), d(2027, 2, 27)));
        assert!(!basic(d(2024, 2, 29), d(2027, 2, 28)), "a leap day lapses on 28 February");
        assert_eq!(training_lapses_on(d(2024, 2, 29)), d(2027, 2, 28));
        assert_eq!(training_lapses_on(d(2025, 2, 28)), d(2028, 2, 28), "into a leap year: the same date");
        assert_eq!(training_lapses_on(d(2025, 3, 1)), d(2028, 3, 1));
        assert!(
            !ht_trained_by(TrainingKind::Advanced, d(2026, 11, 1), d(2026, 11, 22)),
            "advanced alone does not count"
        );
    }

    #[test]
    fn an_mou_is_in_force_from_its_effective_day_through_its_expiry_day() {
        let (eff, exp) = (d(2026, 1, 10), d(2026, 12, 31));
        let active = |today| mou_in_force(MouStatus::Active, eff, exp, today);
        assert!(!active(d(2026, 1, 9)), "the day before it takes effect");
        assert!(active(eff), "the effective day");
        assert!(active(d(2026, 1, 11)));
        assert!(active(d(2026, 12, 30)));
        assert!(active(exp), "the expiry day is the last day in force");
        assert!(!active(d(2027, 1, 1)), "the day after, expired");
        assert_eq!(mou_status(MouStatus::Active, exp, d(2027, 1, 1)), MouStatus::Expired);
        assert_eq!(mou_status(MouStatus::Active, exp, exp), MouStatus::Active);
        for recorded in [MouStatus::Draft, MouStatus::Terminated] {
            assert!(!mou_in_force(recorded, eff, exp, d(2026, 6, 1)), "{recorded:?} is never in force");
            assert_eq!(mou_status(recorded, exp, d(2027, 1, 1)), recorded, "only an active MOU expires");
        }
        let leap = d(2028, 2, 29);
        assert!(mou_in_force(MouStatus::Active, leap, leap, leap), "a one-day MOU on a leap day");
        assert!(!mou_in_force(MouStatus::Active, leap, leap, d(2028, 3, 1)));
    }

    #[test]
    fn a_partner_has_a_contact_or_an_mou_for_the_need() {
        assert!(!partner(false, false));
        assert!(partner(true, false));
        assert!(partner(false, true));
        assert!(partner(true, true));
    }

    #[test]
    fn gap_status_goes_provider_partner_trained() {
        assert_eq!(gap_status(0, 0, 0), GapStatus::NoProvider);
        assert_eq!(gap_status(3, 0, 0), GapStatus::NoPartner);
        assert_eq!(gap_status(3, 2, 0), GapStatus::Untrained);
        assert_eq!(gap_status(3, 2, 1), GapStatus::Covered);
        assert_eq!(GapStatus::NoPartner.as_str(), "NO_PARTNER");
    }

    #[test]
    fn stored_values_read_back_and_unknown_ones_do_not() {
        for kind in [TrainingKind::Basic, TrainingKind::Advanced] {
            assert_eq!(TrainingKind::from_db(kind.as_db()), Some(kind));
        }
        for status in [MouStatus::Draft, MouStatus::Active, MouStatus::Terminated] {
            assert_eq!(MouStatus::from_db(status.as_db()), Some(status));
        }
        assert_eq!(MouStatus::from_db("EXPIRED"), None, "never stored");
        assert_eq!(TrainingKind::from_db("basic"), None);
    }
}
