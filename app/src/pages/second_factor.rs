use super::form_outcome::form_outcome;
use crate::api::auth::SECOND_FACTOR_FORM;
use crate::api::{SignOut, VerifySecondFactor};
use crate::i18n::use_t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The second step of signing in for users with an authenticator app: a
/// plain form, the same with or without JavaScript.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(SECOND_FACTOR_FORM);
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    let has_error = outcome.error.is_some();
    view! {
        <Title text=t.second_factor_title/>
        <section class="card narrow" aria-labelledby="code-title">
            <h1 id="code-title">{t.second_factor_title}</h1>
            <p class="lede" id="code-help">{t.second_factor_intro}</p>
            <form method="post" action=VerifySecondFactor::PATH class="stack">
                {outcome.error.map(|e| view! { <p class="form-error" role="alert" id="code-error">{e.message(t)}</p> })}
                <div class="field">
                    <label for="code">{t.second_factor_code_label}</label>
                    <input id="code" name="code" type="text" autocomplete="one-time-code" required autofocus
                        spellcheck="false" autocapitalize="off" maxlength="20"
                        aria-invalid=if has_error { "true" } else { "false" }
                        aria-describedby=if has_error { "code-error code-help" } else { "code-help" }/>
                </div>
                <input type="hidden" name="next" value=next/>
                <div class="actions">
                    <button type="submit" class="primary">{t.second_factor_button}</button>
                </div>
            </form>
            <form method="post" action=SignOut::PATH>
                <button type="submit" class="link">{t.second_factor_restart}</button>
            </form>
        </section>
    }
}
