//! The team of a new record (person, company, lead): the teams the user
//! may put it in, loaded with the form's choices, and the field's error.

use crate::domain::PersonFormChoices;
use crate::error::AppError;
use crate::i18n::use_t;
use leptos::prelude::*;

#[component]
pub fn TeamSelect(
    choices: Resource<Result<PersonFormChoices, AppError>>,
    /// The team id typed before a refused post, or empty.
    #[prop(optional, into)]
    selected: String,
    error: Option<String>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="field">
            <label for="team">{t.person_team}</label>
            <Transition fallback=|| ()>
                {move || {
                    let selected = selected.clone();
                    Suspend::new(async move {
                        let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                        view! {
                            <select id="team" name="team_id" aria-describedby="team-error">
                                <option value="">{t.person_no_team}</option>
                                {teams.into_iter().map(|(id, name)| {
                                    let value = id.to_string();
                                    let is = value == selected;
                                    view! { <option value=value selected=is>{name}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Transition>
            <p id="team-error" class="field-error">{error}</p>
        </div>
    }
}
