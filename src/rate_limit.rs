//! In-process rate limiting: a fixed one-minute window per key (an IP address, a token,
//! an email). Each service instance counts on its own, so behind a load balancer the
//! effective limit is the per-instance limit times the number of instances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimits;

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

    /// Counts a `login` attempt for `email` from `ip`: per IP, then per (email, IP),
    /// then per email across every IP. The checks stop at the first refusal, so once an
    /// address is over its (email, IP) limit its further attempts no longer count
    /// towards the email's ceiling: one address cannot lock a person out.
    pub fn login_attempt(&self, limits: &RateLimits, ip: IpAddr, email: &str) -> Result<(), u64> {
        // Keyed by a digest of the normalized email: no email is kept in memory as a
        // key, and a long one costs no more than a short one.
        let email = crate::auth::credentials::token_fingerprint(&email.trim().to_lowercase());
        self.check(&format!("login-ip:{ip}"), limits.login_per_ip)?;
        self.check(&format!("login-email-ip:{email}:{ip}"), limits.login_per_email_ip)?;
        self.check(&format!("login-email:{email}"), limits.login_per_email)
    }

    /// Counts an `acceptInvitation` attempt from `ip`, under the same per-IP limit as
    /// `login` but counted apart (onboarding is an invitation and then a login).
    pub fn invitation_attempt(&self, limits: &RateLimits, ip: IpAddr) -> Result<(), u64> {
        self.check(&format!("accept-ip:{ip}"), limits.login_per_ip)
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

    #[test]
    fn one_address_cannot_spend_an_emails_ceiling() {
        let limiter = RateLimiter::default();
        let limits =
            RateLimits { api_per_ip: 0, api_per_token: 0, login_per_ip: 0, login_per_email_ip: 2, login_per_email: 3 };
        let (attacker, owner, third) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into(), [10, 0, 0, 3].into());
        for _ in 0..2 {
            assert!(limiter.login_attempt(&limits, attacker, "pat@example.org").is_ok());
        }
        for _ in 0..20 {
            assert!(limiter.login_attempt(&limits, attacker, " PAT@example.org").is_err(), "same email, any case");
        }
        assert!(limiter.login_attempt(&limits, owner, "pat@example.org").is_ok(), "refusals did not count");
        assert!(limiter.login_attempt(&limits, third, "pat@example.org").is_err(), "the ceiling over every address");
        assert!(limiter.login_attempt(&limits, attacker, "sam@example.org").is_ok(), "other emails go on");
    }
}
