//! Single-use recovery codes, for when the authenticator is lost.
//!
//! Ten codes of 12 characters from a 32-letter alphabet (60 random bits
//! each), shown once; the database keeps only their SHA-256. At 60 bits a
//! stolen table cannot be reversed by trying every code, so no salt or
//! stretching is needed (the same reasoning as for session tokens).

use super::token::hash_token;

/// How many codes a user gets.
pub const COUNT: usize = 10;
/// No 0/1/8/9: nothing to confuse with O, I, B or g.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnopqrstuvwxyz2345679";

/// Fresh codes, formatted for reading: `xxxx-xxxx-xxxx`.
pub fn new_codes() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let mut bytes = [0u8; 12];
            getrandom::fill(&mut bytes).expect("the operating system's random source is available");
            let letters: String = bytes
                .iter()
                .map(|b| ALPHABET[(b & 31) as usize] as char)
                .collect();
            format!("{}-{}-{}", &letters[..4], &letters[4..8], &letters[8..])
        })
        .collect()
}

/// A typed code without dashes, spaces or capitals; `None` when it cannot
/// be a recovery code at all.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    (code.len() == 12 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What the database keeps for a code.
pub fn hash(code: &str) -> String {
    hash_token(&normalise(code).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_readable_and_hash_however_typed() {
        let codes = new_codes();
        assert_eq!(codes.len(), COUNT);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 14);
            assert!(normalise(code).is_some(), "{code}");
            let typed = code.replace('-', " ").to_uppercase();
            assert_eq!(hash(&typed), hash(code));
        }
        assert_eq!(normalise("123456"), None);
        assert_eq!(normalise("abcd-efgh-ijk1"), None);
    }
}
