//! Giving people to another owner, several at once (a rep leaves, a
//! territory moves). Administrators and managers only; a manager gives
//! only people they may see, to members of their own teams.

use crate::error::AppError;
use leptos::prelude::*;

pub const REASSIGN_FORM: &str = "reassign_people";

/// Who people may be given to by the caller: id and name.
#[server(endpoint = "people/owners")]
pub async fn list_owner_choices() -> Result<Vec<(i64, String)>, AppError> {
    use crate::server::policy;
    let user = policy::authorize(policy::Action::ReassignPeople)?;
    owner_choices(&user)
        .await
        .inspect_err(crate::server::respond::set_error_status)
}

#[cfg(feature = "ssr")]
async fn owner_choices(
    user: &crate::server::auth::SessionUser,
) -> Result<Vec<(i64, String)>, AppError> {
    use crate::domain::Role;
    use crate::server::context;
    let ctx = context::server_context()?;
    let users = ctx
        .storage
        .users
        .list()
        .await
        .map_err(|e| context::internal("users.list", e))?;
    let allowed: Option<Vec<i64>> = if user.role == Role::Admin {
        None
    } else {
        let mine = ctx
            .storage
            .teams
            .teams_of(user.user_id)
            .await
            .map_err(|e| context::internal("teams.teams_of", e))?;
        let memberships = ctx
            .storage
            .teams
            .memberships()
            .await
            .map_err(|e| context::internal("teams.memberships", e))?;
        Some(
            memberships
                .into_iter()
                .filter(|(team, _)| mine.contains(team))
                .map(|(_, member)| member)
                .chain(std::iter::once(user.user_id))
                .collect(),
        )
    };
    Ok(users
        .into_iter()
        .filter(|u| u.active && allowed.as_ref().is_none_or(|a| a.contains(&u.id)))
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Gives the selected people (`ids[0]`, `ids[1]`… as a form posts
/// checkboxes) to `owner_id`. Every person is checked and logged; one the
/// caller may not open refuses the whole change.
#[server(endpoint = "people/reassign")]
pub async fn reassign_people(
    #[server(default)] ids: Vec<i64>,
    owner_id: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::{context, policy, records, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ReassignPeople)?;
        records::check_selection(&ids)?;
        let owner: i64 = owner_id
            .as_deref()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| AppError::validation("owner_id", Problem::Required))?;
        if !owner_choices(&user)
            .await?
            .iter()
            .any(|(id, _)| *id == owner)
        {
            return Err(AppError::validation("owner_id", Problem::UnknownChoice));
        }
        records::open_people(&user, "reassign", &ids).await?;
        let ctx = context::server_context()?;
        let changed = ctx
            .storage
            .people
            .reassign(&ids, owner, None)
            .await
            .map_err(|e| context::internal("people.reassign", e))?;
        tracing::info!(user_id = user.user_id, owner, changed, "people reassigned");
        Ok(())
    }
    .await;
    respond::finish_form(REASSIGN_FORM, "", result)
}
