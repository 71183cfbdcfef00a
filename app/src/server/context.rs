//! What the server hands to every render and server function.

use super::storage::{Storage, StorageError};
use crate::error::AppError;
use leptos::prelude::use_context;

/// Request id header, set by the server's request-id layer.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Provided as Leptos context for every page render and server-function call.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub storage: Storage,
    /// Set in development (`cargo leptos watch`): the live-reload port the
    /// page may connect to.
    pub dev_reload_port: Option<u32>,
    pub sessions: SessionSettings,
    pub sign_in_limits: SignInLimits,
    /// The single-use link that creates the first administrator; set only
    /// while the database has no user.
    pub setup: std::sync::Arc<SetupLink>,
    /// The address people reach Accord at (`ACCORD_PUBLIC_URL`), for the
    /// public forms' embedding snippet; no trailing slash.
    pub public_url: String,
    /// Builds and mails access archives.
    pub archives: std::sync::Arc<dyn super::archive::ArchiveSender>,
    /// Wakes the mail delivery task after something was put in the outbox.
    pub mail_wakeup: std::sync::Arc<tokio::sync::Notify>,
}

/// Session lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct SessionSettings {
    /// A session unused for this long ends.
    pub idle: std::time::Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: std::time::Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: std::time::Duration::from_secs(30 * 60),
            absolute: std::time::Duration::from_secs(12 * 3600),
        }
    }
}

/// Brute-force limits on sign-in: at most `per_account` failures for one
/// address typed and `per_client` failures from one client address within
/// `window`; past that, sign-in is refused until the window frees up.
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    pub per_account: u32,
    pub per_client: u32,
    pub window: std::time::Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_account: 10,
            per_client: 10,
            window: std::time::Duration::from_secs(15 * 60),
        }
    }
}

/// The first-run set-up token: random, kept in memory only, valid until
/// used or until the process restarts.
#[derive(Debug, Default)]
pub struct SetupLink {
    token: std::sync::Mutex<Option<String>>,
}

impl SetupLink {
    pub fn new(token: Option<String>) -> Self {
        SetupLink {
            token: std::sync::Mutex::new(token),
        }
    }

    /// True if `candidate` is the current token.
    pub fn matches(&self, candidate: &str) -> bool {
        let guard = self.token.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_deref()
            .is_some_and(|t| super::auth::token::constant_time_eq(t, candidate))
    }

    /// Uses the token up: true if it was `candidate` and still unused.
    pub fn consume(&self, candidate: &str) -> bool {
        let mut guard = self.token.lock().unwrap_or_else(|e| e.into_inner());
        let ok = guard
            .as_deref()
            .is_some_and(|t| super::auth::token::constant_time_eq(t, candidate));
        if ok {
            *guard = None;
        }
        ok
    }
}

/// The client's address, as the server's connection layer saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// The client address of the current request, or `unknown`.
pub fn client_addr() -> String {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientAddr>().map(|c| c.0.clone()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The server context, or an internal error if the server forgot to provide
/// it (a wiring bug, logged loudly).
pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("ServerContext missing from the Leptos context");
        AppError::Internal {
            request_id: request_id(),
        }
    })
}

/// The id of the current request, as set by the request-id layer; `-` when
/// there is no request (background work).
pub fn request_id() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "-".to_string())
}

/// Logs a storage failure with its context and returns the opaque error the
/// browser may see.
pub fn internal(operation: &'static str, error: StorageError) -> AppError {
    let request_id = request_id();
    tracing::error!(%request_id, operation, error = %error, "storage call failed");
    AppError::Internal { request_id }
}
