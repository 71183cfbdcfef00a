use super::form_outcome::form_outcome;
use crate::api::CompleteSetup;
use crate::api::auth::SETUP_FORM;
use crate::components::field::Field;
use crate::domain::PasswordPolicy;
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// First run: with the set-up token printed by `accord`, create the first
/// administrator. Without it, say how to finish set-up.
#[component]
pub fn SetupPage() -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(SETUP_FORM);
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .filter(|t| !t.is_empty());
    let field_error = {
        let error = outcome.error.clone();
        move |field: &'static str| {
            error
                .as_ref()
                .and_then(|e| e.problem_for(field))
                .map(|p| p.message(t))
        }
    };
    let general_error = outcome
        .error
        .as_ref()
        .filter(|e| !matches!(e, crate::error::AppError::Validation { .. }))
        .map(|e| e.message(t));
    view! {
        <Title text=t.setup_title/>
        <section class="card narrow" aria-labelledby="setup-title">
            <h1 id="setup-title">{t.setup_title}</h1>
            {match token {
                None => Either::Left(view! { <p class="notice" role="status">{t.setup_needs_link}</p> }),
                Some(token) => Either::Right(view! {
                    <p class="lede">{t.setup_intro}</p>
                    <form method="post" action=CompleteSetup::PATH class="stack">
                        {general_error.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                        <input type="hidden" name="token" value=token/>
                        <Field id="display_name" label=t.display_name_label kind="text" autocomplete="name"
                            error=field_error("display_name") value=String::new()/>
                        <Field id="email" label=t.email_label kind="email" autocomplete="username"
                            error=field_error("email") value=outcome.value.clone().unwrap_or_default()/>
                        <Field id="password" label=t.password_label kind="password" autocomplete="new-password"
                            error=field_error("password") value=String::new()
                            help=(t.password_help)(PasswordPolicy::MIN_CHARS)/>
                        <Field id="password_confirm" label=t.password_confirm_label kind="password"
                            autocomplete="new-password" error=None value=String::new()/>
                        <div class="actions">
                            <button type="submit" class="primary">{t.setup_button}</button>
                        </div>
                    </form>
                }),
            }}
        </section>
    }
}
