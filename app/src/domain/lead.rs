//! Leads: people who may become customers, qualified before they enter the
//! pipeline; and the money a deal is worth.

use super::problem::{Problem, single_line};
use super::{LegalBasis, PersonKind, Source};
use serde::{Deserialize, Serialize};

choice!(
    /// How far qualifying a lead has gone.
    LeadStatus {
        New => "new",
        Contacted => "contacted",
        Qualified => "qualified",
        Disqualified => "disqualified",
    }
);

/// A lead's score, 0 to 100, as typed (empty is 0).
pub fn lead_score(raw: &str) -> Result<u8, Problem> {
    match raw.trim() {
        "" => Ok(0),
        raw => match raw.parse::<u8>() {
            Ok(s) if s <= 100 => Ok(s),
            _ => Err(Problem::InvalidNumber),
        },
    }
}

/// An amount of money in integer cents, typed the French or the English
/// way: `12 500,50`, `12,500.50`, `12500.5`, `12500`. Never a float.
pub fn amount_cents(raw: &str) -> Result<i64, Problem> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€' | '$' | '£'))
        .collect();
    if compact.is_empty() {
        return Err(Problem::Required);
    }
    // The last separator followed by one or two digits is the decimal
    // one; any other separator groups thousands.
    let decimal_at = compact
        .rfind([',', '.'])
        .filter(|&i| (1..=2).contains(&(compact.len() - i - 1)));
    let (units, cents) = match decimal_at {
        Some(i) => (&compact[..i], &compact[i + 1..]),
        None => (compact.as_str(), ""),
    };
    let units: String = units.chars().filter(|c| !matches!(c, ',' | '.')).collect();
    if units.is_empty()
        || !units.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
        || units.len() > 13
    {
        return Err(Problem::InvalidAmount);
    }
    let units: i64 = units.parse().map_err(|_| Problem::InvalidAmount)?;
    let cents: i64 = match cents.len() {
        0 => 0,
        1 => cents.parse::<i64>().map_err(|_| Problem::InvalidAmount)? * 10,
        _ => cents.parse().map_err(|_| Problem::InvalidAmount)?,
    };
    Ok(units * 100 + cents)
}

/// An ISO 4217 currency code (`EUR`).
pub fn currency(raw: &str) -> Result<String, Problem> {
    let code = raw.trim().to_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Problem::UnknownChoice)
    }
}

/// `12 500,50 EUR`: cents shown with a thin space between thousands.
pub fn format_amount(cents: i64, currency: &str) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02} {currency}", cents % 100)
}

/// A deal's title: one line, at most 200 characters.
pub fn deal_title(raw: &str) -> Result<String, Problem> {
    single_line(raw, 200)
}

/// A lead in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub status: LeadStatus,
    pub score: u8,
    pub source: Source,
    pub owner_name: String,
    pub converted_person: Option<i64>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A lead's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub summary: LeadSummary,
    pub email: String,
    pub phone: String,
    pub kind: PersonKind,
    pub disqualified_reason: String,
    pub team_name: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub collected_at: chrono::DateTime<chrono::Utc>,
    pub supplier: String,
    pub contract_ref: String,
    pub prospecting_basis: LegalBasis,
    pub deal_id: Option<i64>,
    pub version: i64,
    /// Whether the reader may change and convert it.
    pub may_edit: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_the_french_and_the_english_way() {
        assert_eq!(amount_cents("12 500,50"), Ok(1_250_050));
        assert_eq!(amount_cents("12,500.50"), Ok(1_250_050));
        assert_eq!(amount_cents("12.500,5"), Ok(1_250_050));
        assert_eq!(amount_cents("12500"), Ok(1_250_000));
        assert_eq!(amount_cents("1,500"), Ok(150_000));
        assert_eq!(amount_cents("0,99 €"), Ok(99));
        for bad in ["abc", "-5", "1e3", ",5", "12 500,5x"] {
            assert_eq!(amount_cents(bad), Err(Problem::InvalidAmount), "{bad}");
        }
        assert_eq!(amount_cents(" "), Err(Problem::Required));
        assert_eq!(format_amount(1_250_050, "EUR"), "12\u{202f}500,50 EUR");
        assert_eq!(format_amount(5, "EUR"), "0,05 EUR");
    }

    #[test]
    fn scores_and_currencies() {
        assert_eq!(lead_score(""), Ok(0));
        assert_eq!(lead_score("100"), Ok(100));
        assert_eq!(lead_score("101"), Err(Problem::InvalidNumber));
        assert_eq!(currency("eur"), Ok("EUR".into()));
        assert_eq!(currency("EURO"), Err(Problem::UnknownChoice));
    }
}
