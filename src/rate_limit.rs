//! In-process rate limiting: a fixed one-minute window per key (an IP address, a token,
//! an email). Each service instance counts on its own, so behind a load balancer the
//! effective limit is the per-instance limit times the number of instances.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many tracked keys, expired windows are swept on the next check.
const SWEEP_AT: usize = 10_000;

/// Counts requests per key per minute.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one request for `key`; `Err(seconds)` when it is over `per_minute`
    /// (0 means unlimited), with the seconds until the window resets.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_per_key() {
        let limiter = RateLimiter::default();
        for _ in 0..3 {
            assert!(limiter.check("ip:1", 3).is_ok());
        }
        let retry = limiter.check("ip:1", 3).unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(limiter.check("ip:2", 3).is_ok(), "keys are counted apart");
        assert!(limiter.check("ip:1", 0).is_ok(), "0 is unlimited");
    }
}
