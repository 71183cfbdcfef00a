use super::organisation_form::OrganisationForm;
use crate::components::organisation_state::{MeResource, OrganisationState};
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

/// The first page: what Accord is, and the organisation's name, editable.
#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_t();
    let state = expect_context::<OrganisationState>();
    let me = expect_context::<MeResource>().0;
    view! {
        <Title text=t.home_title/>
        <h1>{t.home_title}</h1>
        <p class="lede">{t.home_intro}</p>
        <section class="card" aria-labelledby="org-title">
            <h2 id="org-title">{t.org_section_title}</h2>
            <Transition fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    let editable = me.await.ok().flatten().is_some_and(|m| m.may.edit_organisation);
                    match state.organisation.await {
                        Ok(organisation) => Either::Left(view! { <OrganisationForm organisation editable/> }),
                        Err(error) => Either::Right(view! { <p class="error" role="alert">{error.message(t)}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}
