use crate::i18n::{Catalogue, use_t};
use leptos::prelude::*;
use leptos_meta::Title;

/// The product's areas reachable from the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Pipeline,
    Dashboard,
    Campaigns,
    Privacy,
}

impl Area {
    fn title(self, t: &'static Catalogue) -> &'static str {
        match self {
            Area::Pipeline => t.nav_pipeline,
            Area::Dashboard => t.nav_dashboard,
            Area::Campaigns => t.nav_campaigns,
            Area::Privacy => t.nav_privacy,
        }
    }

    fn intro(self, t: &'static Catalogue) -> &'static str {
        match self {
            Area::Pipeline => t.pipeline_intro,
            Area::Dashboard => t.dashboard_intro,
            Area::Campaigns => t.campaigns_intro,
            Area::Privacy => t.privacy_intro,
        }
    }
}

/// Landing page of an area: its purpose, and a notice while the area's
/// screens are still being built.
#[component]
pub fn AreaPage(area: Area) -> impl IntoView {
    let t = use_t();
    view! {
        <Title text=area.title(t)/>
        <h1>{area.title(t)}</h1>
        <p class="lede">{area.intro(t)}</p>
        <p class="notice">{t.area_not_ready}</p>
    }
}
