//! Secrets: argon2id password hashes, and random opaque tokens stored only as SHA-256
//! hashes (a stolen database copy holds no usable token).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

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
