//! The one error type that crosses the server-function boundary.
//!
//! It carries what the browser needs to explain a failure in the reader's
//! language (a field and a [`Problem`], a status, a request id) and nothing
//! else: database errors are logged on the server with their context and
//! reach the browser only as `Internal { request_id }`.

use crate::domain::Problem;
use crate::i18n::Catalogue;
use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("invalid value for {field}: {problem:?}")]
    Validation { field: String, problem: Problem },
    #[error("not signed in")]
    Unauthenticated,
    /// Wrong e-mail or password: deliberately does not say which, so that
    /// sign-in does not reveal whether an account exists.
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    /// Too many failed sign-ins: try again after `minutes`.
    #[error("too many failed sign-ins")]
    TooManyAttempts { minutes: u32 },
    /// The set-up link is missing, wrong or already used.
    #[error("invalid set-up link")]
    InvalidSetupLink,
    /// The second-factor code (or recovery code) is wrong or already used.
    #[error("wrong or used code")]
    InvalidCode,
    /// The password step of a sign-in is gone (expired, or never began).
    #[error("sign-in expired")]
    SignInExpired,
    /// The organisation requires a second factor for this role, and the
    /// user has none yet (or tries to remove theirs).
    #[error("second factor required")]
    SecondFactorRequired,
    #[error("not allowed for this role")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflicting change")]
    Conflict,
    #[error("internal error (request {request_id})")]
    Internal { request_id: String },
    /// The call itself failed (network, encoding): raised by the server-fn
    /// machinery, never by Accord's own code.
    #[error("server function transport error: {message}")]
    Transport { message: String },
}

impl AppError {
    pub fn validation(field: &str, problem: Problem) -> Self {
        AppError::Validation {
            field: field.to_string(),
            problem,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation { .. } => 422,
            AppError::Unauthenticated
            | AppError::InvalidCredentials
            | AppError::InvalidCode
            | AppError::SignInExpired => 401,
            AppError::SecondFactorRequired => 403,
            AppError::InvalidSetupLink => 403,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict => 409,
            AppError::Internal { .. } => 500,
            AppError::Transport { .. } => 400,
        }
    }

    /// The problem with `field`, if this error is about that field.
    pub fn problem_for(&self, wanted: &str) -> Option<Problem> {
        match self {
            AppError::Validation { field, problem } if field == wanted => Some(*problem),
            _ => None,
        }
    }

    /// The sentence shown to the person, in their language.
    pub fn message(&self, t: &Catalogue) -> String {
        match self {
            AppError::Validation { problem, .. } => problem.message(t),
            AppError::Unauthenticated => t.err_unauthenticated.to_string(),
            AppError::InvalidCredentials => t.err_invalid_credentials.to_string(),
            AppError::InvalidSetupLink => t.err_invalid_setup_link.to_string(),
            AppError::TooManyAttempts { minutes } => (t.err_too_many_attempts)(*minutes),
            AppError::InvalidCode => t.err_invalid_code.to_string(),
            AppError::SignInExpired => t.err_sign_in_expired.to_string(),
            AppError::SecondFactorRequired => t.err_second_factor_required.to_string(),
            AppError::Forbidden => t.err_forbidden.to_string(),
            AppError::NotFound => t.err_not_found.to_string(),
            AppError::Conflict => t.err_conflict.to_string(),
            AppError::Internal { request_id } => (t.err_internal)(request_id),
            AppError::Transport { .. } => t.err_transport.to_string(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport {
            message: value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn round_trips_as_json_and_keeps_field() {
        let e = AppError::validation("name", Problem::TooLong { max: 100 });
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
        assert_eq!(e.problem_for("name"), Some(Problem::TooLong { max: 100 }));
        assert_eq!(e.problem_for("other"), None);
        assert_eq!(e.status(), 422);
    }

    #[test]
    fn internal_message_names_request_but_nothing_else() {
        let e = AppError::Internal {
            request_id: "abc-123".into(),
        };
        let msg = e.message(Locale::Fr.t());
        assert!(msg.contains("abc-123"));
        assert!(msg.starts_with("Une erreur"));
    }
}
