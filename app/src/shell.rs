//! The HTML document and the root component with its routes.

use crate::api::{get_organisation, who_am_i};
use crate::components::layout::Layout;
use crate::components::organisation_state::{MeResource, OrganisationState};
use crate::i18n;
use crate::pages::area_routes::{CompaniesArea, ContactsArea, DealsArea, LeadsArea, SettingsArea};
use crate::pages::{
    area::Area, area::AreaPage, board::BoardPage, companies::CompaniesPage,
    dashboard::DashboardPage, home::HomePage, leads::LeadsPage, not_found::NotFound,
    people::PeoplePage, privacy_office::PrivacyOfficePage, second_factor::SecondFactorPage,
    settings::SettingsPage, setup::SetupPage, sign_in::SignInPage,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    path,
};

/// The whole HTML document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = i18n::current_locale();
    #[cfg(feature = "ssr")]
    crate::server::csp::apply();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                // Islands: only the parts of a page that need the browser
                // (the board, the organisation form) are hydrated; the rest
                // is server-rendered HTML and ships no WASM.
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component: language, shared state, layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let t = i18n::provide_locale().t();

    // The organisation is shown in the header of every page and on the
    // home page: one resource.
    provide_context(OrganisationState {
        organisation: Resource::new(|| (), |_| get_organisation()),
    });
    provide_context(MeResource(Resource::new(|| (), |_| who_am_i())));

    // Every route renders in order on the server so that a browser without
    // JavaScript receives complete pages (out-of-order streaming needs JS
    // to move suspended fragments into place).
    let ssr = SsrMode::InOrder;
    view! {
        <Stylesheet id="leptos" href="/pkg/accord.css"/>
        <Title formatter=move |page: String| format!("{page} · {}", t.app_name)/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=ssr.clone()/>
                    <Route path=StaticSegment("sign-in") view=SignInPage ssr=ssr.clone()/>
                    <Route path=StaticSegment("setup") view=SetupPage ssr=ssr.clone()/>
                    <Route path=StaticSegment("contacts") view=PeoplePage ssr=ssr.clone()/>
                    // The pages inside an area (app::pages::area_routes): Async,
                    // so that a record's status (403, 404) is known before
                    // the first byte is sent.
                    <Route path=path!("/contacts/*rest") view=ContactsArea ssr=SsrMode::Async/>
                    <Route path=StaticSegment("leads") view=LeadsPage ssr=ssr.clone()/>
                    <Route path=path!("/leads/*rest") view=LeadsArea ssr=SsrMode::Async/>
                    <Route path=StaticSegment("companies") view=CompaniesPage ssr=ssr.clone()/>
                    <Route path=path!("/companies/*rest") view=CompaniesArea ssr=SsrMode::Async/>
                    <Route path=StaticSegment("pipeline") view=BoardPage ssr=ssr.clone()/>
                    <Route path=path!("/deals/*rest") view=DealsArea ssr=SsrMode::Async/>
                    // Async: TV mode's refresh to the next pipeline is a
                    // <meta> in the head, known once the figures are read.
                    <Route path=StaticSegment("dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("campaigns") view=|| view! { <AreaPage area=Area::Campaigns/> } ssr=ssr.clone()/>
                    <Route path=StaticSegment("privacy-office") view=PrivacyOfficePage ssr=ssr.clone()/>
                    <Route path=StaticSegment("settings") view=SettingsPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/*rest") view=SettingsArea ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/code") view=SecondFactorPage ssr=ssr/>
                </Routes>
            </Layout>
        </Router>
    }
}
