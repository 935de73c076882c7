//! The room windows of services, held apart from the rest of the directory and changed in
//! place.
//!
//! Everything else in the index is immutable once readers hold it: a change makes new
//! copies (`view`). Capacity changes far more often than anything else (night staff set
//! tonight's beds, holds come and go), and copying the changed part of the directory for
//! each of them held `setCapacity` to a few hundred a second and made the changed part
//! outgrow its merge limit within seconds (each merge copies the whole directory). A room
//! window is a fact about time, checked at the moment of each request anyway, so every
//! view of one load shares one [`RoomBoard`], and a capacity change writes its windows
//! into it. A reader may then see a newer window than the rest of its view, which is the
//! same as reading a moment later.
//!
//! What must not happen is a provider with room missing from the trees of providers with
//! room (`trees`): those only change with a new view. So a change is written in place
//! only when the provider already sits in those trees for every need its new windows can
//! give room for (`View::set_rooms_in_place`); otherwise it takes the copying path.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use uuid::Uuid;

use super::snapshot::RoomWindow;

/// Room windows by service id; a service with none is absent.
#[derive(Default)]
pub struct RoomBoard {
    windows: RwLock<HashMap<Uuid, Box<[RoomWindow]>>>,
}

impl RoomBoard {
    /// Whether the service has room at `now_us`.
    pub fn open_at(&self, service: &Uuid, now_us: i64) -> bool {
        self.read(|windows| windows.get(service).is_some_and(|w| w.iter().any(|w| w.open_at(now_us))))
    }

    /// Whether one of the service's windows is not over by `since_us`.
    pub fn open_after(&self, service: &Uuid, since_us: i64) -> bool {
        self.read(|windows| windows.get(service).is_some_and(|w| w.iter().any(|w| w.until_us >= since_us)))
    }

    /// The service's windows (empty when it has none).
    pub fn of(&self, service: &Uuid) -> Vec<RoomWindow> {
        self.read(|windows| windows.get(service).map(|w| w.to_vec()).unwrap_or_default())
    }

    /// Replaces the service's windows.
    pub fn set(&self, service: Uuid, new: &[RoomWindow]) {
        // Nothing that can panic runs under the lock, but a poisoned one is used all the
        // same rather than given up (as `DirectoryIndex::waiting`).
        let mut windows = self.windows.write().unwrap_or_else(PoisonError::into_inner);
        if new.is_empty() {
            windows.remove(&service);
        } else {
            windows.insert(service, new.into());
        }
    }

    /// About how many bytes it holds.
    pub fn approximate_bytes(&self) -> usize {
        self.read(|windows| {
            windows.capacity() * (size_of::<(Uuid, Box<[RoomWindow]>)>() + 1)
                + windows.values().map(|w| w.len() * size_of::<RoomWindow>() + 16).sum::<usize>()
        })
    }

    fn read<T>(&self, f: impl FnOnce(&HashMap<Uuid, Box<[RoomWindow]>>) -> T) -> T {
        f(&self.windows.read().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_set_replaced_and_cleared_in_place() {
        let board = RoomBoard::default();
        let id = Uuid::from_u128(1);
        assert!(!board.open_at(&id, 5), "a service without windows has no room");
        board.set(id, &[RoomWindow { from_us: i64::MIN, until_us: 10 }]);
        assert!(board.open_at(&id, 5) && board.open_at(&id, 10) && !board.open_at(&id, 11));
        assert!(board.open_after(&id, 10) && !board.open_after(&id, 11));
        board.set(id, &[RoomWindow { from_us: 20, until_us: 30 }]);
        assert!(!board.open_at(&id, 5) && board.open_at(&id, 20));
        board.set(id, &[]);
        assert_eq!(board.of(&id), Vec::new());
    }
}
