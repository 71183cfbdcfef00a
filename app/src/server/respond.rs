//! Shapes server-function responses: HTTP status for errors, and the
//! round trip of a plain HTML form post when JavaScript is off.
//!
//! Without JavaScript a form posts straight to the server function's URL.
//! Leptos then answers with a redirect to the `Referer`; on its own that
//! would drop a validation error and the value typed. Here the redirect
//! carries them in the query string (`form_error`, `value`) so the page,
//! rendered on the server, shows the message next to the field with the
//! text kept, or `saved=FORM` on success.

use crate::error::AppError;
use crate::url::{encode_component, same_site_path};
use http::{StatusCode, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// True when the request is a plain browser form post (no JavaScript):
/// the browser asks for HTML, the server-function client never does.
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The `next` parameter of the page the form was on (where sign-in leads
/// afterwards), kept across a failed attempt; already URL-encoded.
fn referer_next() -> Option<String> {
    let referer = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })?;
    let query = referer.split_once('?')?.1.split('#').next()?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn referer_path() -> String {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(same_site_path)
        })
        .unwrap_or_else(|| "/".to_string())
}

/// Finishes a server function that backs a form named `form`: sets the
/// error status, and for plain form posts redirects back with the outcome.
/// `value` is what the person typed, kept for them on error.
pub fn finish_form<T>(form: &str, value: &str, result: Result<T, AppError>) -> Result<T, AppError> {
    finish_form_at(&referer_path(), form, value, result)
}

/// [`finish_form`], coming back to `back` (a path on this site, possibly
/// with its own query, built by the server) rather than to the `Referer`.
pub fn finish_form_at<T>(
    back: &str,
    form: &str,
    value: &str,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    let back = if back.contains('?') {
        format!("{back}&")
    } else {
        format!("{back}?")
    };
    if is_plain_form_post() {
        let target = match &result {
            Ok(_) => format!("{back}saved={}", encode_component(form)),
            Err(error) => {
                let json = serde_json::to_string(error).unwrap_or_default();
                let next = referer_next()
                    .map(|n| format!("&next={n}"))
                    .unwrap_or_default();
                format!(
                    "{back}form={}&form_error={}&value={}{next}",
                    encode_component(form),
                    encode_component(&json),
                    encode_component(value)
                )
            }
        };
        leptos_axum::redirect(&target);
    } else if let Err(error) = &result {
        set_error_status(error);
    }
    result
}

/// Sets the HTTP status matching `error` on the current response: only for
/// server-function calls. A page that calls a server function while it
/// renders (the sign-in page asking who is signed in, say) keeps its own
/// status.
pub fn set_error_status(error: &AppError) {
    let is_server_fn_call =
        use_context::<http::request::Parts>().is_some_and(|p| p.uri.path().starts_with("/api/"));
    if !is_server_fn_call {
        return;
    }
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}
