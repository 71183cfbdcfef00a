//! The DPO's register of requests (administrators and the DPO): the queue,
//! extending a request to three months with a reason, closing it as done
//! or refused, erasing the person an erasure request is about, sending
//! the person an access request is about their data, and what
//! the public notice says besides the purposes. Plain forms throughout:
//! each works without JavaScript. Every access is in the access log.

use crate::domain::privacy::RequestView;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The outcome name of the forms about request `id`.
pub fn request_form(id: i64) -> String {
    format!("request_{id}")
}

/// The outcome name of the notice settings form.
pub const NOTICE_FORM: &str = "privacy_notice";

/// The register page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterView {
    pub requests: Vec<RequestView>,
    /// The server's clock (the queue's colours are relative to it).
    pub now_ms: i64,
    pub contact: String,
    pub location: String,
    /// The latest retention runs, newest first.
    pub runs: Vec<crate::domain::retention::RunView>,
    pub health: crate::domain::retention::DataHealth,
}

/// The register: open requests soonest due first (with `closed`, the
/// others too, newest first).
#[server(endpoint = "privacy/requests")]
pub async fn get_requests(closed: bool) -> Result<RegisterView, AppError> {
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        access_log::guard(
            policy::Action::HandleRequests,
            "list",
            "privacy_request",
            "",
        )
        .await?;
        let store = &context::server_context()?.storage.privacy;
        let requests = store
            .requests(closed, 500)
            .await
            .map_err(|e| context::internal("privacy.requests", e))?;
        let (contact, location) = store
            .notice_settings()
            .await
            .map_err(|e| context::internal("privacy.notice_settings", e))?;
        let runs = store
            .runs(10)
            .await
            .map_err(|e| context::internal("privacy.runs", e))?
            .into_iter()
            .map(|r| crate::domain::retention::RunView {
                id: r.id,
                started_ms: r.started_at.timestamp_millis(),
                finished_ms: r.finished_at.map(|f| f.timestamp_millis()),
                as_of: r.as_of.to_string(),
                dry_run: r.dry_run,
                due: r.due,
                erased: r.erased,
                held: r.held,
                asked: r.asked,
            })
            .collect();
        let policy = crate::domain::retention::RetentionPolicy::CNIL;
        let today = chrono::Utc::now().date_naive();
        let notice = policy.notice_day(today);
        let stale_before = today
            .checked_sub_months(chrono::Months::new(crate::domain::retention::STALE_MONTHS))
            .unwrap_or(today)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        let health = store
            .health(
                (
                    policy.prospect_cutoff(today),
                    policy.prospect_cutoff(notice),
                ),
                (
                    policy.former_customer_cutoff(today),
                    policy.former_customer_cutoff(notice),
                ),
                stale_before,
            )
            .await
            .map_err(|e| context::internal("privacy.health", e))?;
        Ok(RegisterView {
            health,
            runs,
            requests,
            now_ms: chrono::Utc::now().timestamp_millis(),
            contact,
            location,
        })
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// A reason: one line, at most 300 characters.
#[cfg(feature = "ssr")]
fn reason(field: &str, raw: &str) -> Result<String, AppError> {
    crate::domain::single_line(raw, 300).map_err(|p| AppError::validation(field, p))
}

/// A setting of one line that may be left empty.
#[cfg(feature = "ssr")]
fn optional_line(field: &str, raw: &str) -> Result<String, AppError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    reason(field, raw)
}

/// Open request `id` as the DPO saw it (`version`): a request changed or
/// closed since is told so.
#[cfg(feature = "ssr")]
async fn current_request(id: i64, version: i64) -> Result<RequestView, AppError> {
    use crate::domain::Problem;
    use crate::domain::privacy::RequestStatus;
    use crate::server::context;
    let request = context::server_context()?
        .storage
        .privacy
        .request(id)
        .await
        .map_err(|e| context::internal("privacy.request", e))?
        .ok_or(AppError::NotFound)?;
    if request.version != version || request.status != RequestStatus::Open {
        return Err(AppError::validation("version", Problem::ChangedMeanwhile));
    }
    Ok(request)
}

/// [`current_request`] of `kind`, with the person it is about: one of
/// another kind, or about nobody Accord holds, is not found.
#[cfg(feature = "ssr")]
async fn open_request(
    id: i64,
    version: i64,
    kind: crate::domain::privacy::RequestKind,
) -> Result<(RequestView, i64), AppError> {
    let request = current_request(id, version).await?;
    match request.person_id {
        Some(person_id) if request.kind == kind => Ok((request, person_id)),
        _ => Err(AppError::NotFound),
    }
}

/// The mail that tells the requester, in their language, what became of
/// their request (art. 12.3–4): `text` is what was done, why it is
/// refused (`Refused`), or why it needs more time (`Open`: extended).
#[cfg(feature = "ssr")]
async fn answer_mail(
    request: &RequestView,
    status: crate::domain::privacy::RequestStatus,
    text: &str,
) -> Result<crate::server::storage::OutgoingMail, AppError> {
    use crate::domain::privacy::{RequestStatus, extended_due_at};
    use crate::server::context;
    let organisation = context::server_context()?
        .storage
        .organisation
        .get()
        .await
        .map_err(|e| context::internal("organisation.get", e))?
        .name
        .to_string();
    let t = request.language.t();
    let kind = request.kind.label(t);
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d").to_string();
    let received = chrono::DateTime::from_timestamp_millis(request.received_ms).unwrap_or_default();
    let body = match status {
        RequestStatus::Refused => {
            (t.answer_mail_refused)(&organisation, kind, &day(received), text)
        }
        RequestStatus::Open => (t.answer_mail_extended)(
            &organisation,
            kind,
            &day(received),
            &day(extended_due_at(received)),
            text,
        ),
        _ => (t.answer_mail_done)(&organisation, kind, &day(received), text),
    };
    Ok(crate::server::storage::OutgoingMail {
        recipient: request.email.clone(),
        subject: (t.answer_mail_subject)(&organisation, kind),
        body,
    })
}

/// Closes `request` (as the DPO saw it) as `status` with `outcome` in the
/// register, and mails the requester `their_outcome` (the same, or its
/// words in their language): false if it changed meanwhile.
#[cfg(feature = "ssr")]
async fn close_and_answer(
    request: &RequestView,
    status: crate::domain::privacy::RequestStatus,
    outcome: &str,
    their_outcome: &str,
    by: i64,
) -> Result<bool, AppError> {
    use crate::server::context;
    let mail = answer_mail(request, status, their_outcome).await?;
    let ctx = context::server_context()?;
    let closed = ctx
        .storage
        .privacy
        .close_request(
            request.id,
            request.version,
            status,
            outcome,
            by,
            Some(&mail),
        )
        .await
        .map_err(|e| context::internal("privacy.close_request", e))?;
    if closed {
        ctx.mail_wakeup.notify_one();
    }
    Ok(closed)
}

/// Extends an open request to three months from receipt, once, with the
/// reason the requester will be told.
#[server(endpoint = "privacy/extend-request")]
pub async fn extend_request(id: i64, version: i64, reason: String) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::domain::privacy::RequestStatus;
    use crate::server::{access_log, context, policy, respond};
    let typed = reason.clone();
    let result = async {
        let user = access_log::guard(
            policy::Action::HandleRequests,
            "update",
            "privacy_request",
            &id.to_string(),
        )
        .await?;
        let reason = self::reason("reason", &reason)?;
        let ctx = context::server_context()?;
        let request = current_request(id, version).await?;
        let mail = answer_mail(&request, RequestStatus::Open, &reason).await?;
        let done = ctx
            .storage
            .privacy
            .extend_request(id, version, &reason, user.user_id, Some(&mail))
            .await
            .map_err(|e| context::internal("privacy.extend_request", e))?;
        if !done {
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        ctx.mail_wakeup.notify_one();
        tracing::info!(
            user_id = user.user_id,
            request_id = id,
            "privacy request extended"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&request_form(id), &typed, result)
}

/// Closes an open request: `done` or `refused`, with what was done or
/// why it is refused.
#[server(endpoint = "privacy/close-request")]
pub async fn close_request(
    id: i64,
    version: i64,
    status: String,
    outcome: String,
) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::domain::privacy::RequestStatus;
    use crate::server::{access_log, policy, respond};
    let typed = outcome.clone();
    let result = async {
        let user = access_log::guard(
            policy::Action::HandleRequests,
            "update",
            "privacy_request",
            &id.to_string(),
        )
        .await?;
        let status = match RequestStatus::parse(&status) {
            Ok(s @ (RequestStatus::Done | RequestStatus::Refused)) => s,
            _ => return Err(AppError::validation("status", Problem::UnknownChoice)),
        };
        let outcome = self::reason("outcome", &outcome)?;
        let request = current_request(id, version).await?;
        let done = close_and_answer(&request, status, &outcome, &outcome, user.user_id).await?;
        if !done {
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        tracing::info!(
            user_id = user.user_id,
            request_id = id,
            status = status.key(),
            "privacy request closed"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&request_form(id), &typed, result)
}

/// Erases the person an open erasure request is about, and closes the
/// request with what was done (or, under a legal hold, refuses it with
/// the hold's reason). One click, then nothing to undo.
#[server(endpoint = "privacy/erase-for-request")]
pub async fn erase_for_request(id: i64, version: i64) -> Result<(), AppError> {
    use crate::domain::privacy::{RequestKind, RequestStatus};
    use crate::server::storage::{Erased, ErasureReason};
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        let user = access_log::guard(
            policy::Action::HandleRequests,
            "erase",
            "privacy_request",
            &id.to_string(),
        )
        .await?;
        let (request, person_id) = open_request(id, version, RequestKind::Erasure).await?;
        let store = &context::server_context()?.storage.privacy;
        access_log::write(&user, "erase", "person", &person_id.to_string(), true).await?;
        let outcome = store
            .erase(&[person_id], ErasureReason::Request, Some(user.user_id))
            .await
            .map_err(|e| context::internal("privacy.erase", e))?;
        // The register in the DPO's words, the mail in the requester's.
        let (t, their) = (crate::i18n::current_locale().t(), request.language.t());
        let (status, text, their_text) = match outcome.first() {
            Some(Erased::Held(hold)) => (
                RequestStatus::Refused,
                (t.requests_held)(hold),
                (their.requests_held)(hold),
            ),
            _ => (
                RequestStatus::Done,
                t.requests_erased.to_string(),
                their.requests_erased.to_string(),
            ),
        };
        close_and_answer(&request, status, &text, &their_text, user.user_id).await?;
        tracing::info!(
            user_id = user.user_id,
            request_id = id,
            person_id,
            "erased on request"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&request_form(id), "", result)
}

/// Sends the person an access request is about everything Accord holds
/// about them (JSON and CSV behind a link valid seven days, mailed to the
/// verified address), and closes the request with what was sent.
#[server(endpoint = "privacy/send-archive")]
pub async fn send_archive(id: i64, version: i64) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::domain::privacy::RequestKind;
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        let user = access_log::guard(
            policy::Action::HandleRequests,
            "export",
            "privacy_request",
            &id.to_string(),
        )
        .await?;
        let (request, person_id) = open_request(id, version, RequestKind::Access).await?;
        let ctx = context::server_context()?;
        access_log::write(
            &user,
            "export",
            "person_archive",
            &person_id.to_string(),
            true,
        )
        .await?;
        let sent = ctx
            .archives
            .send(
                &request,
                person_id,
                user.user_id,
                crate::i18n::current_locale(),
            )
            .await
            .map_err(|e| context::internal("privacy.send_archive", e))?;
        match sent {
            None => return Err(AppError::NotFound),
            Some(false) => return Err(AppError::validation("version", Problem::ChangedMeanwhile)),
            Some(true) => {}
        }
        tracing::info!(
            user_id = user.user_id,
            request_id = id,
            person_id,
            "access archive sent"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&request_form(id), "", result)
}

/// The outcome name of the restriction form on person `id`'s page.
pub fn restriction_form(person_id: i64) -> String {
    format!("restriction_{person_id}")
}

/// Restricts the processing of a person (art. 18: read-only for all but
/// the DPO, excluded from every mail) or lifts the restriction.
#[server(endpoint = "privacy/set-restriction")]
pub async fn set_restriction(person_id: i64, restrict: bool) -> Result<(), AppError> {
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        let verb = if restrict {
            "restrict"
        } else {
            "lift_restriction"
        };
        let user = access_log::guard(
            policy::Action::HandleRequests,
            verb,
            "person",
            &person_id.to_string(),
        )
        .await?;
        let done = context::server_context()?
            .storage
            .privacy
            .set_restriction(person_id, restrict)
            .await
            .map_err(|e| context::internal("privacy.set_restriction", e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::info!(
            user_id = user.user_id,
            person_id,
            restrict,
            "restriction set"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&restriction_form(person_id), "", result)
}

/// Restricts the person a restriction request is about and closes the
/// request with what was done.
#[server(endpoint = "privacy/restrict-for-request")]
pub async fn restrict_for_request(id: i64, version: i64) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::domain::privacy::{RequestKind, RequestStatus};
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        let user = access_log::guard(
            policy::Action::HandleRequests,
            "restrict",
            "privacy_request",
            &id.to_string(),
        )
        .await?;
        let (request, person_id) = open_request(id, version, RequestKind::Restriction).await?;
        let store = &context::server_context()?.storage.privacy;
        access_log::write(&user, "restrict", "person", &person_id.to_string(), true).await?;
        store
            .set_restriction(person_id, true)
            .await
            .map_err(|e| context::internal("privacy.set_restriction", e))?;
        let closed = close_and_answer(
            &request,
            RequestStatus::Done,
            crate::i18n::current_locale().t().requests_restricted,
            request.language.t().requests_restricted,
            user.user_id,
        )
        .await?;
        if !closed {
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        tracing::info!(
            user_id = user.user_id,
            request_id = id,
            person_id,
            "restricted on request"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&request_form(id), "", result)
}

/// What the public notice says besides the purposes.
#[server(endpoint = "privacy/save-notice")]
pub async fn save_notice(contact: String, location: String) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};
    let typed = serde_json::to_string(&(&contact, &location)).unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::HandleRequests)?;
        let contact = optional_line("contact", &contact)?;
        let location = optional_line("location", &location)?;
        context::server_context()?
            .storage
            .privacy
            .set_notice_settings(&contact, &location)
            .await
            .map_err(|e| context::internal("privacy.set_notice_settings", e))?;
        tracing::info!(user_id = user.user_id, "privacy notice settings saved");
        Ok(())
    }
    .await;
    respond::finish_form(NOTICE_FORM, &typed, result)
}
