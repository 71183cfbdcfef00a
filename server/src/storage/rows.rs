//! Row-to-domain mapping shared by both backends: the column names and
//! the validation of stored values are the same, only the driver differs.

use super::storage_error;
use app::domain::{EmailAddress, Role};
use app::server::storage::{AccessLogRecord, SessionRecord, StorageError, UserRecord};
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

fn corrupt(what: &str, detail: impl std::fmt::Debug) -> StorageError {
    StorageError::Corrupt(format!("{what}: {detail:?}"))
}

/// Reads the `users` columns (optionally prefixed, e.g. `u_` in joins).
pub fn user<'r, R>(row: &'r R, prefix: &str) -> Result<UserRecord, StorageError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    let col = |name: &str| format!("{prefix}{name}");
    let email: String = row.try_get(col("email").as_str()).map_err(storage_error)?;
    let role: String = row.try_get(col("role").as_str()).map_err(storage_error)?;
    Ok(UserRecord {
        id: row.try_get(col("id").as_str()).map_err(storage_error)?,
        email: EmailAddress::parse(&email).map_err(|p| corrupt("users.email", p))?,
        display_name: row
            .try_get(col("display_name").as_str())
            .map_err(storage_error)?,
        role: Role::parse(&role).map_err(|p| corrupt("users.role", p))?,
        active: row.try_get(col("active").as_str()).map_err(storage_error)?,
        password_hash: row
            .try_get(col("password_hash").as_str())
            .map_err(storage_error)?,
        created_at: row
            .try_get(col("created_at").as_str())
            .map_err(storage_error)?,
    })
}

/// Reads the `sessions` columns.
pub fn session<'r, R>(row: &'r R) -> Result<SessionRecord, StorageError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(SessionRecord {
        token_hash: row.try_get("token_hash").map_err(storage_error)?,
        user_id: row.try_get("user_id").map_err(storage_error)?,
        created_at: row.try_get("created_at").map_err(storage_error)?,
        last_seen_at: row.try_get("last_seen_at").map_err(storage_error)?,
        client_addr: row.try_get("client_addr").map_err(storage_error)?,
        user_agent: row.try_get("user_agent").map_err(storage_error)?,
        second_factor_pending: row
            .try_get("second_factor_pending")
            .map_err(storage_error)?,
    })
}

/// Reads the `access_log` columns.
pub fn access_log_entry<'r, R>(row: &'r R) -> Result<AccessLogRecord, StorageError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    let outcome: String = row.try_get("outcome").map_err(storage_error)?;
    Ok(AccessLogRecord {
        id: row.try_get("id").map_err(storage_error)?,
        at: row.try_get("at").map_err(storage_error)?,
        user_id: row.try_get("user_id").map_err(storage_error)?,
        user_email: row.try_get("user_email").map_err(storage_error)?,
        action: row.try_get("action").map_err(storage_error)?,
        record_type: row.try_get("record_type").map_err(storage_error)?,
        record_id: row.try_get("record_id").map_err(storage_error)?,
        allowed: outcome == "allowed",
        client_addr: row.try_get("client_addr").map_err(storage_error)?,
    })
}

/// The user columns of a session-with-user join, prefixed `u_`.
pub const USER_COLUMNS_PREFIXED: &str = "u.id AS u_id, u.email AS u_email, u.display_name AS u_display_name, \
     u.role AS u_role, u.active AS u_active, u.password_hash AS u_password_hash, u.created_at AS u_created_at";

/// The user columns, unprefixed.
pub const USER_COLUMNS: &str = "id, email, display_name, role, active, password_hash, created_at";

/// Unique violations are reported differently by SQLite and PostgreSQL;
/// sqlx's `kind()` abstracts that (never match on constraint names).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation))
}
