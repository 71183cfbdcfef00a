use super::problem::Problem;
use serde::{Deserialize, Serialize};

/// An e-mail address, trimmed, with its domain lower-cased (the local part
/// keeps its case: RFC 5321 lets servers treat it as case-sensitive).
/// Validation is deliberately pragmatic: one `@`, a non-empty local part,
/// a dotted domain, no spaces or control characters, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Problem::Required);
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(Problem::InvalidEmail);
        };
        let bad_char = |c: char| c.is_whitespace() || c.is_control();
        if local.is_empty()
            || local.len() > 64
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.contains('@')
            || value.chars().any(bad_char)
        {
            return Err(Problem::InvalidEmail);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to find an account: the whole address lower-cased, so
    /// `Jean@x.fr` and `jean@x.fr` cannot be two accounts.
    pub fn lookup_key(&self) -> String {
        self.0.to_lowercase()
    }
}

string_newtype!(EmailAddress, "e-mail address");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let e = EmailAddress::parse("  Jean.Dupont@Example.FR ").unwrap();
        assert_eq!(e.as_str(), "Jean.Dupont@example.fr");
        assert_eq!(e.lookup_key(), "jean.dupont@example.fr");
        assert!(EmailAddress::parse("hélène@société.fr").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "jean",
            "@x.fr",
            "jean@",
            "jean@fr",
            "je an@x.fr",
            "jean@x..fr",
            "a@b@c.fr",
            "jean@.x.fr",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(Problem::InvalidEmail),
                "{bad}"
            );
        }
        assert_eq!(EmailAddress::parse(" "), Err(Problem::Required));
    }
}
