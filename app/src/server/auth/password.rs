//! Password hashing with argon2id.
//!
//! Parameters are OWASP's minimum for argon2id (19 MiB, t=2, p=1). Hashing
//! costs tens of milliseconds of CPU, so it runs on the blocking pool, never
//! on the async runtime's workers. A stored hash made with weaker
//! parameters is upgraded at the next successful sign-in.

use crate::domain::{PasswordPolicy, Problem};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The 10,000 most common passwords (SecLists, MIT licence), one a line.
static COMMON: &str = include_str!("../common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// The whole policy, server side: length rules shared with the browser,
/// plus the common-password list (compared case-insensitively).
pub fn check_new_password(password: &str, confirmation: Option<&str>) -> Result<(), Problem> {
    PasswordPolicy::check(password, confirmation)?;
    if common().contains(password) || common().contains(password.to_lowercase().as_str()) {
        return Err(Problem::PasswordTooCommon);
    }
    Ok(())
}

/// Hashes a password (PHC string). Blocking: call from `spawn_blocking`.
pub fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but stored with weaker parameters than today's: rehash.
    YesButRehash,
}

/// Checks `password` against `stored`. Blocking: call from `spawn_blocking`.
pub fn verify_blocking(password: &str, stored: &str) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    // Verify with the parameters recorded in the hash itself.
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = Params::try_from(&parsed).ok();
    let weaker = current.is_none_or(|p| {
        p.m_cost() < MEMORY_KIB || p.t_cost() < ITERATIONS || p.p_cost() < PARALLELISM
    }) || parsed.algorithm.as_str() != "argon2id";
    if weaker {
        Verified::YesButRehash
    } else {
        Verified::Yes
    }
}

/// A hash of a random password, verified against when the account does not
/// exist, so that a sign-in takes as long whether or not it does.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("no account has this password, it only burns time").unwrap_or_default()
    })
}

/// Hashes a new password off the async runtime; a failure is logged and
/// reported as an opaque internal error.
pub async fn hash_for_storage(password: String) -> Result<String, crate::error::AppError> {
    off_runtime(move || hash_blocking(&password))
        .await
        .and_then(|r| r)
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            crate::error::AppError::Internal {
                request_id: crate::server::context::request_id(),
            }
        })
}

/// Checks `password` against a stored hash off the async runtime; a check
/// that cannot run is an internal error (logged, with the request id).
pub async fn verify(password: String, stored: String) -> Result<Verified, crate::error::AppError> {
    off_runtime(move || verify_blocking(&password, &stored))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password check failed to run");
            crate::error::AppError::Internal {
                request_id: crate::server::context::request_id(),
            }
        })
}

/// Runs blocking password work off the async runtime.
pub async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_at_owasp_minimum_and_verifies() {
        let hash = hash_blocking("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            verify_blocking("correct horse battery staple", &hash),
            Verified::Yes
        );
        assert_eq!(
            verify_blocking("correct horse battery stapler", &hash),
            Verified::No
        );
        assert_eq!(verify_blocking("x", "not a hash"), Verified::No);
    }

    #[test]
    fn weaker_hashes_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(
            b"correct horse battery staple",
            &SaltString::generate(&mut OsRng),
        )
        .unwrap()
        .to_string();
        assert_eq!(
            verify_blocking("correct horse battery staple", &weak),
            Verified::YesButRehash
        );
    }

    #[test]
    fn common_passwords_are_refused() {
        assert_eq!(common().len(), 10_000);
        assert_eq!(
            check_new_password("qwerty123456", None),
            Err(Problem::PasswordTooCommon)
        );
        assert_eq!(
            check_new_password("QWERTY123456", None),
            Err(Problem::PasswordTooCommon)
        );
        assert!(check_new_password("a walk along the canal at dusk", None).is_ok());
    }
}
