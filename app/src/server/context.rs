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
