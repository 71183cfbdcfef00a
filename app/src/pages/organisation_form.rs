use super::form_outcome::{FormOutcome, form_outcome};
use crate::api::RenameOrganisation;
use crate::api::organisation::RENAME_FORM;
use crate::domain::{Organisation, OrganisationName};
use crate::error::AppError;
use crate::i18n::use_t;
use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The rename form. It is a real `<form>` posting to the server function's
/// URL, so it works before the WASM has loaded and with JavaScript off; once
/// hydrated, it validates in the browser with the same `OrganisationName`
/// type as the server and saves without a page load.
#[component]
pub fn OrganisationForm(organisation: Organisation, editable: bool) -> impl IntoView {
    // The outcome of a no-JavaScript post comes back in the query string,
    // read here on the server: the island has no router in the browser.
    let FormOutcome {
        error,
        value,
        saved,
    } = form_outcome(RENAME_FORM);
    view! {
        <RenameForm organisation editable returned_error=error returned_value=value returned_saved=saved/>
    }
}

/// The form itself, an island: its props are what the server read.
#[island]
fn RenameForm(
    organisation: Organisation,
    editable: bool,
    returned_error: Option<AppError>,
    returned_value: Option<String>,
    returned_saved: bool,
) -> impl IntoView {
    let t = use_t();
    let rename = ServerAction::<RenameOrganisation>::new();

    let initial = returned_value.unwrap_or_else(|| organisation.name.to_string());
    let draft = RwSignal::new(initial.clone());
    let error = RwSignal::new(returned_error);
    let input: NodeRef<html::Input> = NodeRef::new();

    // A refusal from the server replaces whatever the browser showed.
    Effect::new(move |_| match rename.value().get() {
        Some(Err(e)) => {
            error.set(Some(e));
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        }
        Some(Ok(saved)) => {
            error.set(None);
            show_in_header(saved.name.as_str());
        }
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match OrganisationName::parse(&draft.get_untracked()) {
            Ok(name) => {
                error.set(None);
                rename.dispatch(RenameOrganisation {
                    name: name.to_string(),
                });
            }
            Err(problem) => {
                error.set(Some(AppError::validation("name", problem)));
                if let Some(el) = input.get_untracked() {
                    let _ = el.focus();
                }
            }
        }
    };

    let saved = move || {
        let saved_now = rename.value().with(|v| matches!(v, Some(Ok(_))));
        let saved_before_load = returned_saved && rename.version().get() == 0;
        (saved_now || saved_before_load).then_some(t.saved)
    };
    let updated = crate::time_format::minutes(&organisation.updated_at);

    view! {
        <form class="stack" method="post" action=RenameOrganisation::PATH novalidate on:submit=on_submit>
            <div class="field">
                <label for="org-name">{t.org_name_label}</label>
                <input
                    id="org-name"
                    name="name"
                    type="text"
                    readonly=!editable
                    autocomplete="organization"
                    required
                    node_ref=input
                    value=initial
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                    aria-describedby="org-name-help org-name-error"
                />
                <p id="org-name-help" class="help">{t.org_name_help}</p>
                <p id="org-name-error" class="field-error" aria-live="assertive">
                    {move || error.get().map(|e| e.message(t))}
                </p>
            </div>
            // Roles that may not rename see the name, not a control that
            // would only be refused (the server refuses it anyway).
            {editable.then(|| view! {
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || rename.pending().get()>
                        {move || if rename.pending().get() { t.saving } else { t.save }}
                    </button>
                    <p class="status" role="status">{saved}</p>
                </div>
            })}
            <p class="meta">{(t.org_updated_at)(&updated)}</p>
        </form>
    }
}

/// The header, rendered by the server outside this island, names the
/// organisation too: after a rename without a page load it is brought up
/// to date in place.
fn show_in_header(_name: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document()
        .query_selector("[data-testid='header-org-name']")
        .ok()
        .flatten()
    {
        el.set_text_content(Some(_name));
    }
}
