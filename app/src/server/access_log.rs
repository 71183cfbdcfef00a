//! Recording accesses to personal data in the append-only access log.
//!
//! Server functions that read or change personal data call [`guard`]
//! instead of `policy::authorize`: it applies the policy and records the
//! attempt, allowed or refused. If the entry cannot be written, the access
//! is refused too: an access that cannot be traced does not happen.

use super::auth::current_user;
use super::context::{self, client_addr};
use super::policy::{self, Action};
use super::storage::AccessLogRecord;
use crate::error::AppError;
use crate::server::auth::SessionUser;

/// Authorizes `action` on a record of personal data and logs the attempt.
/// `verb` says what was done (`read`, `list`, `create`, `update`…),
/// `record_type`/`record_id` what it was done to (`""` for a list).
pub async fn guard(
    action: Action,
    verb: &str,
    record_type: &str,
    record_id: &str,
) -> Result<SessionUser, AppError> {
    let decision = policy::authorize(action);
    // Callers without a session are refused before any server function
    // runs; there is nobody to attribute such an entry to.
    if let Some(user) = current_user() {
        write(&user, verb, record_type, record_id, decision.is_ok()).await?;
    }
    decision
}

/// Logs a decision taken on one record after reading who owns it (the
/// role allowed the action, the record's owner and team decided). Fails
/// closed: an error here must stop the access.
pub async fn write(
    user: &SessionUser,
    verb: &str,
    record_type: &str,
    record_id: &str,
    allowed: bool,
) -> Result<(), AppError> {
    let entry = AccessLogRecord {
        id: 0,
        at: chrono::Utc::now(),
        user_id: Some(user.user_id),
        user_email: user.email.to_string(),
        action: verb.to_string(),
        record_type: record_type.to_string(),
        record_id: record_id.to_string(),
        allowed,
        client_addr: client_addr(),
    };
    let ctx = context::server_context()?;
    ctx.storage
        .access_log
        .append(&entry)
        .await
        .map_err(|e| context::internal("access_log.append", e))
}
