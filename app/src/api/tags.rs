//! Tags on people: the list of tags (for the list filter), and putting a
//! tag on or taking it off one person or a selection of a list.

use crate::error::AppError;
use leptos::prelude::*;

pub const TAG_FORM: &str = "tag_people";

/// Every tag, by name: `(id, name)`.
#[server(endpoint = "tags/list")]
pub async fn list_tags() -> Result<Vec<(i64, String)>, AppError> {
    use crate::server::{context, policy};
    let result = async {
        policy::authorize(policy::Action::ViewPeople)?;
        let ctx = context::server_context()?;
        ctx.storage
            .tags
            .list()
            .await
            .map_err(|e| context::internal("tags.list", e))
    }
    .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// Puts `tag` on the selected people (`ids[0]`, `ids[1]`… as a form posts
/// checkboxes), or takes it off with `remove`. Every person is checked and
/// logged; one the caller may not open refuses the whole change.
#[server(endpoint = "people/tag")]
pub async fn tag_people(
    #[server(default)] ids: Vec<i64>,
    tag: Option<String>,
    remove: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::{search, tag_name};
    use crate::server::{context, policy, records, respond};
    let typed = tag.clone().unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::TagPeople)?;
        records::check_selection(&ids)?;
        let name =
            tag_name(tag.as_deref().unwrap_or("")).map_err(|p| AppError::validation("tag", p))?;
        let key = search::fold(&name);
        let ctx = context::server_context()?;
        let verb = if remove.is_some() { "untag" } else { "tag" };
        records::open_people(&user, verb, &ids).await?;
        let changed = if remove.is_some() {
            ctx.storage.tags.untag(&ids, &key).await
        } else {
            ctx.storage.tags.tag(&ids, &name, &key).await
        }
        .map_err(|e| context::internal("tags.change", e))?;
        tracing::info!(user_id = user.user_id, verb, changed, "people tagged");
        Ok(())
    }
    .await;
    respond::finish_form(TAG_FORM, &typed, result)
}
