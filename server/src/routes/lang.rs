//! `POST /lang`: remembers the chosen language in a cookie and sends the
//! person back where they were. A plain form post, so it works without
//! JavaScript.

use app::i18n::{LANG_COOKIE, Locale};
use app::url::same_site_path;
use axum::Form;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LanguageChoice {
    lang: String,
    #[serde(default)]
    back: String,
}

pub async fn set_language(
    uri: axum::http::Uri,
    headers: HeaderMap,
    Form(choice): Form<LanguageChoice>,
) -> Response {
    let Some(locale) = Locale::from_tag(&choice.lang) else {
        return (
            StatusCode::BAD_REQUEST,
            "unknown language; choose en or fr\n",
        )
            .into_response();
    };
    // Behind a TLS-terminating proxy the cookie must be Secure.
    let secure = app::server::auth::session::is_https(&uri, &headers);
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        locale.code(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(&same_site_path(&choice.back)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
