//! The retention clock (storage limitation, GDPR art. 5.1.e) with the
//! French CNIL's defaults for prospecting and customer files: a prospect
//! is kept three years from collection or from the last contact they
//! initiated (a reply, an inbound call, a form, a confirmed link; not a
//! mail opened), a former customer three years from the end of the
//! relationship, access-log entries one year, an unconfirmed consent
//! thirty days. A current customer is never due.

use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Prospects and leads, from collection or their last inbound contact.
    pub prospect_months: u32,
    /// Former customers, from the end of the relationship.
    pub former_customer_months: u32,
    /// How long before the limit a re-permission mail is sent.
    pub notice_days: u32,
}

impl RetentionPolicy {
    /// The CNIL's recommendations for prospecting (référentiel « gestion
    /// commerciale », 2021): three years.
    pub const CNIL: RetentionPolicy = RetentionPolicy {
        prospect_months: 36,
        former_customer_months: 36,
        notice_days: 60,
    };

    /// Prospects whose clock started before this instant are due on
    /// `as_of` (the start of that day, UTC).
    pub fn prospect_cutoff(&self, as_of: NaiveDate) -> DateTime<Utc> {
        months_before(as_of, self.prospect_months)
    }

    /// The same for former customers.
    pub fn former_customer_cutoff(&self, as_of: NaiveDate) -> DateTime<Utc> {
        months_before(as_of, self.former_customer_months)
    }

    /// When the clock of someone under `rule` whose clock started at
    /// `since` runs out.
    pub fn limit_of(&self, rule: DueRule, since: DateTime<Utc>) -> DateTime<Utc> {
        let months = match rule {
            DueRule::Prospect => self.prospect_months,
            DueRule::FormerCustomer => self.former_customer_months,
        };
        since
            .checked_add_months(Months::new(months))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The day that is `notice_days` after `as_of`: whoever will be due
    /// on it, and is not yet on `as_of`, is asked now.
    pub fn notice_day(&self, as_of: NaiveDate) -> NaiveDate {
        as_of
            .checked_add_days(Days::new(u64::from(self.notice_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// People asked before this instant were asked in an earlier cycle:
    /// each person's notice window lasts `notice_days`, so anyone asked
    /// since is asked already.
    pub fn asked_before(&self, as_of: NaiveDate) -> DateTime<Utc> {
        as_of
            .checked_sub_days(Days::new(u64::from(self.notice_days)))
            .unwrap_or(NaiveDate::MIN)
            .and_time(NaiveTime::MIN)
            .and_utc()
    }
}

fn months_before(as_of: NaiveDate, months: u32) -> DateTime<Utc> {
    let day = as_of
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN);
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Why a person is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DueRule {
    /// A prospect or lead whose clock (collection or last inbound
    /// contact) passed the limit.
    Prospect,
    /// A former customer whose relationship ended before the limit.
    FormerCustomer,
}

impl DueRule {
    pub fn key(self) -> &'static str {
        match self {
            DueRule::Prospect => "prospect",
            DueRule::FormerCustomer => "former_customer",
        }
    }
}

/// How healthy the data is, for the privacy area: counts of people the
/// DPO should look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataHealth {
    /// Past their retention limit (the next run erases them, unless held).
    pub past_due: i64,
    /// Reaching it within the notice (asked whether to stay).
    pub near_due: i64,
    /// Without any legal basis recorded.
    pub without_basis: i64,
    /// No inbound contact and no change to their record for a year.
    pub stale: i64,
    /// Addresses whose mail keeps failing.
    pub bouncing: i64,
}

/// How long without activity makes a record stale.
pub const STALE_MONTHS: u32 = 12;

/// A retention run as the privacy area lists it (instants in Unix
/// milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub started_ms: i64,
    /// None while it runs.
    pub finished_ms: Option<i64>,
    /// `YYYY-MM-DD`.
    pub as_of: String,
    pub dry_run: bool,
    pub due: i64,
    pub erased: i64,
    pub held: i64,
    /// Asked whether they still want to hear from the organisation.
    pub asked: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_years_to_the_day() {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let cutoff = RetentionPolicy::CNIL.prospect_cutoff(as_of);
        assert_eq!(cutoff.to_rfc3339(), "2023-12-02T00:00:00+00:00");
        // 29 February has no anniversary: the last day of February.
        let leap = NaiveDate::from_ymd_opt(2027, 2, 28).unwrap();
        assert_eq!(
            RetentionPolicy::CNIL.prospect_cutoff(leap).date_naive(),
            NaiveDate::from_ymd_opt(2024, 2, 28).unwrap()
        );
    }
}
