//! The privacy portal (`/privacy`): the notice and the request form, and
//! the verification link (`/privacy/verify/{token}`), and the download
//! link of an access archive (`/privacy/archive/{token}`). No session.
//!
//! Every valid request gets the same answer and the same mail, whether
//! Accord knows the address or not (no enumeration); nothing about the
//! person is shown or sent before the link is confirmed, and following
//! the link changes nothing (its page has a button that posts).

use crate::consent::pages::{self, Page};
use crate::privacy::portal::{self, Notice};
use crate::routes::consent::{
    Client, FORM_BODY_LIMIT, RATE_WINDOW_SECS, evidence, message, token_ok, unavailable,
};
use crate::state::AppState;
use app::domain::Problem;
use app::domain::privacy::{RequestInput, VERIFY_VALID_DAYS};
use app::i18n::{Locale, locale_from_headers};
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{Download, NewRequest, OutgoingMail, RateCount, Received, RequestLink};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use std::collections::HashMap;

/// The page's language: `?lang=` (the portal's switch), else the
/// reader's.
fn language(query: &HashMap<String, String>, headers: &HeaderMap) -> Locale {
    query
        .get("lang")
        .and_then(|l| Locale::from_tag(l))
        .unwrap_or_else(|| locale_from_headers(headers))
}

/// The notice and the form.
async fn portal_page(
    state: &AppState,
    locale: Locale,
    status: StatusCode,
    posted: &[(String, String)],
    problems: &[(String, Problem)],
) -> Response {
    let read = async {
        let organisation = state.consent.organisation_name(&state.storage).await?;
        let (contact, location) = state.storage.privacy.notice_settings().await?;
        let purposes = state.storage.consent.purposes().await?;
        Ok::<_, app::server::storage::StorageError>((organisation, contact, location, purposes))
    };
    let (organisation, contact, location, purposes) = match read.await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "reading the privacy notice failed");
            return unavailable(locale);
        }
    };
    let purposes: Vec<_> = purposes
        .into_iter()
        .filter(|p| !p.archived && p.version > 0)
        .collect();
    let value = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let t = locale.t();
    Page {
        locale,
        title: t.privacy_title,
        body: portal::page(
            locale,
            &Notice {
                organisation: &organisation,
                contact: &contact,
                location: &location,
                purposes: &purposes,
            },
            &value,
            problems,
        ),
        frame_ancestors: &[],
        nonce: None,
    }
    .respond(status)
}

#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let locale = language(&query, &headers);
    portal_page(&state, locale, StatusCode::OK, &[], &[]).await
}

/// The same answer whatever became of the request (registered, caught in
/// the trap): the address is told to look for a link.
fn sent(locale: Locale, email: &str) -> Response {
    let t = locale.t();
    let body = format!(
        "<h1>{}</h1><div role=\"status\"><p>{}</p></div><p><a href=\"/privacy?lang={}\">{}</a></p>",
        pages::esc(t.public_check_mail_title),
        pages::esc(&(t.privacy_sent)(email)),
        locale.code(),
        pages::esc(t.privacy_back)
    );
    Page {
        locale,
        title: t.public_check_mail_title,
        body,
        frame_ancestors: &[],
        nonce: None,
    }
    .respond(StatusCode::OK)
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    connect: Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = http_body_util::Limited::new(body, FORM_BODY_LIMIT)
        .collect()
        .await
        .map(|collected| collected.to_bytes());
    let posted: Vec<(String, String)> = body
        .as_ref()
        .map(|bytes| serde_urlencoded::from_bytes(bytes).unwrap_or_default())
        .unwrap_or_default();
    let value = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let locale = Locale::from_tag(&value("lang")).unwrap_or_else(|| locale_from_headers(&headers));
    let t = locale.t();
    let back = format!("/privacy?lang={}", locale.code());
    if body.is_err() {
        return message(
            locale,
            StatusCode::PAYLOAD_TOO_LARGE,
            t.privacy_title,
            t.public_too_large,
            Some(&back),
            &[],
        );
    }
    let input = RequestInput {
        kind: value("kind"),
        email: value("email"),
        details: value("details"),
    };
    if !value("website").trim().is_empty() {
        tracing::info!("privacy portal trap filled in; nothing recorded");
        return sent(locale, input.email.trim());
    }
    let draft = match input.check() {
        Ok(draft) => draft,
        Err(problems) => {
            return portal_page(
                &state,
                locale,
                StatusCode::UNPROCESSABLE_ENTITY,
                &posted,
                &problems,
            )
            .await;
        }
    };
    let organisation = match state.consent.organisation_name(&state.storage).await {
        Ok(name) => name,
        Err(error) => {
            tracing::error!(%error, "reading the organisation failed");
            return unavailable(locale);
        }
    };
    let token = new_token();
    let link = format!("{}/privacy/verify/{token}", state.consent.public_url);
    let now = chrono::Utc::now();
    let email = draft.email.to_string();
    let new = NewRequest {
        mail: OutgoingMail {
            recipient: email.clone(),
            subject: (t.privacy_mail_subject)(&organisation),
            body: (t.privacy_mail_body)(&organisation, draft.kind.label(t), &link),
        },
        draft,
        language: locale,
        link_hash: hash_token(&token),
        link_expires_at: now + chrono::Duration::days(VERIFY_VALID_DAYS),
        rate: RateCount {
            addr_key: hash_token(&format!("privacy:{}", connect.0)),
            window_start: now.timestamp() / RATE_WINDOW_SECS * RATE_WINDOW_SECS,
            limit: state.consent.rate_limit,
        },
    };
    match state.storage.privacy.receive(&new).await {
        Ok(Received::Done(_)) => {
            state.consent.mail_wakeup.notify_one();
            sent(locale, &email)
        }
        Ok(Received::TooMany) => {
            tracing::warn!("privacy portal rate limit reached");
            message(
                locale,
                StatusCode::TOO_MANY_REQUESTS,
                t.privacy_title,
                t.public_too_many,
                Some(&back),
                &[],
            )
        }
        Err(error) => {
            tracing::error!(%error, "registering a privacy request failed");
            unavailable(locale)
        }
    }
}

/// The page for a mailed link that no longer works (used, expired,
/// unknown): `title` over `text`, and the way back to the portal.
pub(crate) fn link_gone(locale: Locale, title: &str, text: &str) -> Response {
    message(
        locale,
        StatusCode::GONE,
        title,
        text,
        Some(&format!("/privacy?lang={}", locale.code())),
        &[],
    )
}

/// The page for a verification link that cannot be used.
fn link_refused(locale: Locale) -> Response {
    let t = locale.t();
    link_gone(locale, t.privacy_verify_title, t.privacy_link_invalid)
}

#[tracing::instrument(skip_all)]
pub async fn show_verify(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    if !token_ok(&token) {
        return link_refused(locale);
    }
    match state
        .storage
        .privacy
        .request_link(&hash_token(&token))
        .await
    {
        Ok(RequestLink::Valid { kind, language, .. }) => {
            let t = language.t();
            Page {
                locale: language,
                title: t.privacy_verify_title,
                body: portal::confirm(t, &token, kind),
                frame_ancestors: &[],
                nonce: None,
            }
            .respond(StatusCode::OK)
        }
        Ok(_) => link_refused(locale),
        Err(error) => {
            tracing::error!(%error, "reading a request link failed");
            unavailable(locale)
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn verify(
    State(state): State<AppState>,
    Path(token): Path<String>,
    connect: Client,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    if !token_ok(&token) {
        return link_refused(locale);
    }
    let evidence = evidence(&connect, &headers);
    match state
        .storage
        .privacy
        .verify(&hash_token(&token), &evidence)
        .await
    {
        Ok(RequestLink::Valid { kind, language, .. }) => {
            let t = language.t();
            message(
                language,
                StatusCode::OK,
                t.privacy_verified_title,
                portal::verified_text(t, kind),
                None,
                &[],
            )
        }
        Ok(_) => link_refused(locale),
        Err(error) => {
            tracing::error!(%error, "verifying a request failed");
            unavailable(locale)
        }
    }
}

/// What a download link leads to, or the page saying it no longer works.
async fn archive_behind(
    state: &AppState,
    token: &str,
    locale: Locale,
) -> Result<(String, String, Locale, chrono::DateTime<chrono::Utc>), Response> {
    if !token_ok(token) {
        return Err(archive_gone(locale));
    }
    match state.storage.archives.download(&hash_token(token)).await {
        Ok(Download::Ready {
            json,
            csv,
            language,
            expires_at,
        }) => Ok((json, csv, language, expires_at)),
        Ok(_) => Err(archive_gone(locale)),
        Err(error) => {
            tracing::error!(%error, "reading an archive failed");
            Err(unavailable(locale))
        }
    }
}

fn archive_gone(locale: Locale) -> Response {
    let t = locale.t();
    link_gone(locale, t.archive_title, t.archive_gone)
}

/// `GET /privacy/archive/{token}`: the page of an access archive, with
/// its two downloads. Reading it changes nothing, so a mail scanner
/// following the link does no harm; the link works for seven days.
#[tracing::instrument(skip_all)]
pub async fn show_archive(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    let (_, _, language, expires_at) = match archive_behind(&state, &token, locale).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let organisation = match state.consent.organisation_name(&state.storage).await {
        Ok(name) => name,
        Err(error) => {
            tracing::error!(%error, "reading the organisation failed");
            return unavailable(language);
        }
    };
    let t = language.t();
    let until = expires_at.format("%Y-%m-%d").to_string();
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p><ul class=\"downloads\">\
         <li><a href=\"/privacy/archive/{token}/json\" download>{json}</a></li>\
         <li><a href=\"/privacy/archive/{token}/csv\" download>{csv}</a></li></ul>",
        title = pages::esc(t.archive_title),
        intro = pages::esc(&(t.archive_intro)(&organisation, &until)),
        json = pages::esc(t.archive_json),
        csv = pages::esc(t.archive_csv),
    );
    let mut response = Page {
        locale: language,
        title: t.archive_title,
        body,
        frame_ancestors: &[],
        nonce: None,
    }
    .respond(StatusCode::OK);
    no_store(&mut response);
    response
}

/// `GET /privacy/archive/{token}/{json|csv}`: the archive itself.
#[tracing::instrument(skip_all, fields(format = %format))]
pub async fn download_archive(
    State(state): State<AppState>,
    Path((token, format)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    let (json, csv, _, _) = match archive_behind(&state, &token, locale).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (body, content_type, file) = match format.as_str() {
        "json" => (json, "application/json; charset=utf-8", "my-data.json"),
        "csv" => (csv, "text/csv; charset=utf-8", "my-data.csv"),
        _ => return archive_gone(locale),
    };
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    no_store(&mut response);
    tracing::info!("access archive downloaded");
    response
}

/// Personal data: no cache keeps a copy.
fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
