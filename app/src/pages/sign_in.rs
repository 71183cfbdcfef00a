use super::form_outcome::form_outcome;
use crate::api::SignIn;
use crate::api::auth::SIGN_IN_FORM;
use crate::i18n::use_t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in form: a plain form, the same with or without JavaScript.
/// After signing in, the person lands on the page they first asked for.
#[component]
pub fn SignInPage() -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(SIGN_IN_FORM);
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    let has_error = outcome.error.is_some();
    view! {
        <Title text=t.sign_in_title/>
        <section class="card narrow" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{t.sign_in_title}</h1>
            <p class="lede">{t.sign_in_intro}</p>
            <form method="post" action=SignIn::PATH class="stack">
                {outcome.error.map(|e| view! { <p class="form-error" role="alert" id="sign-in-error">{e.message(t)}</p> })}
                <div class="field">
                    <label for="email">{t.email_label}</label>
                    <input id="email" name="email" type="email" autocomplete="username" required
                        autofocus=!has_error
                        value=outcome.value.unwrap_or_default()
                        aria-invalid=if has_error { "true" } else { "false" }
                        aria-describedby=has_error.then_some("sign-in-error")/>
                </div>
                <div class="field">
                    <label for="password">{t.password_label}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        autofocus=has_error/>
                </div>
                <input type="hidden" name="next" value=next/>
                <div class="actions">
                    <button type="submit" class="primary">{t.sign_in_button}</button>
                </div>
            </form>
        </section>
    }
}
