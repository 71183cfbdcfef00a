//! The HTML document and the root component with its routes.

use crate::api::{RenameOrganisation, get_organisation, who_am_i};
use crate::components::layout::Layout;
use crate::components::organisation_state::{MeResource, OrganisationState};
use crate::i18n;
use crate::pages::lazy::{
    BoardRoute, CompaniesAreaRoute, CompaniesRoute, ContactsAreaRoute, DealsAreaRoute,
    LeadsAreaRoute, LeadsRoute, PeopleRoute, PrivacyOfficeRoute, SecondFactorRoute,
    SettingsAreaRoute, SettingsRoute, SetupRoute, SignInRoute,
};
use crate::pages::{area::Area, area::AreaPage, home::HomePage, not_found::NotFound};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode, StaticSegment,
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
                <HydrationScripts options/>
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

    // The organisation is shown in the header of every page and edited on
    // the home page: one resource, refetched after each rename.
    let rename = ServerAction::<RenameOrganisation>::new();
    let organisation = Resource::new(move || rename.version().get(), |_| get_organisation());
    provide_context(OrganisationState {
        organisation,
        rename,
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
                    <Route path=StaticSegment("sign-in") view={Lazy::<SignInRoute>::new()} ssr=ssr.clone()/>
                    <Route path=StaticSegment("setup") view={Lazy::<SetupRoute>::new()} ssr=ssr.clone()/>
                    <Route path=StaticSegment("contacts") view={Lazy::<PeopleRoute>::new()} ssr=ssr.clone()/>
                    // The pages inside an area (app::pages::lazy): Async,
                    // so that a record's status (403, 404) is known before
                    // the first byte is sent.
                    <Route path=path!("/contacts/*rest") view={Lazy::<ContactsAreaRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("leads") view={Lazy::<LeadsRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/leads/*rest") view={Lazy::<LeadsAreaRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("companies") view={Lazy::<CompaniesRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/companies/*rest") view={Lazy::<CompaniesAreaRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("pipeline") view={Lazy::<BoardRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/deals/*rest") view={Lazy::<DealsAreaRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("dashboard") view=|| view! { <AreaPage area=Area::Dashboard/> } ssr=ssr.clone()/>
                    <Route path=StaticSegment("campaigns") view=|| view! { <AreaPage area=Area::Campaigns/> } ssr=ssr.clone()/>
                    <Route path=StaticSegment("privacy-office") view={Lazy::<PrivacyOfficeRoute>::new()} ssr=ssr.clone()/>
                    <Route path=StaticSegment("settings") view={Lazy::<SettingsRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/*rest") view={Lazy::<SettingsAreaRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/code") view={Lazy::<SecondFactorRoute>::new()} ssr=ssr/>
                </Routes>
            </Layout>
        </Router>
    }
}
