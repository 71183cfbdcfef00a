use super::language_switch::LanguageSwitch;
use super::nav::Nav;
use super::organisation_state::{MeResource, OrganisationState};
use crate::api::SignOut;
use crate::i18n::use_t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Page frame: skip link, header with navigation, main content, footer.
/// Landmarks (`header`, `nav`, `main`, `footer`) let screen-reader users
/// jump between regions.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let t = use_t();
    let state = expect_context::<OrganisationState>();
    // Who is signed in decides whether the navigation is shown at all.
    let me = expect_context::<MeResource>().0;
    let signed_in = move || me.get().and_then(Result::ok).flatten();
    let organisation_name = move || {
        state
            .organisation
            .get()
            .and_then(Result::ok)
            .map(|o| o.name.to_string())
    };
    view! {
        // `rel="external"` keeps the router from intercepting the in-page jump,
        // so the browser moves focus to `main` as it should.
        <a class="skip-link" href="#main" rel="external">{t.skip_to_content}</a>
        <header class="app-header">
            <a class="brand" href="/">
                <img src="/logo.svg" alt="" width="28" height="28"/>
                <span class="brand-name">{t.app_name}</span>
                <Transition fallback=|| ()>
                    <span class="brand-org" data-testid="header-org-name">{organisation_name}</span>
                </Transition>
            </a>
            <LanguageSwitch/>
            <Transition fallback=|| ()>
                {move || signed_in().map(|me| view! {
                    <form class="search" role="search" method="get" action="/contacts">
                        <label for="global-search" class="visually-hidden">{t.search_label}</label>
                        <input id="global-search" name="q" type="search" placeholder=t.search_placeholder
                            aria-keyshortcuts="/" autocomplete="off"/>
                        <button type="submit" class="visually-hidden">{t.search_button}</button>
                    </form>
                    <form class="sign-out" method="post" action=SignOut::PATH>
                        <span class="who">{(t.signed_in_as)(&me.display_name)}</span>
                        <button type="submit">{t.sign_out_button}</button>
                    </form>
                    <Nav/>
                })}
            </Transition>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="app-footer">
            <p>{t.footer_self_hosted}</p>
        </footer>
    }
}
