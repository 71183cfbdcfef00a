//! Requests of the person (GDPR art. 15–21) as the privacy portal takes
//! them and the DPO's register shows them. Shared by the browser and the
//! server, which checks again.

use super::EmailAddress;
use super::problem::Problem;
use crate::i18n::Catalogue;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

choice!(
    /// What the person asks.
    RequestKind {
        Access => "access",
        Rectification => "rectification",
        Erasure => "erasure",
        Restriction => "restriction",
        Objection => "objection",
        WithdrawAll => "withdraw_all",
    }
);

choice!(
    /// Where a request stands: `Unverified` until the requester confirms
    /// their address, then `Open` in the DPO's queue; `Expired` if never
    /// confirmed.
    RequestStatus {
        Unverified => "unverified",
        Open => "open",
        Done => "done",
        Refused => "refused",
        Expired => "expired",
    }
);

impl RequestKind {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            RequestKind::Access => t.request_kind_access,
            RequestKind::Rectification => t.request_kind_rectification,
            RequestKind::Erasure => t.request_kind_erasure,
            RequestKind::Restriction => t.request_kind_restriction,
            RequestKind::Objection => t.request_kind_objection,
            RequestKind::WithdrawAll => t.request_kind_withdraw_all,
        }
    }

    /// Whether verifying the address is all it takes: withdrawing consent
    /// must be as easy as giving it (art. 7.3), and objecting to
    /// prospecting is absolute (art. 21.3). Both are done at once.
    pub fn done_on_verification(self) -> bool {
        matches!(self, RequestKind::WithdrawAll | RequestKind::Objection)
    }
}

impl RequestStatus {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            RequestStatus::Unverified => t.request_status_unverified,
            RequestStatus::Open => t.request_status_open,
            RequestStatus::Done => t.request_status_done,
            RequestStatus::Refused => t.request_status_refused,
            RequestStatus::Expired => t.request_status_expired,
        }
    }
}

/// The most a requester may write.
pub const REQUEST_DETAILS_MAX: usize = 2_000;

/// How long a verification link stays valid.
pub const VERIFY_VALID_DAYS: i64 = 7;

/// The answer is due one month after receipt (art. 12.3)…
pub fn due_at(received_at: DateTime<Utc>) -> DateTime<Utc> {
    received_at
        .checked_add_months(Months::new(1))
        .unwrap_or(received_at)
}

/// …or, extended with a reason, three months after receipt.
pub fn extended_due_at(received_at: DateTime<Utc>) -> DateTime<Utc> {
    received_at
        .checked_add_months(Months::new(3))
        .unwrap_or(received_at)
}

/// The portal's form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    pub kind: String,
    pub email: String,
    pub details: String,
}

/// A request that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDraft {
    pub kind: RequestKind,
    pub email: EmailAddress,
    pub details: String,
}

/// Free text of several lines: trimmed, CRLF made LF, no other control
/// characters.
fn details(raw: &str, required: bool) -> Result<String, Problem> {
    let value = raw.replace("\r\n", "\n").replace('\r', "\n");
    let value = value.trim();
    if value.is_empty() && required {
        return Err(Problem::Required);
    }
    if value.chars().count() > REQUEST_DETAILS_MAX {
        return Err(Problem::TooLong {
            max: REQUEST_DETAILS_MAX,
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Problem::ControlCharacters);
    }
    Ok(value.to_string())
}

impl RequestInput {
    /// The portal's checks, the same in the browser and on the server. A
    /// rectification says what to correct.
    pub fn check(&self) -> Result<RequestDraft, Vec<(String, Problem)>> {
        let mut problems = Vec::new();
        let kind = RequestKind::parse(&self.kind)
            .map_err(|p| problems.push(("kind".to_string(), p)))
            .ok();
        let email = EmailAddress::parse(&self.email)
            .map_err(|p| problems.push(("email".to_string(), p)))
            .ok();
        let details = details(&self.details, kind == Some(RequestKind::Rectification))
            .map_err(|p| problems.push(("details".to_string(), p)))
            .ok();
        match (kind, email, details) {
            (Some(kind), Some(email), Some(details)) if problems.is_empty() => Ok(RequestDraft {
                kind,
                email,
                details,
            }),
            _ => Err(problems),
        }
    }
}

/// A request as the DPO's register shows it. Instants are Unix
/// milliseconds (see `InteractionView`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: i64,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub email: String,
    /// The language the requester wrote in: their mails are in it.
    pub language: crate::i18n::Locale,
    pub details: String,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub received_ms: i64,
    pub verified_ms: Option<i64>,
    pub due_ms: i64,
    pub extension_reason: String,
    pub handled_by: Option<String>,
    pub outcome: String,
    pub closed_ms: Option<i64>,
    pub version: i64,
    /// For a rectification: each save of the person's record made while
    /// it was open, oldest first.
    #[serde(default)]
    pub changes: Vec<RequestChange>,
}

/// One save of a person's record made while a rectification request about
/// them was open: when, by whom, and which catalogued fields changed (only
/// their names: the wrong values are what the person asked to be rid of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestChange {
    pub at_ms: i64,
    pub by: String,
    /// Field-catalogue keys (`person.last_name`), as in
    /// [`super::fields::FIELDS`].
    pub fields: Vec<String>,
}

/// The name of a person's field the edit form changes, for the register:
/// `key` is the field catalogue's.
pub fn field_label(t: &Catalogue, key: &str) -> &'static str {
    match key {
        "person.first_name" => t.person_first_name,
        "person.last_name" => t.person_last_name,
        "person.kind" => t.person_kind,
        "person.job_title" => t.person_job_title,
        "person.company" => t.company_of_person,
        "person.status" => t.person_status,
        "person.email" | "person.email_kind" => t.person_email,
        "person.phone" => t.person_phone_fact,
        "person.team" => t.person_team,
        _ => t.requests_other_field,
    }
}

/// How close a request is to its due date, for the queue's colours and
/// the reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Urgency {
    Overdue,
    /// Due within two days.
    TwoDays,
    /// Due within seven days.
    SevenDays,
    Later,
}

impl RequestView {
    pub fn urgency(&self, now_ms: i64) -> Urgency {
        const DAY: i64 = 86_400_000;
        let left = self.due_ms - now_ms;
        if left < 0 {
            Urgency::Overdue
        } else if left <= 2 * DAY {
            Urgency::TwoDays
        } else if left <= 7 * DAY {
            Urgency::SevenDays
        } else {
            Urgency::Later
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rectification_says_what_to_correct() {
        let input = RequestInput {
            kind: "rectification".into(),
            email: "anne@example.fr".into(),
            details: "  ".into(),
        };
        assert_eq!(
            input.check(),
            Err(vec![("details".into(), Problem::Required)])
        );
        let input = RequestInput {
            kind: "erasure".into(),
            ..input
        };
        assert_eq!(input.check().unwrap().kind, RequestKind::Erasure);
        let bad = RequestInput {
            kind: "everything".into(),
            email: "not an address".into(),
            details: "x".repeat(REQUEST_DETAILS_MAX + 1),
        };
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, vec!["kind", "email", "details"]);
    }

    #[test]
    fn due_one_month_after_receipt_three_when_extended() {
        let received = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(due_at(received).to_rfc3339(), "2026-02-28T10:00:00+00:00");
        assert_eq!(
            extended_due_at(received).to_rfc3339(),
            "2026-04-30T10:00:00+00:00"
        );
    }
}
