//! Plain HTTP routes outside Leptos: probes, the language switch, the
//! live stream, the CSV reports and the public consent pages.

pub mod consent;
pub mod events;
pub mod health;
pub mod lang;
pub mod privacy;
pub mod proof;
pub mod repermission;
pub mod reports;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A one-line text answer (the CSV and proof downloads' refusals).
pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}
