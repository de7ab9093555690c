//! Secrets: a wrapper that never prints its value, and the AEAD cipher that encrypts vendor
//! credentials at rest (ChaCha20-Poly1305, a random nonce stored before the ciphertext).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{AeadCore, ChaCha20Poly1305, Key, Nonce};

/// A string that must not be logged or returned: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

const NONCE_LEN: usize = 12;

/// Encrypts and decrypts secrets with the master key.
#[derive(Clone)]
pub struct Cipher {
    aead: ChaCha20Poly1305,
    /// Signs the links in notices: derived from the master key, never the key itself.
    link_key: [u8; 32],
}

/// A key for another purpose, derived from the master key (domain-separated hash).
fn derive(key: &[u8], purpose: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"seatkeeper/");
    hash.update(purpose.as_bytes());
    hash.update([0]);
    hash.update(key);
    hash.finalize().into()
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(***)")
    }
}

/// A ciphertext that does not open with this key.
#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (wrong master key or corrupted data)")]
pub struct DecryptError;

impl Cipher {
    /// A cipher from base64 of exactly 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = B64
            .decode(encoded.trim())
            .map_err(|_| "is not valid base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!("must decode to 32 bytes, got {}", bytes.len()));
        }
        Ok(Cipher {
            aead: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
            link_key: derive(&bytes, "notice-links/v1"),
        })
    }

    /// Reads the key file, or creates one with a fresh random key and 0600 permissions.
    pub fn load_or_create_key_file(path: &Path) -> std::io::Result<Self> {
        if path.exists() {
            let text = std::fs::read_to_string(path)?;
            return Self::from_base64(&text).map_err(|reason| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("key file {}: {reason}", path.display()),
                )
            });
        }
        let key = ChaCha20Poly1305::generate_key(&mut OsRng);
        let encoded = B64.encode(key);
        write_private(path, encoded.as_bytes())?;
        Ok(Cipher {
            aead: ChaCha20Poly1305::new(&key),
            link_key: derive(&key, "notice-links/v1"),
        })
    }

    /// The key that signs notice links.
    pub fn link_key(&self) -> &[u8; 32] {
        &self.link_key
    }

    /// Nonce followed by ciphertext and tag.
    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("ChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, stored: &[u8]) -> Result<Secret, DecryptError> {
        if stored.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| DecryptError)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
    }

    #[test]
    fn encrypted_secrets_round_trip_and_tampering_is_detected() {
        let dir = std::env::temp_dir().join(format!("sk-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.key");
        let _ = std::fs::remove_file(&path);
        let cipher = Cipher::load_or_create_key_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut sealed = cipher.encrypt("s3cret");
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        let again = Cipher::load_or_create_key_file(&path).unwrap();
        assert_eq!(again.decrypt(&sealed).unwrap().expose(), "s3cret");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(cipher.decrypt(&sealed).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
