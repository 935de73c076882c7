//! Tokens verified recently, honoured for a short grace while the database cannot
//! answer, so a signed-in advocate's search survives a database restart or failover.
//!
//! Why revocation still takes effect promptly: an entry is used only when the database
//! cannot answer (`UNAVAILABLE`), never instead of asking it. While it cannot answer,
//! nothing can be revoked (revoking writes to it). A revocation committed just before
//! an outage, through another instance, can be missed for at most the grace period
//! after the token's last successful check (default 60 s); one made through this
//! instance (logout, revoking tokens or keys, changing memberships, accepting an
//! invitation) clears every entry at once. An answer that the token is not valid
//! removes its entry. Entries are keyed by the token's SHA-256 hash; the token itself
//! is never kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Actor;
use super::credentials::token_hash;

/// Most entries kept: beyond it, expired ones are dropped, then all if need be.
const MAX_ENTRIES: usize = 50_000;

/// Recently verified tokens and who they stand for.
pub struct VerifiedTokens {
    grace: Duration,
    entries: Mutex<HashMap<Vec<u8>, (Instant, Actor)>>,
}

impl VerifiedTokens {
    /// Honours a verification for `grace` (zero: never).
    pub fn new(grace: Duration) -> Self {
        VerifiedTokens { grace, entries: Mutex::new(HashMap::new()) }
    }

    /// The database just verified `token` as `actor`.
    pub fn remember(&self, token: &str, actor: &Actor) {
        if self.grace.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() <= self.grace);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_hash(token), (Instant::now(), actor.clone()));
    }

    /// Who `token` stood for, if the database verified it within the grace period.
    pub fn recall(&self, token: &str) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        let (at, actor) = entries.get(&token_hash(token))?;
        (at.elapsed() <= self.grace).then(|| actor.clone())
    }

    /// The database said `token` is not valid (any more).
    pub fn forget(&self, token: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&token_hash(token));
        }
    }

    /// Credentials were ended or changed through this instance: trust no earlier check.
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_a_check_only_within_the_grace_and_until_forgotten() {
        let tokens = VerifiedTokens::new(Duration::from_millis(200));
        let actor = Actor::Anonymous;
        assert_eq!(tokens.recall("lts_a"), None);
        tokens.remember("lts_a", &actor);
        assert_eq!(tokens.recall("lts_a"), Some(Actor::Anonymous));
        assert_eq!(tokens.recall("lts_b"), None);
        tokens.forget("lts_a");
        assert_eq!(tokens.recall("lts_a"), None);
        tokens.remember("lts_a", &actor);
        tokens.forget_all();
        assert_eq!(tokens.recall("lts_a"), None);
        tokens.remember("lts_a", &actor);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(tokens.recall("lts_a"), None, "the grace ran out");
        let never = VerifiedTokens::new(Duration::ZERO);
        never.remember("lts_a", &actor);
        assert_eq!(never.recall("lts_a"), None);
    }
}
