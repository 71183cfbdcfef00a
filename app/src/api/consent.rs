//! Settings for consent: purposes and their texts (administrators and
//! the DPO), the public forms (administrators and marketing), the mail
//! outbox (administrators). Plain forms throughout: each works without
//! JavaScript and comes back with what was typed when refused.

use crate::domain::consent::{FormInput, FormsView, OutboxView, PurposeInput, PurposeView};
use crate::error::AppError;
use leptos::prelude::*;

/// The outcome name of the new-purpose form.
pub const NEW_PURPOSE_FORM: &str = "purpose_new";

/// The outcome name of the forms about purpose `id` (edit, archive).
pub fn purpose_form(id: i64) -> String {
    format!("purpose_{id}")
}

/// The outcome name of the form builder.
pub const FORM_BUILDER: &str = "consent_form";

/// Every purpose with its current texts.
#[server(endpoint = "consent/purposes")]
pub async fn get_purposes() -> Result<Vec<PurposeView>, AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        policy::authorize(policy::Action::ManagePurposes)?;
        context::server_context()?
            .storage
            .consent
            .purposes()
            .await
            .map_err(|e| context::internal("consent.purposes", e))
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// The first problem of a checked form, as the error crossing the
/// boundary (the page shows it next to its field).
#[cfg(feature = "ssr")]
fn first_problem(problems: Vec<(String, crate::domain::Problem)>) -> AppError {
    problems
        .into_iter()
        .next()
        .map(|(field, problem)| AppError::validation(&field, problem))
        .unwrap_or(AppError::Conflict)
}

/// Creates or updates a purpose; a changed text is published as a new
/// version (the old one stays, immutable, as the proof of consents given
/// on it).
#[server(endpoint = "consent/save-purpose")]
pub async fn save_purpose(#[server(flatten)] form: PurposeInput) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::storage::StorageError;
    use crate::server::{context, policy, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let id = form.id.trim().parse::<i64>().ok();
    let name = id.map(purpose_form).unwrap_or(NEW_PURPOSE_FORM.to_string());
    let result = async {
        let user = policy::authorize(policy::Action::ManagePurposes)?;
        let draft = form.check().map_err(first_problem)?;
        let saved = context::server_context()?
            .storage
            .consent
            .save_purpose(id, &draft, user.user_id)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => AppError::validation("key", Problem::KeyTaken),
                StorageError::Missing(_) => AppError::NotFound,
                other => context::internal("consent.save_purpose", other),
            })?;
        tracing::info!(
            user_id = user.user_id,
            purpose_id = saved,
            "consent purpose saved"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&name, &typed, result)
}

/// Archives a purpose (no form may offer it any more) or brings it back.
#[server(endpoint = "consent/archive-purpose")]
pub async fn archive_purpose(id: i64, archived: bool) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::storage::StorageError;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePurposes)?;
        let done = context::server_context()?
            .storage
            .consent
            .set_purpose_archived(id, archived)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => AppError::validation("archive", Problem::StillOffered),
                other => context::internal("consent.archive_purpose", other),
            })?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::info!(
            user_id = user.user_id,
            purpose_id = id,
            archived,
            "consent purpose archived"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&purpose_form(id), "", result)
}

/// Settings → Forms: the forms, what they may offer, and the one being
/// edited.
#[server(endpoint = "consent/forms")]
pub async fn get_forms(editing: Option<i64>) -> Result<FormsView, AppError> {
    use crate::domain::consent::{FormEditing, PurposeChoice};
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManageForms)?;
        let ctx = context::server_context()?;
        let locale = crate::i18n::current_locale();
        let store = &ctx.storage.consent;
        let forms = store
            .forms()
            .await
            .map_err(|e| context::internal("consent.forms", e))?;
        let all = store
            .purposes()
            .await
            .map_err(|e| context::internal("consent.purposes", e))?;
        let purposes: Vec<PurposeChoice> = all
            .iter()
            .filter(|p| !p.archived && p.version > 0)
            .map(|p| PurposeChoice {
                id: p.id,
                name: p.name(locale).to_string(),
                channel: p.channel,
            })
            .collect();
        let owners = ctx
            .storage
            .users
            .list()
            .await
            .map_err(|e| context::internal("users.list", e))?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.id, u.display_name))
            .collect();
        let editing = match editing {
            None => None,
            Some(id) => {
                let (draft, version) = store
                    .form(id)
                    .await
                    .map_err(|e| context::internal("consent.form", e))?
                    .ok_or(AppError::NotFound)?;
                let channels: Vec<_> = all
                    .iter()
                    .filter(|p| draft.purpose_ids.contains(&p.id))
                    .map(|p| p.channel)
                    .collect();
                Some(FormEditing {
                    id,
                    version,
                    unneeded: draft.unneeded_fields(&channels),
                    address: format!("{}/f/{}", ctx.public_url, draft.slug),
                    input: FormInput {
                        id: id.to_string(),
                        slug: draft.slug.to_string(),
                        language: draft.language.code().to_string(),
                        title: draft.title,
                        intro: draft.intro,
                        thanks: draft.thanks,
                        privacy_url: draft.privacy_url,
                        fields: draft.fields.iter().map(|f| f.key().to_string()).collect(),
                        purposes: draft.purpose_ids.iter().map(i64::to_string).collect(),
                        frame_ancestors: draft.frame_ancestors.join(" "),
                        owner_id: draft.owner_id.to_string(),
                    },
                })
            }
        };
        Ok(FormsView {
            forms,
            purposes,
            owners,
            editing,
            me: user.user_id,
        })
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// Creates or updates a form; a changed form is published as a new
/// version (submissions name the exact version they were made on).
#[server(endpoint = "consent/save-form")]
pub async fn save_form(#[server(flatten)] form: FormInput) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::storage::StorageError;
    use crate::server::{context, policy, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let id = form.id.trim().parse::<i64>().ok();
    let mut back = match id {
        Some(id) => format!("/settings/forms?form={id}"),
        None => "/settings/forms".to_string(),
    };
    let result = async {
        let user = policy::authorize(policy::Action::ManageForms)?;
        let draft = form.check().map_err(first_problem)?;
        let ctx = context::server_context()?;
        let owner = ctx
            .storage
            .users
            .get(draft.owner_id)
            .await
            .map_err(|e| context::internal("users.get", e))?;
        if !owner.is_some_and(|o| o.active) {
            return Err(AppError::validation("owner_id", Problem::UnknownChoice));
        }
        let saved = ctx
            .storage
            .consent
            .save_form(id, &draft, user.user_id)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => AppError::validation("slug", Problem::KeyTaken),
                StorageError::Missing(what) if what.starts_with("consent purpose") => {
                    AppError::validation("purposes", Problem::UnknownChoice)
                }
                StorageError::Missing(_) => AppError::NotFound,
                other => context::internal("consent.save_form", other),
            })?;
        tracing::info!(
            user_id = user.user_id,
            form_id = saved,
            "consent form saved"
        );
        Ok(saved)
    }
    .await;
    if let Ok(saved) = &result {
        back = format!("/settings/forms?form={saved}");
    }
    respond::finish_form_at(&back, FORM_BUILDER, &typed, result.map(|_| ()))
}

/// Archives a form (its page closes; its versions stay as proof) or
/// opens it again.
#[server(endpoint = "consent/archive-form")]
pub async fn archive_form(id: i64, archived: bool) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManageForms)?;
        let done = context::server_context()?
            .storage
            .consent
            .set_form_archived(id, archived)
            .await
            .map_err(|e| context::internal("consent.archive_form", e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::info!(
            user_id = user.user_id,
            form_id = id,
            archived,
            "consent form archived"
        );
        Ok(())
    }
    .await;
    respond::finish_form_at(
        &format!("/settings/forms?form={id}"),
        FORM_BUILDER,
        "",
        result,
    )
}

/// The newest mail of the outbox (at most 200).
#[server(endpoint = "consent/outbox")]
pub async fn get_outbox() -> Result<Vec<OutboxView>, AppError> {
    use crate::server::{access_log, context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ReadOutbox)?;
        let mails = context::server_context()?
            .storage
            .consent
            .outbox(crate::domain::consent::OUTBOX_SHOWN)
            .await
            .map_err(|e| context::internal("consent.outbox", e))?;
        // The outbox holds addresses and links: reading it is an access
        // to personal data.
        access_log::write(&user, "read", "outbox", "", true).await?;
        Ok(mails
            .into_iter()
            .map(|m| OutboxView {
                id: m.id,
                recipient: m.recipient,
                subject: m.subject,
                body: m.body,
                created_ms: m.created_at.timestamp_millis(),
                attempts: m.attempts,
                sent_ms: m.sent_at.map(|s| s.timestamp_millis()),
                last_error: m.last_error,
            })
            .collect())
    }
    .await;
    result.inspect_err(respond::set_error_status)
}
