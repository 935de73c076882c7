//! Secrets: argon2id password hashes, and random opaque tokens stored only as SHA-256
//! hashes (a stolen database copy holds no usable token).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Prefix of login-session tokens.
pub const SESSION_PREFIX: &str = "lts_";
/// Prefix of API keys.
pub const API_KEY_PREFIX: &str = "ltk_";
/// Prefix of one-time invitation tokens.
pub const INVITATION_PREFIX: &str = "lti_";

/// Checks a new password against the policy; `field` names the input.
pub fn check_new_password(password: &str, field: &str) -> AppResult<()> {
    crate::validate::characters(password, field, crate::validate::Lines::Single)?;
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id (PHC string, salt included).
pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a fixed password, verified against when the user does not exist so that
/// unknown and known emails take the same time to refuse.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that nobody has").unwrap_or_default())
}

/// Password hashing and verification as the service runs them: on tokio's blocking
/// threads, never on the async workers, and at most `limit` at once. Each argon2id call
/// takes ~19 MiB and tens of milliseconds of a core, so unbounded, a burst of logins or
/// invitations could take every core and the memory with it. Callers queue for a permit
/// (holding no database connection) and the permit goes with the work onto its thread,
/// so a request abandoned mid-hash still counts until the hash ends.
#[derive(Debug)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
    limit: usize,
    hashed: AtomicU64,
    verified: AtomicU64,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl PasswordHashing {
    /// At most `limit` (at least 1) hashes or verifications at once.
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        PasswordHashing {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            hashed: AtomicU64::new(0),
            verified: AtomicU64::new(0),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// One at a time per core: more would only queue inside the CPU.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Hashes a new password (argon2id, PHC string).
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        self.hashed.fetch_add(1, Ordering::Relaxed);
        let password = password.to_owned();
        self.run(move || hash_password(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (no such user), checks
    /// against a decoy so that both take the same time, and answers false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<bool> {
        self.verified.fetch_add(1, Ordering::Relaxed);
        let (password, stored) = (password.to_owned(), stored.map(str::to_owned));
        self.run(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            None => {
                std::hint::black_box(verify_password(&password, decoy_hash()));
                false
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.map_err(AppError::internal)?;
        let (running, peak) = (Arc::clone(&self.running), Arc::clone(&self.peak));
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(AppError::internal)
    }

    /// How many hashes were asked for since start (for tests and metrics).
    pub fn hashes(&self) -> u64 {
        self.hashed.load(Ordering::Relaxed)
    }

    /// How many verifications were asked for since start (for tests and metrics).
    pub fn verifications(&self) -> u64 {
        self.verified.load(Ordering::Relaxed)
    }

    /// The most hashes and verifications that ever ran at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Takes every permit until the guard is dropped, so that callers queue: for tests
    /// and drills that show what waits and what does not.
    pub async fn hold_all(&self) -> AppResult<tokio::sync::SemaphorePermit<'_>> {
        self.permits.acquire_many(self.limit as u32).await.map_err(AppError::internal)
    }
}

/// A new random token with `prefix`: 256 bits, URL-safe.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A short, non-reversible label of a token, for rate-limit keys and logs.
pub fn token_fingerprint(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&token_hash(token)[..12])
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapler", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn password_policy_names_the_field() {
        assert!(check_new_password("short", "password").is_err());
        assert!(check_new_password(&"x".repeat(257), "password").is_err());
        assert!(check_new_password("twelve chars", "password").is_ok());
        assert!(check_new_password("twelve\tchars", "password").is_err());
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(SESSION_PREFIX), new_token(SESSION_PREFIX));
        assert_ne!(a, b);
        assert!(a.starts_with(SESSION_PREFIX) && a.len() > 40);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 32);
    }
}
