use super::problem::{Problem, single_line};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The name of the organisation using this Accord instance: one line of
/// 1 to 100 characters, surrounding spaces removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrganisationName(String);

impl OrganisationName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        single_line(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(OrganisationName, "organisation name");

/// The organisation record shown on the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: OrganisationName,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_unicode() {
        let name = OrganisationName::parse("  Société Générale d’Études  ").unwrap();
        assert_eq!(name.as_str(), "Société Générale d’Études");
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(OrganisationName::parse("   "), Err(Problem::Required));
        let long = "é".repeat(101);
        assert_eq!(
            OrganisationName::parse(&long),
            Err(Problem::TooLong { max: 100 })
        );
        assert!(OrganisationName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            OrganisationName::parse("Acme\nLtd"),
            Err(Problem::ControlCharacters)
        );
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<OrganisationName>("\"\"").is_err());
        let ok: OrganisationName = serde_json::from_str("\"Acme\"").unwrap();
        assert_eq!(ok.as_str(), "Acme");
    }
}
