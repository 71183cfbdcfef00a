//! Resolves the session cookie on every request, and keeps pages behind
//! sign-in.
//!
//! For each request: read `accord_session`, look its hash up, end it if it
//! is idle or too old or its user is deactivated, otherwise put the
//! [`SessionUser`] in the request's extensions (where server functions and
//! pages find it). Pages requested without a session are redirected to the
//! sign-in page (or to set-up while no account exists); server functions
//! answer 401 themselves, through the policy module.

use crate::state::AppState;
use app::api::auth::SECOND_FACTOR_PATH;
use app::server::ClientAddr;
use app::server::auth::session::{PENDING_SECOND_FACTOR_SECS, SESSION_COOKIE};
use app::server::auth::token::hash_token;
use app::server::auth::{PendingSecondFactor, SessionUser};
use app::server::cookies::cookie_value;
use app::server::policy::{PUBLIC_SERVER_FNS, second_factor_applies};
use app::url::encode_component;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{Method, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

/// Paths anyone may open without a session.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/healthz"
            | "/readyz"
            | "/sign-in"
            | SECOND_FACTOR_PATH
            | "/setup"
            | "/lang"
            | "/favicon.svg"
            | "/logo.svg"
    ) || path.starts_with("/pkg/")
        || path.starts_with("/api/")
}

/// A session unused for this long is not touched again on every request:
/// writing `last_seen_at` once a minute is precise enough for a 30-minute
/// idle timeout and spares the database a write per request.
const TOUCH_AFTER_SECS: i64 = 60;

pub async fn resolve(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    if is_cross_site_write(&request) {
        tracing::warn!(path = %request.uri().path(), "cross-site request refused");
        return (
            axum::http::StatusCode::FORBIDDEN,
            "cross-site requests are refused\n",
        )
            .into_response();
    }
    let client = client_addr(request.extensions());
    request.extensions_mut().insert(ClientAddr(client));

    let resolved = match session_token(&request) {
        Some(token) => lookup(&state, &token).await,
        None => None,
    };
    let path = request.uri().path().to_string();
    let is_page = request.method() == Method::GET && !path.starts_with("/api/");
    let (signed_in, must_enroll, pending) = match &resolved {
        Some(Resolved::SignedIn(user)) => (true, user.must_enroll_second_factor, false),
        Some(Resolved::Pending(_)) => (false, false, true),
        None => (false, false, false),
    };
    match resolved {
        Some(Resolved::SignedIn(user)) => {
            request.extensions_mut().insert(user);
        }
        Some(Resolved::Pending(pending)) => {
            request.extensions_mut().insert(pending);
        }
        None => {}
    }

    // The password is right, the code is awaited: every page leads to the
    // code form (keeping where the person was going).
    if is_page && pending && !is_public(&path) {
        return Redirect::to(&format!(
            "{SECOND_FACTOR_PATH}?next={}",
            encode_component(&path_and_query(&request))
        ))
        .into_response();
    }
    // A second factor is required and missing: every page leads to
    // setting it up (server functions refuse through the policy).
    if is_page && must_enroll && !is_public(&path) && path != SECURITY_PATH {
        return Redirect::to(SECURITY_PATH).into_response();
    }
    if !signed_in && path.starts_with("/api/") && !PUBLIC_SERVER_FNS.contains(&path.as_str()) {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"kind":"unauthenticated"}"#,
        )
            .into_response();
    }
    if request.method() == Method::GET && !signed_in && !is_public(&path) {
        if !has_users(&state).await {
            return Redirect::to("/setup").into_response();
        }
        let next = path_and_query(&request);
        return Redirect::to(&format!("/sign-in?next={}", encode_component(&next))).into_response();
    }
    if request.method() == Method::GET
        && signed_in
        && (path == "/sign-in" || path == "/setup" || path == SECOND_FACTOR_PATH)
    {
        return Redirect::to("/").into_response();
    }
    next.run(request).await
}

fn path_and_query(request: &Request<Body>) -> String {
    let path = request.uri().path();
    match request.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// Where a user whose second factor is required sets it up.
const SECURITY_PATH: &str = "/settings/security";

/// CSRF defence: a state-changing request (anything but GET/HEAD/OPTIONS)
/// that the browser says comes from another site is refused before any
/// handler runs. Browsers send `Sec-Fetch-Site`; older ones send `Origin`
/// on cross-origin POSTs. Requests with neither (command-line clients) carry
/// no ambient browser credentials worth protecting and pass.
fn is_cross_site_write(request: &Request<Body>) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    origin == "null" || origin_host != host
}

fn session_token(request: &Request<Body>) -> Option<String> {
    cookie_value(request.headers(), SESSION_COOKIE).map(str::to_owned)
}

/// What a session cookie turned out to be.
enum Resolved {
    SignedIn(SessionUser),
    Pending(PendingSecondFactor),
}

async fn lookup(state: &AppState, token: &str) -> Option<Resolved> {
    let hash = hash_token(token);
    let found = match state.storage.sessions.find(&hash).await {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            return None;
        }
    };
    let (session, user) = (found.session, found.user);
    let now = Utc::now();
    let idle = chrono::Duration::from_std(state.sessions.idle).unwrap_or_default();
    let absolute = chrono::Duration::from_std(state.sessions.absolute).unwrap_or_default();
    let expired = if session.second_factor_pending {
        (now - session.created_at).num_seconds() > PENDING_SECOND_FACTOR_SECS
    } else {
        now - session.last_seen_at > idle || now - session.created_at > absolute
    };
    if expired || !user.active {
        if let Err(error) = state.storage.sessions.delete(&hash).await {
            tracing::warn!(%error, "could not delete an ended session");
        }
        return None;
    }
    if session.second_factor_pending {
        return Some(Resolved::Pending(PendingSecondFactor {
            user_id: user.id,
            email: user.email,
            session_hash: hash,
        }));
    }
    if (now - session.last_seen_at).num_seconds() >= TOUCH_AFTER_SECS
        && let Err(error) = state.storage.sessions.touch(&hash, now).await
    {
        tracing::warn!(%error, "could not record session activity");
    }
    Some(Resolved::SignedIn(SessionUser {
        must_enroll_second_factor: found.second_factor_required
            && second_factor_applies(user.role)
            && !found.has_second_factor,
        user_id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        session_hash: hash,
    }))
}

/// Whether any account exists; once true it stays true, so the count runs
/// only until the first account is made.
async fn has_users(state: &AppState) -> bool {
    if state.has_users.load(Ordering::Relaxed) {
        return true;
    }
    match state.storage.users.count().await {
        Ok(n) if n > 0 => {
            state.has_users.store(true, Ordering::Relaxed);
            true
        }
        Ok(_) => false,
        Err(error) => {
            tracing::error!(%error, "user count failed");
            true
        }
    }
}

/// The client's address, `unknown` when the server was built without
/// connection info (tests that call the router directly).
pub fn client_addr(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
