//! `/r/{token}`: the re-permission link. Some weeks before a person's
//! retention period ends, the retention run mails them this link; its
//! page asks whether they still want to hear from the organisation, and
//! only the button (a POST) answers, so a mail scanner following the link
//! changes nothing. "Yes" starts their clock again. No session.

use crate::consent::pages::{Page, esc};
use crate::routes::consent::{Client, evidence, message, token_ok, unavailable};
use crate::state::AppState;
use app::i18n::{Locale, locale_from_headers};
use app::server::auth::token::hash_token;
use app::server::storage::RepermissionLink;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// The page for a link that cannot be used (used, past the limit,
/// unknown, or the person erased meanwhile).
fn refused(locale: Locale) -> Response {
    let t = locale.t();
    crate::routes::privacy::link_gone(locale, t.repermission_title, t.privacy_link_invalid)
}

#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    if !token_ok(&token) {
        return refused(locale);
    }
    let link = state
        .storage
        .privacy
        .repermission_link(&hash_token(&token))
        .await;
    let language = match link {
        Ok(RepermissionLink::Valid { language, .. }) => language,
        Ok(_) => return refused(locale),
        Err(error) => {
            tracing::error!(%error, "reading a re-permission link failed");
            return unavailable(locale);
        }
    };
    let organisation = match state.consent.organisation_name(&state.storage).await {
        Ok(name) => name,
        Err(error) => {
            tracing::error!(%error, "reading the organisation failed");
            return unavailable(language);
        }
    };
    let t = language.t();
    Page {
        locale: language,
        title: t.repermission_title,
        body: format!(
            "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"/r/{}\"><button type=\"submit\">{}</button></form>",
            esc(t.repermission_title),
            esc(&(t.repermission_text)(&organisation)),
            esc(&token),
            esc(t.repermission_keep),
        ),
        frame_ancestors: &[],
        nonce: None,
    }
    .respond(StatusCode::OK)
}

#[tracing::instrument(skip_all)]
pub async fn keep(
    State(state): State<AppState>,
    Path(token): Path<String>,
    connect: Client,
    headers: HeaderMap,
) -> Response {
    let locale = locale_from_headers(&headers);
    if !token_ok(&token) {
        return refused(locale);
    }
    let evidence = evidence(&connect, &headers);
    match state
        .storage
        .privacy
        .keep_in_touch(&hash_token(&token), &evidence)
        .await
    {
        Ok(RepermissionLink::Valid { language, .. }) => {
            let organisation = state
                .consent
                .organisation_name(&state.storage)
                .await
                .unwrap_or_default();
            let t = language.t();
            tracing::info!("re-permission given");
            message(
                language,
                StatusCode::OK,
                t.repermission_kept_title,
                &(t.repermission_kept)(&organisation),
                None,
                &[],
            )
        }
        Ok(_) => refused(locale),
        Err(error) => {
            tracing::error!(%error, "recording a re-permission failed");
            unavailable(locale)
        }
    }
}
