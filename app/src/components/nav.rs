use crate::i18n::use_t;
use leptos::prelude::*;
use leptos_router::components::A;

/// Main navigation. The router's `A` marks the current page with
/// `aria-current="page"`, which screen readers announce.
#[component]
pub fn Nav() -> impl IntoView {
    let t = use_t();
    let items = [
        ("/", t.nav_home),
        ("/contacts", t.nav_contacts),
        ("/leads", t.nav_leads),
        ("/companies", t.nav_companies),
        ("/pipeline", t.nav_pipeline),
        ("/dashboard", t.nav_dashboard),
        ("/campaigns", t.nav_campaigns),
        ("/privacy-office", t.nav_privacy),
        ("/settings", t.nav_settings),
    ];
    view! {
        <nav class="app-nav" aria-label=t.nav_label>
            <ul>
                {items
                    .into_iter()
                    .map(|(href, label)| view! { <li><A href=href exact=true>{label}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}
