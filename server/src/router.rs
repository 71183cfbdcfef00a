//! The HTTP application: Leptos pages and server functions, probes, static
//! assets, and the middleware every request passes through.

use crate::routes::{consent, events, health, lang, privacy, proof, repermission, reports};
use crate::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{
    LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
    handle_server_fns_with_context,
};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Requests larger than this are refused before any handler reads them.
const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// No request may hold a connection longer than this; past it the client
/// gets 408 and the work is dropped. A backstop, far above any expected
/// response time (see BENCHMARKS.md).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The app's routes, generated once per process. Generating them runs the
/// app with resource loading suppressed through a process-wide flag in
/// Leptos: a page rendering on another thread at that moment would have
/// its resources wait forever. A server builds its router once, before it
/// serves; tests build many routers while others render, hence the cache.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application for `state`.
pub fn build(state: AppState) -> Router {
    let routes = route_list();
    let page_context = {
        let ctx = state.server_context();
        move || {
            provide_context(ctx.clone());
            // A fresh nonce per page: the CSP allows only scripts that carry it.
            leptos::nonce::provide_nonce();
        }
    };
    let page_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let request_id = HeaderName::from_static(app::server::context::REQUEST_ID_HEADER);

    // The live stream stays open for hours, once per tab: it is routed
    // past the generic layers below (request span, timeout, compression,
    // request id), each of which would keep its state for the connection's
    // whole life (BENCHMARKS.md, "Live stream"). It keeps the session and
    // the security headers, which cost nothing once the response has left.
    let live = Router::new()
        .route("/api/events", get(events::stream))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::session_layer::resolve,
        ))
        .layer(security_headers());

    // The public consent pages and the privacy portal: no session, their own body limit (an
    // oversized post gets a page in the form's language, not a bare 413)
    // and their own framing rule (a form may be embedded in named sites).
    let public = Router::new()
        .route("/f/{slug}", get(consent::show_form).post(consent::submit_form))
        .route("/c/{token}", get(consent::show_confirm).post(consent::confirm))
        .route("/w/{token}", get(consent::show_withdraw).post(consent::withdraw))
        .route("/privacy", get(privacy::show).post(privacy::submit))
        .route("/privacy/verify/{token}", get(privacy::show_verify).post(privacy::verify))
        .route("/privacy/archive/{token}", get(privacy::show_archive))
        .route("/r/{token}", get(repermission::show).post(repermission::keep))
        .route("/privacy/archive/{token}/{format}", get(privacy::download_archive))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                    tracing::info_span!("public", method = %req.method(), path = %public_path(req.uri().path()))
                }))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(CompressionLayer::new())
                .layer(security_headers()),
        );

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/lang", post(lang::set_language))
        .route("/dashboard/report.csv", get(reports::report_csv))
        .route("/consent-proof/{id}/json", get(proof::json))
        .route("/consent-proof/{id}", get(proof::html))
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .leptos_routes_with_context(&state, routes, page_context.clone(), page_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(page_context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), poke_after_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::session_layer::resolve))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                    let request_id = req
                        .headers()
                        .get(app::server::context::REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), %request_id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
                .layer(CompressionLayer::new())
                .layer(security_headers()),
        )
        .merge(live)
        .merge(public)
        .with_state(state)
}

/// A public path for the logs: a link's token is a key, never logged.
fn public_path(path: &str) -> String {
    for prefix in ["/privacy/verify/", "/privacy/archive/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}…");
        }
    }
    match path.get(..3) {
        Some("/c/") | Some("/w/") | Some("/r/") => format!("{}…", &path[..3]),
        _ => path.to_string(),
    }
}

type HeaderLayer = SetResponseHeaderLayer<HeaderValue>;
type SecurityHeaders = Stack<HeaderLayer, Stack<HeaderLayer, Stack<HeaderLayer, Identity>>>;

/// Headers on every response: no MIME sniffing, no Referer to other sites,
/// no framing by other sites.
fn security_headers() -> SecurityHeaders {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            // Same-origin keeps the Referer that no-JavaScript form posts
            // are redirected back to, and sends nothing to other sites.
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .into_inner()
}

async fn server_fn_handler(
    State(state): State<AppState>,
    request: Request<Body>,
) -> impl IntoResponse {
    let ctx = state.server_context();
    handle_server_fns_with_context(move || provide_context(ctx.clone()), request).await
}

/// After a request that may have written (anything but GET and HEAD), once
/// its response is ready and so its transaction committed, the live hub
/// reads the events table: this instance's own changes reach its
/// subscribers at once, without waiting for a poll.
async fn poke_after_writes(
    State(state): State<AppState>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let response = next.run(request).await;
    if writes {
        state.hub.poke();
    }
    response
}
