//! Editing a person, without ever overwriting someone else's save: the
//! form carries the version it was opened at, and a save on an older
//! version is refused with `changed_meanwhile` (the page then shows both
//! versions).

use crate::error::AppError;
use leptos::prelude::*;

pub const EDIT_PERSON_FORM: &str = "edit_person";

/// The edit form as posted (every field a string, as typed).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EditPersonForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub team_id: Option<String>,
}

/// Saves an edit of a person the caller may open and edit.
#[server(endpoint = "people/update")]
pub async fn update_person(#[server(flatten)] form: EditPersonForm) -> Result<(), AppError> {
    use crate::api::people::{Identity, company_for_person, parse_identity};
    use crate::domain::Problem;
    use crate::server::storage::{PersonEdit, Rectification};
    use crate::server::{access_log, context, policy, records, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let id: Option<i64> = form.id.trim().parse().ok();
    let result = async {
        use policy::Action;
        let user = policy::authorize_any(&[Action::CreatePerson, Action::RectifyPeople])?;
        let id = id.ok_or(AppError::NotFound)?;
        let version: i64 = form
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::validation("version", Problem::ChangedMeanwhile))?;
        let ctx = context::server_context()?;
        // A save while a rectification request about the person is open
        // answers it (and is how the DPO, who changes no other record,
        // corrects this one).
        let rectification = records::rectification_for(&user, id)
            .await?
            .map(|(request_id, _)| request_id);
        if !policy::allows(user.role, Action::CreatePerson) && rectification.is_none() {
            access_log::write(&user, "update", "person", &id.to_string(), false).await?;
            tracing::warn!(
                user_id = user.user_id,
                person_id = id,
                "edit refused: no open rectification request"
            );
            return Err(AppError::Forbidden);
        }
        let current = ctx
            .storage
            .people
            .get(id)
            .await
            .map_err(|e| context::internal("people.get", e))?
            .ok_or(AppError::NotFound)?;
        records::open(
            &user,
            "update",
            "person",
            id,
            current.fields.owner_id,
            current.fields.team_id,
        )
        .await?;
        records::writable(&user, &current)?;
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        let Identity {
            first_name,
            last_name,
            kind,
            status,
            job_title,
            emails,
            phones,
        } = parse_identity(
            &form.first_name,
            &form.last_name,
            &form.kind,
            &form.status,
            &text(&form.job_title),
            &text(&form.email),
            &text(&form.phone),
        )?;
        let team_id =
            records::team_for_edit(&user, form.team_id.clone(), current.fields.team_id).await?;
        let company_id = match text(&form.company).trim() {
            "" => None,
            raw if Some(raw) == current.company_name.as_deref() => current.fields.company_id,
            raw => Some(company_for_person(&user, raw, team_id).await?),
        };
        let mut edit = PersonEdit {
            first_name,
            last_name,
            kind,
            job_title,
            status,
            team_id,
            company_id,
            email: emails.into_iter().next(),
            phone: phones.into_iter().next(),
            extra_email: None,
            extra_phone: None,
            rectifies: None,
        };
        let fields = edit.changed_fields(&current.fields);
        edit.rectifies = rectification
            .filter(|_| !fields.is_empty())
            .map(|request_id| Rectification {
                request_id,
                by: user.user_id,
                fields,
            });
        let saved = ctx
            .storage
            .people
            .update(id, version, &edit)
            .await
            .map_err(|e| context::internal("people.update", e))?;
        if !saved {
            tracing::info!(
                user_id = user.user_id,
                person_id = id,
                "edit refused: changed meanwhile"
            );
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        tracing::info!(
            user_id = user.user_id,
            person_id = id,
            rectification = edit.rectifies.as_ref().map(|r| r.request_id),
            "person edited"
        );
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/contacts/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(EDIT_PERSON_FORM, &typed, Err(error)),
    }
}
