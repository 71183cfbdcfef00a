//! A company (account): the organisation people work at. Its identifiers
//! validate on construction, in the browser and on the server alike.

use super::problem::{Problem, single_line};
use serde::{Deserialize, Serialize};

choice!(
    /// Headcount bands, as the French statistics office counts them
    /// (TPE, PME, ETI, grande entreprise).
    CompanySize { Micro => "micro", Small => "small", Medium => "medium", Large => "large" }
);

/// A company's legal identifier: a French SIREN (9 digits) or SIRET (14
/// digits), both with their Luhn check digit, or an EU VAT number (two
/// letters then 2 to 13 letters or digits). Spaces and dots are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LegalId(String);

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl LegalId {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
            .collect::<String>()
            .to_uppercase();
        if compact.is_empty() {
            return Err(Problem::Required);
        }
        let all_digits = compact.bytes().all(|b| b.is_ascii_digit());
        let valid = if all_digits {
            matches!(compact.len(), 9 | 14) && luhn(&compact)
        } else {
            let (country, rest) = compact.split_at(2.min(compact.len()));
            country.bytes().all(|b| b.is_ascii_uppercase())
                && (2..=13).contains(&rest.len())
                && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        if valid {
            Ok(Self(compact))
        } else {
            Err(Problem::InvalidLegalId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(LegalId, "legal identifier");

/// A web domain (`acme.fr`): typed with or without `https://`, `www.` or a
/// path, kept as the bare lower-case host name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let mut host = raw.trim().to_lowercase();
        if host.is_empty() {
            return Err(Problem::Required);
        }
        for scheme in ["https://", "http://"] {
            if let Some(rest) = host.strip_prefix(scheme) {
                host = rest.to_string();
            }
        }
        if let Some((before, _)) = host.split_once('/') {
            host = before.to_string();
        }
        if let Some(rest) = host.strip_prefix("www.") {
            host = rest.to_string();
        }
        let labels_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if host.len() > 253 || !host.contains('.') || !labels_ok {
            return Err(Problem::InvalidDomain);
        }
        Ok(Self(host))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(Domain, "domain");

/// A company's name: one line, at most 200 characters.
pub fn company_name(raw: &str) -> Result<String, Problem> {
    single_line(raw, 200)
}

/// A company in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySummary {
    pub id: i64,
    pub name: String,
    pub domain: String,
    pub sector: String,
    pub size: Option<CompanySize>,
    pub owner_name: String,
    pub team_name: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A company's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDetail {
    pub summary: CompanySummary,
    pub legal_id: String,
    pub address: String,
    pub team_id: Option<i64>,
    pub version: i64,
    /// Whether the reader may edit it.
    pub may_edit: bool,
    /// The people who work there that the reader may see: id and name.
    pub people: Vec<(i64, String)>,
    /// Its deals and its people's that the reader may see.
    pub deals: Vec<super::RecordDeal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_identifiers_are_checked() {
        // SIREN of a real French company (check digit valid), with spaces.
        assert_eq!(LegalId::parse("732 829 320").unwrap().as_str(), "732829320");
        assert_eq!(
            LegalId::parse("73282932000074").unwrap().as_str(),
            "73282932000074"
        );
        assert_eq!(
            LegalId::parse("fr 40 303265045").unwrap().as_str(),
            "FR40303265045"
        );
        for bad in ["732829321", "12345", "F1234", "FR!23456", "FR1"] {
            assert_eq!(LegalId::parse(bad), Err(Problem::InvalidLegalId), "{bad}");
        }
    }

    #[test]
    fn domains_are_reduced_to_the_host() {
        assert_eq!(
            Domain::parse("https://www.Acme.fr/contact")
                .unwrap()
                .as_str(),
            "acme.fr"
        );
        for bad in ["acme", "acme..fr", "-acme.fr", "ac me.fr"] {
            assert_eq!(Domain::parse(bad), Err(Problem::InvalidDomain), "{bad}");
        }
    }
}
