//! Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1,
//! 30-second steps, 6 digits — the profile every authenticator app reads
//! from an `otpauth://` link.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Length of a step in seconds.
pub const STEP_SECS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now, for clocks a little off.
const SKEW_STEPS: i64 = 1;

/// A new shared secret: 160 random bits, the size RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

/// The step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The HOTP value for `counter` (RFC 4226 §5.3), with `digits` digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The code shown by an authenticator app during `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step as u64, DIGITS),
        width = DIGITS as usize
    )
}

/// The step whose code is `code`, looking one step either side of `now`
/// (Unix seconds). The caller refuses a step already used (replay).
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    // Every candidate is compared, whatever matched first, so the time
    // taken does not depend on which step (if any) matched.
    let mut found = None;
    for step in current - SKEW_STEPS..=current + SKEW_STEPS {
        if super::token::constant_time_eq(&code_at(secret, step), &code) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding: how the secret is typed into an app.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u64, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u64::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` link an app reads from the QR code.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    use crate::url::encode_component as enc;
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 key.
    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        // (time, 8-digit TOTP) from the RFC's table.
        for (time, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_KEY, step_at(time) as u64, 8), expected, "t={time}");
        }
        assert_eq!(code_at(RFC_KEY, step_at(59)), "287082");
        assert_eq!(code_at(RFC_KEY, step_at(1111111109)), "081804");
    }

    #[test]
    fn accepts_one_step_of_skew_and_no_more() {
        let now = 1_700_000_000;
        let step = step_at(now);
        for offset in [-1, 0, 1] {
            let code = code_at(RFC_KEY, step + offset);
            assert_eq!(matching_step(RFC_KEY, &code, now), Some(step + offset));
        }
        for offset in [-3, -2, 2, 3] {
            let code = code_at(RFC_KEY, step + offset);
            // A far step's code can collide with a near one by chance
            // (1 in 10^6); this key and time have no collision.
            assert_eq!(matching_step(RFC_KEY, &code, now), None, "offset {offset}");
        }
        let spaced = code_at(RFC_KEY, step);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(matching_step(RFC_KEY, &spaced, now), Some(step));
        assert_eq!(matching_step(RFC_KEY, "12345", now), None);
        assert_eq!(matching_step(RFC_KEY, "abcdef", now), None);
    }

    #[test]
    fn base32_follows_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected);
        }
        assert_eq!(base32(RFC_KEY), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn secrets_are_random_and_links_carry_them() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        let uri = otpauth_uri(RFC_KEY, "Acme & Co", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Acme%20%26%20Co:ada%40example.com?"));
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(uri.contains("period=30"));
    }
}
