//! A person (contact) and the choices that describe them. Every choice is
//! a closed list with a stable key (stored as such, and the same in forms),
//! so the browser and the server validate with the same code.

use super::problem::{Problem, single_line};
use super::{EmailAddress, Role};
use serde::{Deserialize, Serialize};

choice!(
    /// B2B: works at a company (company data about a professional); B2C: a
    /// consumer (stricter rules on prospecting).
    PersonKind { B2b => "b2b", B2c => "b2c" }
);

choice!(
    /// Where the person stands commercially.
    PersonStatus {
        Prospect => "prospect",
        Lead => "lead",
        Customer => "customer",
        FormerCustomer => "former_customer",
    }
);

choice!(
    /// How the person's data entered Accord.
    Source { Form => "form", Manual => "manual", Import => "import", Api => "api" }
);

choice!(
    /// GDPR art. 6 bases that apply to a CRM.
    LegalBasis {
        Consent => "consent",
        Contract => "contract",
        LegitimateInterest => "legitimate_interest",
        LegalObligation => "legal_obligation",
    }
);

choice!(
    /// What an e-mail address says about the person: a personal address is
    /// personal data; a generic one (`contact@`) is company data.
    EmailKind { Professional => "professional", Personal => "personal", Generic => "generic" }
);

choice!(
    /// Why Accord processes a person's data; each has its own legal basis.
    Purpose {
        Prospecting => "prospecting",
        CustomerRelationship => "customer_relationship",
    }
);

/// Local parts that name a function, not a person.
const GENERIC_LOCAL_PARTS: &[&str] = &[
    "contact",
    "info",
    "infos",
    "hello",
    "bonjour",
    "accueil",
    "sales",
    "vente",
    "ventes",
    "commercial",
    "support",
    "admin",
    "office",
    "team",
    "equipe",
    "direction",
    "rh",
    "hr",
    "jobs",
    "recrutement",
    "compta",
    "comptabilite",
    "billing",
    "facturation",
    "noreply",
    "no-reply",
    "newsletter",
    "marketing",
    "communication",
    "presse",
    "press",
    "service",
    "serviceclient",
    "help",
    "mail",
    "secretariat",
];

/// Free-mail domains: an address there is personal, not professional.
const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.fr",
    "outlook.com",
    "outlook.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "icloud.com",
    "me.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "gmx.fr",
    "gmx.com",
    "gmx.de",
    "web.de",
    "proton.me",
    "protonmail.com",
    "aol.com",
    "bbox.fr",
    "neuf.fr",
];

impl EmailKind {
    /// The kind an address most likely is; the person entering it can
    /// change a guess of professional or personal, never of generic.
    pub fn detect(address: &EmailAddress) -> EmailKind {
        let (local, domain) = address
            .as_str()
            .rsplit_once('@')
            .unwrap_or((address.as_str(), ""));
        let local = local.to_lowercase();
        if GENERIC_LOCAL_PARTS.contains(&local.as_str()) {
            EmailKind::Generic
        } else if PERSONAL_DOMAINS.contains(&domain) {
            EmailKind::Personal
        } else {
            EmailKind::Professional
        }
    }
}

/// A phone number in E.164 (`+33612345678`). Spaces, dots, dashes and
/// brackets are dropped; a French national number (`06 12 34 56 78`) is
/// read as +33, the product's home market.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        if compact.is_empty() {
            return Err(Problem::Required);
        }
        let international = if let Some(rest) = compact.strip_prefix("00") {
            format!("+{rest}")
        } else if compact.len() == 10 && compact.starts_with('0') {
            format!("+33{}", &compact[1..])
        } else {
            compact
        };
        let digits = international
            .strip_prefix('+')
            .ok_or(Problem::InvalidPhone)?;
        if !(8..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(Problem::InvalidPhone);
        }
        Ok(Self(international))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(PhoneNumber, "phone number");

/// A first or last name: one line, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        single_line(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(PersonName, "name");

/// Optional one-line text (job title, supplier, contract): empty allowed.
pub fn optional_line(raw: &str, max: usize) -> Result<String, Problem> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    single_line(raw, max)
}

/// The basis the form proposes for prospecting someone entered by hand:
/// legitimate interest for a professional (B2B), nothing for a consumer,
/// where the person entering them must choose (usually consent).
pub fn default_prospecting_basis(kind: PersonKind) -> Option<LegalBasis> {
    match kind {
        PersonKind::B2b => Some(LegalBasis::LegitimateInterest),
        PersonKind::B2c => None,
    }
}

choice!(
    /// How a list of people is ordered.
    PeopleSort { Newest => "newest", Name => "name", LastContact => "last_contact" }
);

choice!(
    /// A column the list of people can show (the name always shows).
    PeopleColumn {
        Email => "email",
        Company => "company",
        Status => "status",
        Owner => "owner",
        Team => "team",
        Created => "created",
        LastContact => "last_contact",
        Tags => "tags"
    }
);

impl PeopleColumn {
    /// What a new user sees.
    pub const DEFAULT: &'static [PeopleColumn] = &[
        PeopleColumn::Email,
        PeopleColumn::Company,
        PeopleColumn::Status,
        PeopleColumn::Owner,
        PeopleColumn::Team,
        PeopleColumn::Tags,
    ];

    /// The columns named in `raw` (keys separated by commas; unknown keys
    /// ignored, so a column dropped from Accord does not break a choice).
    pub fn parse_list(raw: &str) -> Vec<PeopleColumn> {
        PeopleColumn::ALL
            .iter()
            .copied()
            .filter(|c| raw.split(',').any(|k| k.trim() == c.key()))
            .collect()
    }

    pub fn list_key(columns: &[PeopleColumn]) -> String {
        columns
            .iter()
            .map(|c| c.key())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A list of people as asked for in the address bar: filters, order and
/// where the page starts (every part as typed; the server validates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeopleListQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    /// A tag's id.
    pub tag: Option<String>,
    /// A `LastContactFilter` key.
    pub contact: Option<String>,
    pub sort: Option<String>,
    /// The id of the last person of the previous page.
    pub after: Option<String>,
}

impl PeopleListQuery {
    /// The query string for this list (empty parts left out), starting
    /// after `after` when given.
    pub fn to_query(&self, after: Option<i64>) -> String {
        let after = after.map(|a| a.to_string());
        let parts = [
            ("status", self.status.as_deref()),
            ("kind", self.kind.as_deref()),
            ("source", self.source.as_deref()),
            ("owner", self.owner.as_deref()),
            ("team", self.team.as_deref()),
            ("created_from", self.created_from.as_deref()),
            ("created_to", self.created_to.as_deref()),
            ("tag", self.tag.as_deref()),
            ("contact", self.contact.as_deref()),
            ("sort", self.sort.as_deref()),
            ("after", after.as_deref()),
        ];
        parts
            .iter()
            .filter_map(|(k, v)| {
                v.filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", crate::url::encode_component(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A person in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub kind: PersonKind,
    pub status: PersonStatus,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub owner_name: String,
    pub team_name: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_inbound_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
}

/// A person's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetail {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub kind: PersonKind,
    pub job_title: String,
    pub status: PersonStatus,
    pub emails: Vec<(String, EmailKind)>,
    pub phones: Vec<String>,
    /// The company they work at: id and name.
    pub company: Option<(i64, String)>,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub source: Source,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub collected_at: chrono::DateTime<chrono::Utc>,
    pub entered_by_name: Option<String>,
    pub supplier: String,
    pub contract_ref: String,
    pub legal_bases: Vec<(Purpose, LegalBasis)>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_inbound_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
    /// Whether the reader may edit the person and log to the timeline
    /// (the page hides the forms otherwise; the server checks again).
    pub may_edit: bool,
    /// Since when their processing is restricted (art. 18), Unix ms.
    pub restricted_ms: Option<i64>,
    /// When they objected to prospecting (art. 21), Unix ms.
    pub objected_ms: Option<i64>,
    /// Whether an address or number of theirs is on the suppression list.
    pub suppressed: bool,
    /// Whether the reader may restrict or lift (the DPO, administrators).
    pub may_restrict: bool,
    /// For those who handle requests: what an open rectification request
    /// about the person asks to correct (their next save is recorded in
    /// it, and the DPO may edit the person while it is open).
    #[serde(default)]
    pub rectification: Option<String>,
    /// The deals naming the person that the reader may see.
    pub deals: Vec<super::RecordDeal>,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
    /// Consent per purpose now, and the ledger's rows about the person
    /// (newest first).
    #[serde(default)]
    pub consents: Vec<super::consent::ConsentNow>,
    #[serde(default)]
    pub consent_history: Vec<super::consent::ConsentEntry>,
    /// Whether the reader may export the proof of consent.
    #[serde(default)]
    pub may_export_proof: bool,
}

/// A team, with its members' names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: i64,
    pub name: String,
    pub members: Vec<(i64, String)>,
}

/// Who may be chosen as owner and team when entering a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFormChoices {
    pub teams: Vec<(i64, String)>,
    pub me: i64,
    pub my_role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(
            PhoneNumber::parse("06 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
        assert_eq!(
            PhoneNumber::parse("0049 30 1234567").unwrap().as_str(),
            "+49301234567"
        );
        for bad in ["12", "+33 0612", "abc", "+1234567890123456", "612345678"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generic_and_personal_addresses_are_recognised() {
        let kind = |a: &str| EmailKind::detect(&EmailAddress::parse(a).unwrap());
        assert_eq!(kind("contact@acme.fr"), EmailKind::Generic);
        assert_eq!(kind("Info@acme.fr"), EmailKind::Generic);
        assert_eq!(kind("jean.dupont@gmail.com"), EmailKind::Personal);
        assert_eq!(kind("jean.dupont@acme.fr"), EmailKind::Professional);
    }

    #[test]
    fn choices_round_trip_and_refuse_unknown_keys() {
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.key()), Ok(*s));
        }
        assert_eq!(LegalBasis::parse("whim"), Err(Problem::UnknownChoice));
        assert_eq!(default_prospecting_basis(PersonKind::B2c), None);
    }
}
