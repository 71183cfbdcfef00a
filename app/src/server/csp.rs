//! Content-Security-Policy for rendered pages.
//!
//! Scripts run only from this origin or with the per-response nonce that
//! Leptos puts on its hydration and resource scripts; nothing may be loaded
//! from another host (the product makes no third-party request, and the
//! policy makes that a browser-enforced rule rather than a promise).

use http::{HeaderValue, header};
use leptos::nonce::use_nonce;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Adds the CSP header for the page being rendered.
pub fn apply() {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let script_src = match use_nonce() {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    // `cargo leptos watch` reloads the page over a websocket on its own port.
    let connect_src = match use_context::<super::ServerContext>().and_then(|c| c.dev_reload_port) {
        Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "'self'".to_string(),
    };
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src {connect_src}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
