//! Domain types shared by the browser and the server. Each newtype
//! validates on construction, so the browser shows the same message the
//! server would return, and the server never trusts what the browser sent.

// Instants cross to the browser as Unix milliseconds
// (`chrono::serde::ts_milliseconds`): parsing RFC 3339 text would compile
// chrono's date parser into the browser bundle.

/// The conversions every validated string newtype needs: serde through
/// `String` (deserialising validates with `parse`), `From` back to
/// `String`, and `Display`.
macro_rules! string_newtype {
    ($name:ident, $what:literal) => {
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value).map_err(|p| format!(concat!("invalid ", $what, ": {:?}"), p))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

#[macro_use]
mod choice;
mod company;
pub mod consent;
pub mod dashboard;
mod display_name;
mod email;
pub mod fields;
mod interaction;
mod lead;
pub mod live;
mod organisation;
mod password;
mod person;
mod pipeline;
pub mod privacy;
mod problem;
pub mod retention;
mod role;
pub mod search;
mod tag;

pub use company::{CompanyDetail, CompanySize, CompanySummary, Domain, LegalId, company_name};
pub use display_name::DisplayName;
pub use email::EmailAddress;
pub use interaction::{
    CallOutcome, Direction, InteractionKind, InteractionView, NOTES_MAX_CHARS, TimelineCursor,
    TimelinePage, duration_minutes, notes,
};
pub use lead::{
    LeadDetail, LeadStatus, LeadSummary, amount_cents, currency, deal_title, format_amount,
    lead_score,
};
pub use organisation::{Organisation, OrganisationName};
pub use password::PasswordPolicy;
pub use person::{
    EmailKind, LegalBasis, PeopleColumn, PeopleListQuery, PeopleSort, PersonDetail,
    PersonFormChoices, PersonKind, PersonName, PersonStatus, PersonSummary, PhoneNumber, Purpose,
    Source, TeamSummary, default_prospecting_basis, optional_line,
};
pub use pipeline::{
    BoardColumn, BoardQuery, BoardView, COLUMN_PAGE, ColumnTotal, DEAL_AMOUNT_MAX_CENTS,
    DEFAULT_STAGES, DealCard, DealDetail, DealFormChoices, DealMove, DealMoved, Pipeline,
    PipelineSettings, RecordDeal, STAGE_NAME_MAX, Stage, StageKind, StageStep, find_card,
    place_card, probability, rank, stage_name, weighted_cents,
};
pub use problem::Problem;
#[cfg(feature = "ssr")]
pub(crate) use problem::single_line;
pub use role::Role;
pub use tag::{LastContactFilter, TAG_MAX, tag_name};

/// The signed-in user as the browser sees them (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Me {
    pub display_name: String,
    pub email: EmailAddress,
    pub role: Role,
    pub may: Permissions,
    /// The organisation requires a second factor for this role and the
    /// user has not set one up: everything else waits until they do.
    pub must_enroll_second_factor: bool,
}

/// What the interface should offer the signed-in user, decided by the
/// server's policy (the browser never decides; the server checks again on
/// every call). Controls a role cannot use are not shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Permissions {
    pub edit_organisation: bool,
    pub manage_users: bool,
    pub view_access_log: bool,
    /// Tag people (those the user may open).
    pub tag_people: bool,
    /// Give people to another owner.
    pub reassign_people: bool,
}

/// A user as administrators see them in Settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Signs in with an authenticator app as well as the password.
    pub second_factor: bool,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One of the signed-in user's sessions. `id` is the stored hash of the
/// session's token, which grants nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionSummary {
    pub id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub client_addr: String,
    pub user_agent: String,
    pub current: bool,
}

/// One access-log entry as the DPO sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessLogEntry {
    pub id: i64,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub user_email: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub allowed: bool,
    pub client_addr: String,
}

/// One's own second-factor state, for Settings → Security.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecurityStatus {
    /// An authenticator is confirmed, since then.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub enabled_since: Option<chrono::DateTime<chrono::Utc>>,
    pub unused_recovery_codes: u32,
    /// The organisation requires a second factor for this user's role.
    pub required: bool,
    /// The organisation's rule for administrators and DPOs.
    pub required_for_privileged: bool,
    /// This user may change that rule (administrators).
    pub may_change_rule: bool,
    /// An enrolment begun and not yet confirmed with a first code.
    pub enrolment: Option<Enrolment>,
}

/// What setting up an authenticator app shows: the QR code (SVG drawn by
/// the server), the same secret as text for typing, and the recovery
/// codes to keep, shown only until the first code confirms the set-up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enrolment {
    pub qr_svg: String,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}
