//! Pages loaded on demand in the browser.
//!
//! Each page here is cut out of the main WASM bundle into its own chunk
//! (`cargo leptos build --split`), fetched when the router first needs it:
//! on the initial hydration of that page, or on navigating to it. The main
//! bundle then holds only the shell, the home page and the router, so it
//! stays at the size the foundation was held to however many pages the
//! product grows. On the server the wrappers are plain async calls.
//!
//! Each route struct carries no data: the page creates its own resources
//! when its view runs, which keeps their (generic, hence large) code in the
//! page's chunk too.

use super::{
    board::BoardPage,
    companies::{CompaniesPage, CompanyPage, NewCompanyPage},
    deal::{DealPage, EditDealPage},
    leads::{LeadPage, LeadsPage, NewLeadPage},
    people::{NewPersonPage, PeoplePage},
    person::PersonPage,
    person_edit::EditPersonPage,
    pipeline_settings::PipelineSettingsPage,
    privacy_office::PrivacyOfficePage,
    second_factor::SecondFactorPage,
    security::SecurityPage,
    settings::SettingsPage,
    setup::SetupPage,
    sign_in::SignInPage,
};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(SignInRoute, SignInPage);
lazy_page!(SetupRoute, SetupPage);
lazy_page!(SecondFactorRoute, SecondFactorPage);
lazy_page!(SecurityRoute, SecurityPage);
lazy_page!(PeopleRoute, PeoplePage);
lazy_page!(NewPersonRoute, NewPersonPage);
lazy_page!(PersonRoute, PersonPage);
lazy_page!(EditPersonRoute, EditPersonPage);
lazy_page!(CompaniesRoute, CompaniesPage);
lazy_page!(NewCompanyRoute, NewCompanyPage);
lazy_page!(CompanyRoute, CompanyPage);
lazy_page!(BoardRoute, BoardPage);
lazy_page!(DealRoute, DealPage);
lazy_page!(EditDealRoute, EditDealPage);
lazy_page!(LeadsRoute, LeadsPage);
lazy_page!(NewLeadRoute, NewLeadPage);
lazy_page!(LeadRoute, LeadPage);
lazy_page!(SettingsRoute, SettingsPage);
lazy_page!(PipelineSettingsRoute, PipelineSettingsPage);
lazy_page!(PrivacyOfficeRoute, PrivacyOfficePage);
