//! Encryption of personal fields at rest: XChaCha20-Poly1305 (AEAD) with a random
//! 192-bit nonce per value. The associated data binds each ciphertext to its table, row
//! and field, so a value copied to another row or column fails to decrypt. Every value
//! carries the id of the key that sealed it, so keys can rotate: the first configured
//! key seals, every configured key opens.
//!
//! Sealed layout: `[1: format = 1][1: key-id length][key id][24: nonce][ciphertext+tag]`.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

const FORMAT: u8 = 1;

/// Where a sealed value lives: what its associated data binds it to.
#[derive(Clone, Copy, Debug)]
pub struct FieldContext<'a> {
    /// The table the value is stored in.
    pub table: &'a str,
    /// The row it belongs to.
    pub row: Uuid,
    /// The column it is stored in.
    pub field: &'a str,
}

impl FieldContext<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!("lantern:v1:{}:{}:{}", self.table, self.row, self.field).into_bytes()
    }
}

/// The configured keys. Debug output never shows key material.
#[derive(Clone)]
pub struct Keyring {
    active: String,
    keys: HashMap<String, XChaCha20Poly1305>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keyring {{ active: {}, keys: {} }}", self.active, self.keys.len())
    }
}

/// A keyring specification that could not be understood (never echoes key material).
#[derive(Debug, thiserror::Error)]
#[error("personal-data keys: {0}")]
pub struct KeyringError(String);

impl From<String> for KeyringError {
    fn from(reason: String) -> Self {
        KeyringError(reason)
    }
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key…]`; the first key seals new values. Keys are
    /// 32 random bytes, standard base64.
    pub fn parse(spec: &str) -> Result<Self, KeyringError> {
        let mut keys = HashMap::new();
        let mut active = None;
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, material) = entry.split_once(':').ok_or_else(|| KeyringError("expected id:base64key".into()))?;
            if id.is_empty()
                || id.len() > 32
                || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(KeyringError("key ids are 1-32 letters, digits, - or _".into()));
            }
            let bytes = STANDARD.decode(material).map_err(|_| KeyringError(format!("key {id} is not base64")))?;
            if bytes.len() != 32 {
                return Err(KeyringError(format!("key {id} must be 32 bytes")));
            }
            let cipher =
                XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| KeyringError(format!("key {id} unusable")))?;
            if keys.insert(id.to_owned(), cipher).is_some() {
                return Err(KeyringError(format!("key {id} given twice")));
            }
            active.get_or_insert_with(|| id.to_owned());
        }
        let active = active.ok_or_else(|| KeyringError("no key given".into()))?;
        Ok(Keyring { active, keys })
    }

    /// A new random key as `id:base64key` (for `lantern pii new-key` and dev setups).
    pub fn new_key_spec(id: &str) -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// The development keyring kept in `path` (created once with a random key). Only
    /// for the project-local cluster; deployments configure `LANTERN_PII_KEYS`.
    pub fn development(path: &Path) -> Result<Self, KeyringError> {
        if !path.exists() {
            std::fs::write(path, Self::new_key_spec("dev1"))
                .map_err(|e| KeyringError(format!("writing dev key: {e}")))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
        let spec = std::fs::read_to_string(path).map_err(|e| KeyringError(format!("reading dev key: {e}")))?;
        Self::parse(spec.trim())
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Encrypts `plaintext` for `context` with the active key.
    pub fn seal(&self, context: FieldContext<'_>, plaintext: &str) -> Vec<u8> {
        let cipher = &self.keys[&self.active];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let aad = context.associated_data();
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: &aad })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory data");
        let mut out = Vec::with_capacity(2 + self.active.len() + 24 + ciphertext.len());
        out.push(FORMAT);
        out.push(self.active.len() as u8);
        out.extend_from_slice(self.active.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Encrypts an optional value.
    pub fn seal_opt(&self, context: FieldContext<'_>, plaintext: Option<&str>) -> Option<Vec<u8>> {
        plaintext.map(|p| self.seal(context, p))
    }

    /// Decrypts a value sealed for `context`. A value moved to another row or field, a
    /// tampered one, or one sealed with an unknown key is an internal error.
    pub fn open(&self, context: FieldContext<'_>, sealed: &[u8]) -> AppResult<String> {
        let fail = |why: &str| {
            AppError::internal(std::io::Error::other(format!("cannot open {} {}: {why}", context.table, context.field)))
        };
        let (&format, rest) = sealed.split_first().ok_or_else(|| fail("empty"))?;
        if format != FORMAT {
            return Err(fail("unknown format"));
        }
        let (&id_len, rest) = rest.split_first().ok_or_else(|| fail("truncated"))?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + 24 {
            return Err(fail("truncated"));
        }
        let (id, rest) = rest.split_at(id_len);
        let (nonce, ciphertext) = rest.split_at(24);
        let id = std::str::from_utf8(id).map_err(|_| fail("bad key id"))?;
        let cipher = self.keys.get(id).ok_or_else(|| fail("unknown key id"))?;
        let aad = context.associated_data();
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| fail("authentication failed"))?;
        String::from_utf8(plain).map_err(|_| fail("not UTF-8"))
    }

    /// Decrypts an optional value.
    pub fn open_opt(&self, context: FieldContext<'_>, sealed: Option<&[u8]>) -> AppResult<Option<String>> {
        sealed.map(|s| self.open(context, s)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(row: Uuid, field: &str) -> FieldContext<'_> {
        FieldContext { table: "clients", row, field }
    }

    #[test]
    fn values_are_bound_to_their_row_and_field() {
        let ring = Keyring::parse(&Keyring::new_key_spec("k1")).unwrap();
        let (row, other) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = ring.seal(ctx(row, "name"), "Test Person");
        assert!(!String::from_utf8_lossy(&sealed).contains("Test Person"));
        assert_eq!(ring.open(ctx(row, "name"), &sealed).unwrap(), "Test Person");
        assert!(ring.open(ctx(other, "name"), &sealed).is_err(), "another row");
        assert!(ring.open(ctx(row, "phone"), &sealed).is_err(), "another field");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(ring.open(ctx(row, "name"), &tampered).is_err(), "tampered");
        assert_ne!(ring.seal(ctx(row, "name"), "Test Person"), sealed, "fresh nonce each time");
    }

    #[test]
    fn keys_rotate_by_id() {
        let old = Keyring::new_key_spec("k0");
        let new = Keyring::new_key_spec("k1");
        let before = Keyring::parse(&old).unwrap();
        let row = Uuid::new_v4();
        let sealed = before.seal(ctx(row, "name"), "Rotated Person");
        let after = Keyring::parse(&format!("{new},{old}")).unwrap();
        assert_eq!(after.active_key_id(), "k1");
        assert_eq!(after.open(ctx(row, "name"), &sealed).unwrap(), "Rotated Person", "old values still open");
        let resealed = after.seal(ctx(row, "name"), "Rotated Person");
        assert_eq!(&resealed[2..4], b"k1");
        assert!(
            Keyring::parse(&new).unwrap().open(ctx(row, "name"), &sealed).is_err(),
            "a retired key's values need it"
        );
    }

    #[test]
    fn bad_specs_are_refused_without_echoing_keys() {
        for spec in ["", "k1", "k1:notbase64!", "k1:AAAA", "bad id:AAAA"] {
            let err = Keyring::parse(spec).unwrap_err().to_string();
            assert!(!err.contains("AAAA"), "{err}");
        }
    }
}
