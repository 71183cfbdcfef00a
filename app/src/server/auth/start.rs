//! Starting and ending sessions (used by the sign-in and set-up server
//! functions).

use super::session::{clearing_cookie, request_is_https, session_cookie};
use super::token::{hash_token, new_token};
use crate::error::AppError;
use crate::server::context::{self, ServerContext};
use crate::server::storage::{SessionRecord, UserRecord};
use chrono::Utc;
use http::{HeaderValue, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Whether a new session is complete, or waits for the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    SignedIn,
    SecondFactorPending,
}

/// Creates a new session for `user` (always a fresh token: a session id is
/// never carried over from before sign-in, nor from the password step to
/// the second factor) and sets its cookie.
pub async fn start_session(
    ctx: &ServerContext,
    user: &UserRecord,
    stage: Stage,
) -> Result<(), AppError> {
    let token = new_token();
    let now = Utc::now();
    let user_agent = use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let record = SessionRecord {
        token_hash: hash_token(&token),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        client_addr: context::client_addr(),
        user_agent,
        second_factor_pending: stage == Stage::SecondFactorPending,
    };
    ctx.storage
        .sessions
        .create(&record)
        .await
        .map_err(|e| context::internal("sessions.create", e))?;
    let max_age = match stage {
        Stage::SignedIn => ctx.sessions.absolute.as_secs() as i64,
        Stage::SecondFactorPending => super::session::PENDING_SECOND_FACTOR_SECS,
    };
    set_cookie(&session_cookie(&token, max_age, request_is_https()));
    match stage {
        Stage::SignedIn => tracing::info!(user_id = user.id, "signed in"),
        Stage::SecondFactorPending => {
            tracing::info!(
                user_id = user.id,
                "password accepted, second factor awaited"
            )
        }
    }
    Ok(())
}

/// Ends the session with this token hash and clears the cookie.
pub async fn end_session(ctx: &ServerContext, session_hash: &str) -> Result<(), AppError> {
    ctx.storage
        .sessions
        .delete(session_hash)
        .await
        .map_err(|e| context::internal("sessions.delete", e))?;
    set_cookie(&clearing_cookie());
    Ok(())
}

fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}
