//! The public consent routes: a form (`/f/{slug}`), the confirmation link
//! of double opt-in (`/c/{token}`) and a person's withdrawal page
//! (`/w/{token}`). No session: anyone may open them. A link's token is
//! the only key; only its SHA-256 is stored.
//!
//! Following a link never changes anything (a mail scanner opening it
//! must not confirm): its page has a button that posts.
//!
//! Refusals write nothing but the rate-limit counter, and each is a page
//! in the form's (or the reader's) language: a problem per field, too many
//! submissions from one address, a body too large, a link expired, used
//! or unknown.

use crate::consent::mail;
use crate::consent::pages::{self, Page};
use crate::state::AppState;
use app::domain::Problem;
use app::domain::consent::{OfferedPurpose, PublicForm};
use app::i18n::{Catalogue, Locale, locale_from_headers};
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{Evidence, LinkState, NewSubmission, OutgoingMail, RateCount, Recorded};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;

/// The largest form post read; a real person's answers are far smaller.
pub const FORM_BODY_LIMIT: usize = 16 * 1024;

/// Submissions one client address may make per [`RATE_WINDOW_SECS`], by
/// default (`ACCORD_FORM_RATE_LIMIT`).
pub const RATE_LIMIT: i64 = 10;
pub const RATE_WINDOW_SECS: i64 = 600;

/// How long a confirmation link stays valid.
pub const CONFIRM_VALID_DAYS: i64 = 7;

/// The client's address (the public routes are outside the session
/// layer, which gives other routes theirs).
pub struct Client(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(crate::session_layer::client_addr(&parts.extensions)))
    }
}

pub(crate) fn evidence(client: &Client, headers: &HeaderMap) -> Evidence {
    Evidence {
        source_addr: client.0.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
    }
}

fn nonce() -> String {
    new_token()[..32].to_string()
}

/// A page holding one message.
pub(crate) fn message(
    locale: Locale,
    status: StatusCode,
    title: &str,
    text: &str,
    back: Option<&str>,
    frame: &[String],
) -> Response {
    let t = locale.t();
    Page {
        locale,
        title,
        body: pages::message(t, title, text, back),
        frame_ancestors: frame,
        nonce: None,
    }
    .respond(status)
}

pub(crate) fn unavailable(locale: Locale) -> Response {
    let t = locale.t();
    message(
        locale,
        StatusCode::SERVICE_UNAVAILABLE,
        t.app_name,
        t.public_unavailable,
        None,
        &[],
    )
}

fn form_missing(headers: &HeaderMap) -> Response {
    let locale = locale_from_headers(headers);
    let t = locale.t();
    message(
        locale,
        StatusCode::NOT_FOUND,
        t.app_name,
        t.public_form_missing,
        None,
        &[],
    )
}

/// The form, with what was posted and its problems.
fn form_page(
    form: &PublicForm,
    status: StatusCode,
    posted: &[(String, String)],
    problems: &[(String, Problem)],
) -> Response {
    let value = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let ticked = |name: &str| posted.iter().any(|(k, _)| k == name);
    let nonce = nonce();
    Page {
        locale: form.language,
        title: &form.title,
        body: pages::form(form, &value, &ticked, problems, &nonce),
        frame_ancestors: &form.frame_ancestors,
        nonce: Some(nonce),
    }
    .respond(status)
}

#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn show_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.consent.form(&state.storage, &slug, false).await {
        Ok(Some((form, _))) => form_page(&form, StatusCode::OK, &[], &[]),
        Ok(None) => form_missing(&headers),
        Err(error) => {
            tracing::error!(%error, "reading a public form failed");
            unavailable(locale_from_headers(&headers))
        }
    }
}

#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn submit_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    connect: Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let store = &state.storage.consent;
    let (mut form, cached) = match state.consent.form(&state.storage, &slug, true).await {
        Ok(Some(found)) => found,
        Ok(None) => return form_missing(&headers),
        Err(error) => {
            tracing::error!(%error, "reading a public form failed");
            return unavailable(locale_from_headers(&headers));
        }
    };
    let evidence = evidence(&connect, &headers);
    let body = http_body_util::Limited::new(body, FORM_BODY_LIMIT)
        .collect()
        .await
        .map(|collected| collected.to_bytes());
    let posted: Vec<(String, String)> = body
        .as_ref()
        .map(|bytes| serde_urlencoded::from_bytes(bytes).unwrap_or_default())
        .unwrap_or_default();
    // A form kept by this instance may be older than the one the person
    // was shown (by another instance): read it again before saying so.
    let posted_version = posted
        .iter()
        .find(|(k, _)| k == "form_version")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    if cached && posted_version.is_some_and(|v| v != form.version_id) {
        match state.consent.form(&state.storage, &slug, false).await {
            Ok(Some((fresh, _))) => form = fresh,
            Ok(None) => return form_missing(&headers),
            Err(error) => {
                tracing::error!(%error, "reading a public form failed");
                return unavailable(locale_from_headers(&headers));
            }
        }
    }
    let form = form;
    let t = form.language.t();
    let back = format!("/f/{}", form.slug);
    let addr_key = hash_token(&evidence.source_addr);
    let window = chrono::Utc::now().timestamp() / RATE_WINDOW_SECS * RATE_WINDOW_SECS;
    let too_many = || {
        tracing::warn!("public form rate limit reached");
        message(
            form.language,
            StatusCode::TOO_MANY_REQUESTS,
            &form.title,
            t.public_too_many,
            Some(&back),
            &form.frame_ancestors,
        )
    };
    // A refused post counts too (a flood of bad posts is a flood); the
    // counter is the one thing it writes. Past the limit, the answer is
    // the limit's page instead.
    let refused = |response: Response| async {
        match store.count_submission(&addr_key, window).await {
            Ok(count) if count > state.consent.rate_limit => too_many(),
            Ok(_) => response,
            Err(error) => {
                tracing::error!(%error, "counting a submission failed");
                unavailable(form.language)
            }
        }
    };

    if body.is_err() {
        return refused(message(
            form.language,
            StatusCode::PAYLOAD_TOO_LARGE,
            &form.title,
            t.public_too_large,
            Some(&back),
            &form.frame_ancestors,
        ))
        .await;
    }
    let value = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };

    // A robot filled in the field people never see: it is told what a
    // person would be told, and nothing is recorded.
    if value("website").is_some_and(|v| !v.trim().is_empty()) {
        tracing::info!("public form trap filled in; nothing recorded");
        let email = value("email").unwrap_or_default();
        return refused(sent_page(&form, t, &email)).await;
    }

    // Checkbox values for purposes the form does not offer.
    let offered = |name: &str| {
        form.purposes
            .iter()
            .any(|p| app::domain::consent::purpose_input(p.purpose_id) == name)
    };
    if posted
        .iter()
        .any(|(k, _)| k.starts_with("purpose-") && !offered(k))
    {
        return refused(form_page(
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
            &posted,
            &[("purposes".into(), Problem::NotOffered)],
        ))
        .await;
    }
    let submission = match form.check(&value) {
        Ok(submission) => submission,
        Err(problems) => {
            // An outdated form is shown as it is now, for the person to
            // read the current texts before sending again.
            let posted: Vec<(String, String)> =
                if problems.iter().any(|(_, p)| *p == Problem::FormOutdated) {
                    posted
                        .into_iter()
                        .filter(|(k, _)| !k.starts_with("purpose-"))
                        .collect()
                } else {
                    posted
                };
            return refused(form_page(
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
                &posted,
                &problems,
            ))
            .await;
        }
    };

    let organisation = match state.consent.organisation_name(&state.storage).await {
        Ok(name) => name,
        Err(error) => {
            tracing::error!(%error, "reading the organisation failed");
            return unavailable(form.language);
        }
    };
    let (confirm, withdraw) = (new_token(), new_token());
    let base = &state.consent.public_url;
    let offered: Vec<&OfferedPurpose> = form
        .purposes
        .iter()
        .filter(|p| submission.purposes.contains(&p.purpose_id))
        .collect();
    let email = submission.email.to_string();
    // The mail in every language: a person Accord knows gets theirs (the
    // storage reads it in the transaction), anyone else the form's.
    let mail_in = |language: Locale| {
        // The purposes by their names in the mail's language; the texts
        // agreed to stay those of the form's, which the ledger names.
        let purposes: Vec<String> = offered
            .iter()
            .map(|p| p.name(language).to_owned())
            .collect();
        let (subject, body) = mail::confirmation(
            language.t(),
            &organisation,
            &purposes,
            &format!("{base}/c/{confirm}"),
            &format!("{base}/w/{withdraw}"),
        );
        OutgoingMail {
            recipient: email.clone(),
            subject,
            body,
        }
    };
    let new = NewSubmission {
        form: form.clone(),
        submission,
        evidence,
        confirm_token_hash: hash_token(&confirm),
        withdraw_token_hash: hash_token(&withdraw),
        confirm_expires_at: chrono::Utc::now() + chrono::Duration::days(CONFIRM_VALID_DAYS),
        mail: mail_in(form.language),
        mail_in: Locale::ALL
            .into_iter()
            .filter(|l| *l != form.language)
            .map(|l| (l, mail_in(l)))
            .collect(),
        rate: RateCount {
            addr_key: addr_key.clone(),
            window_start: window,
            limit: state.consent.rate_limit,
        },
    };
    match state.consent.queue.submit(new).await {
        Ok(Recorded::TooMany) => too_many(),
        Ok(Recorded::Outdated) => {
            // Changed (or closed) while this instance kept it: shown as it
            // is now, to be read and sent again.
            match state.consent.form(&state.storage, &slug, false).await {
                Ok(Some((fresh, _))) => form_page(
                    &fresh,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &posted
                        .into_iter()
                        .filter(|(k, _)| !k.starts_with("purpose-"))
                        .collect::<Vec<_>>(),
                    &[("purposes".into(), Problem::FormOutdated)],
                ),
                Ok(None) => form_missing(&headers),
                Err(error) => {
                    tracing::error!(%error, "reading a public form failed");
                    unavailable(form.language)
                }
            }
        }
        Ok(Recorded::Done(done)) => {
            tracing::info!(
                person_id = done.person_id,
                created = done.created,
                "form submission recorded"
            );
            state.consent.mail_wakeup.notify_one();
            sent_page(&form, t, &email)
        }
        Err(error) => {
            tracing::error!(%error, "recording a submission failed");
            unavailable(form.language)
        }
    }
}

/// "Check your mailbox", with the form's thanks.
fn sent_page(form: &PublicForm, t: &Catalogue, email: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><div role=\"status\"><p>{}</p>{}</div>",
        pages::esc(t.public_check_mail_title),
        pages::esc(&(t.public_check_mail)(email)),
        pages::paragraphs(&form.thanks)
    );
    Page {
        locale: form.language,
        title: t.public_check_mail_title,
        body,
        frame_ancestors: &form.frame_ancestors,
        nonce: None,
    }
    .respond(StatusCode::OK)
}

/// The page for a link that cannot be used.
fn link_refused(state: &LinkState, headers: &HeaderMap) -> Response {
    let locale = locale_from_headers(headers);
    let t = locale.t();
    let (status, text) = match state {
        LinkState::Used => (StatusCode::OK, t.link_used),
        LinkState::Expired => (StatusCode::GONE, t.link_expired),
        _ => (StatusCode::NOT_FOUND, t.link_unknown),
    };
    message(locale, status, t.app_name, text, None, &[])
}

/// Only well-formed tokens reach the database.
pub(crate) fn token_ok(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tracing::instrument(skip_all)]
pub async fn show_confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !token_ok(&token) {
        return link_refused(&LinkState::Unknown, &headers);
    }
    match state
        .storage
        .consent
        .link(&hash_token(&token), "confirm")
        .await
    {
        Ok(LinkState::Valid {
            purposes, language, ..
        }) => {
            let t = language.t();
            Page {
                locale: language,
                title: t.confirm_title,
                body: pages::confirm(t, &token, &purposes),
                frame_ancestors: &[],
                nonce: None,
            }
            .respond(StatusCode::OK)
        }
        Ok(other) => link_refused(&other, &headers),
        Err(error) => {
            tracing::error!(%error, "reading a confirmation link failed");
            unavailable(locale_from_headers(&headers))
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    connect: Client,
    headers: HeaderMap,
) -> Response {
    if !token_ok(&token) {
        return link_refused(&LinkState::Unknown, &headers);
    }
    let evidence = evidence(&connect, &headers);
    match state
        .storage
        .consent
        .confirm(&hash_token(&token), &evidence)
        .await
    {
        Ok(LinkState::Valid {
            person_id,
            language,
            ..
        }) => {
            tracing::info!(person_id, "consent confirmed");
            let t = language.t();
            message(
                language,
                StatusCode::OK,
                t.confirm_done_title,
                t.confirm_done,
                None,
                &[],
            )
        }
        Ok(other) => link_refused(&other, &headers),
        Err(error) => {
            tracing::error!(%error, "confirming a consent failed");
            unavailable(locale_from_headers(&headers))
        }
    }
}

/// The person a withdrawal link belongs to, and their language.
async fn withdrawal_owner(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
) -> Result<(i64, Locale), Response> {
    if !token_ok(token) {
        return Err(link_refused(&LinkState::Unknown, headers));
    }
    match state
        .storage
        .consent
        .link(&hash_token(token), "withdraw")
        .await
    {
        Ok(LinkState::Valid {
            person_id,
            language,
            ..
        }) => Ok((person_id, language)),
        Ok(other) => Err(link_refused(&other, headers)),
        Err(error) => {
            tracing::error!(%error, "reading a withdrawal link failed");
            Err(unavailable(locale_from_headers(headers)))
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn show_withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (person_id, language) = match withdrawal_owner(&state, &token, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.storage.consent.of_person(person_id, language).await {
        Ok((now, _)) => {
            let t = language.t();
            Page {
                locale: language,
                title: t.withdraw_title,
                body: pages::withdraw(t, &token, &now),
                frame_ancestors: &[],
                nonce: None,
            }
            .respond(StatusCode::OK)
        }
        Err(error) => {
            tracing::error!(%error, "reading consents failed");
            unavailable(language)
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WithdrawForm {
    purpose: String,
}

#[tracing::instrument(skip_all)]
pub async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
    connect: Client,
    headers: HeaderMap,
    axum::Form(choice): axum::Form<WithdrawForm>,
) -> Response {
    let (person_id, language) = match withdrawal_owner(&state, &token, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let t = language.t();
    let purposes: Vec<i64> = match choice.purpose.trim() {
        "all" => Vec::new(),
        id => match id.parse() {
            Ok(id) => vec![id],
            Err(_) => return link_refused(&LinkState::Unknown, &headers),
        },
    };
    let store = &state.storage.consent;
    let names = match store.of_person(person_id, language).await {
        Ok((now, _)) => now,
        Err(error) => {
            tracing::error!(%error, "reading consents failed");
            return unavailable(language);
        }
    };
    match store
        .withdraw(person_id, &purposes, &evidence(&connect, &headers))
        .await
    {
        Ok(withdrawn) => {
            tracing::info!(person_id, count = withdrawn.len(), "consent withdrawn");
            let list: Vec<&str> = names
                .iter()
                .filter(|c| withdrawn.contains(&c.purpose_id))
                .map(|c| c.purpose_name.as_str())
                .collect();
            let text = if list.is_empty() {
                t.withdraw_none.to_string()
            } else {
                (t.withdraw_done)(&list.join(", "))
            };
            message(
                language,
                StatusCode::OK,
                t.withdraw_done_title,
                &text,
                None,
                &[],
            )
        }
        Err(error) => {
            tracing::error!(%error, "withdrawing consent failed");
            unavailable(language)
        }
    }
}
