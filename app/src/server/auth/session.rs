//! The signed-in user of the current request.
//!
//! The server's session layer resolves the session cookie once per request
//! and stores a [`SessionUser`] in the request's extensions; server
//! functions and pages read it from there through [`current_user`].

use crate::domain::{EmailAddress, Role};
use leptos::prelude::use_context;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "accord_session";

/// The user behind the current request's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: i64,
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    /// Identifies the session itself (the stored hash of its token).
    pub session_hash: String,
    /// The organisation requires a second factor for this role and the
    /// user has none yet: until they set one up, only their security
    /// settings are open to them (see `policy::authorize`).
    pub must_enroll_second_factor: bool,
}

/// A session whose password was right and whose second factor is still
/// awaited. It is not a [`SessionUser`]: every server function but the
/// code check treats such a request as signed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSecondFactor {
    pub user_id: i64,
    pub email: EmailAddress,
    pub session_hash: String,
}

/// How long the code may be awaited after the password.
pub const PENDING_SECOND_FACTOR_SECS: i64 = 5 * 60;

/// The signed-in user, if any.
pub fn current_user() -> Option<SessionUser> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<SessionUser>().cloned())
}

/// The session waiting for its second factor, if that is what this
/// request carries.
pub fn pending_second_factor() -> Option<PendingSecondFactor> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PendingSecondFactor>().cloned())
}

/// Builds the `Set-Cookie` value for a new session. `secure` when the
/// site is served over TLS (directly or behind a proxy that says so).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// Whether the current request came over TLS (as told by a proxy).
pub fn request_is_https() -> bool {
    use_context::<http::request::Parts>().is_some_and(|p| is_https(&p.uri, &p.headers))
}

/// Whether a request with this URI and headers came over TLS, directly or
/// behind a TLS-terminating proxy (`X-Forwarded-Proto: https`): cookies
/// set in answer to it must be `Secure`.
pub fn is_https(uri: &http::Uri, headers: &http::HeaderMap) -> bool {
    uri.scheme_str() == Some("https")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}
