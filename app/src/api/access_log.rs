//! Reading the access log (DPO and administrators).

use crate::domain::AccessLogEntry;
use crate::error::AppError;
use leptos::prelude::*;

/// Entries matching the filters, newest first, at most 200. Empty filters
/// are ignored. Dates are `YYYY-MM-DD` (UTC; `to` is inclusive).
#[server(endpoint = "access-log/search")]
pub async fn search_access_log(
    user_email: Option<String>,
    record: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<AccessLogEntry>, AppError> {
    use crate::domain::{EmailAddress, Problem};
    use crate::server::storage::AccessLogFilter;
    use crate::server::{access_log, context, policy, respond};
    use chrono::{NaiveDate, TimeZone, Utc};

    let result = async {
        access_log::guard(policy::Action::ViewAccessLog, "list", "access_log", "").await?;
        let ctx = context::server_context()?;
        let nonempty =
            |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let day = |field: &str,
                   v: Option<String>,
                   plus: i64|
         -> Result<Option<chrono::DateTime<Utc>>, AppError> {
            match nonempty(v) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map(|d| {
                        Some(
                            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                                + chrono::Duration::days(plus),
                        )
                    })
                    .map_err(|_| AppError::validation(field, Problem::InvalidDate)),
            }
        };
        let mut filter = AccessLogFilter {
            from: day("from", from, 0)?,
            to: day("to", to, 1)?,
            ..Default::default()
        };
        if let Some(email) = nonempty(user_email) {
            let address =
                EmailAddress::parse(&email).map_err(|p| AppError::validation("user_email", p))?;
            let user = ctx
                .storage
                .users
                .find_by_email(&address)
                .await
                .map_err(|e| context::internal("users.find_by_email", e))?;
            // An unknown user simply has no entries.
            filter.user_id = Some(user.map(|u| u.id).unwrap_or(-1));
        }
        if let Some(record) = nonempty(record) {
            // `type` or `type:id`, e.g. `user` or `user:12`.
            let (kind, id) = record.split_once(':').unwrap_or((&record, ""));
            filter.record_type = Some(kind.trim().to_string());
            if !id.trim().is_empty() {
                filter.record_id = Some(id.trim().to_string());
            }
        }
        let entries = ctx
            .storage
            .access_log
            .search(&filter, 200)
            .await
            .map_err(|e| context::internal("access_log.search", e))?;
        Ok(entries
            .into_iter()
            .map(|e| AccessLogEntry {
                id: e.id,
                at: e.at,
                user_email: e.user_email,
                action: e.action,
                record_type: e.record_type,
                record_id: e.record_id,
                allowed: e.allowed,
                client_addr: e.client_addr,
            })
            .collect())
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}
