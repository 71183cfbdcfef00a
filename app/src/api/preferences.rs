//! What each user chose to keep: the columns of the people list.

use crate::domain::PeopleColumn;
use crate::error::AppError;
use leptos::prelude::*;

pub const COLUMNS_FORM: &str = "people_columns";
#[cfg(feature = "ssr")]
const PEOPLE_COLUMNS: &str = "people.columns";

/// The columns the caller shows in the list of people.
#[server(endpoint = "preferences/people-columns")]
pub async fn get_people_columns() -> Result<Vec<PeopleColumn>, AppError> {
    use crate::server::{context, policy};
    let result = async {
        let user = policy::authorize(policy::Action::ViewPeople)?;
        let ctx = context::server_context()?;
        let saved = ctx
            .storage
            .preferences
            .get(user.user_id, PEOPLE_COLUMNS)
            .await
            .map_err(|e| context::internal("preferences.get", e))?;
        Ok(saved.map_or_else(
            || PeopleColumn::DEFAULT.to_vec(),
            |raw| PeopleColumn::parse_list(&raw),
        ))
    }
    .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// Keeps the chosen columns (`columns[0]`, `columns[1]`… as a form posts
/// checkboxes); none chosen shows the name alone.
#[server(endpoint = "preferences/set-people-columns")]
pub async fn set_people_columns(#[server(default)] columns: Vec<String>) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewPeople)?;
        let chosen = columns
            .iter()
            .map(|c| PeopleColumn::parse(c))
            .collect::<Result<Vec<_>, Problem>>()
            .map_err(|p| AppError::validation("columns", p))?;
        // In the list's own order, whatever the order posted.
        let chosen: Vec<PeopleColumn> = PeopleColumn::ALL
            .iter()
            .copied()
            .filter(|c| chosen.contains(c))
            .collect();
        let ctx = context::server_context()?;
        ctx.storage
            .preferences
            .set(
                user.user_id,
                PEOPLE_COLUMNS,
                &PeopleColumn::list_key(&chosen),
            )
            .await
            .map_err(|e| context::internal("preferences.set", e))
    }
    .await;
    respond::finish_form(COLUMNS_FORM, "", result)
}
