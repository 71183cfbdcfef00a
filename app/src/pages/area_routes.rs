//! The pages under one area's address (`/contacts/new`, `/contacts/12`,
//! `/contacts/12/edit`) share one route: the route reads the rest of the
//! path and shows the right page. Fewer routes keep the router's typed
//! matching code small; a new page inside an area is one line here.

use super::{
    companies::{CompanyPage, NewCompanyPage},
    company_edit::EditCompanyPage,
    consent_forms::FormsPage,
    consent_purposes::PurposesPage,
    deal::{DealPage, EditDealPage},
    leads::{LeadPage, NewLeadPage},
    not_found::NotFound,
    outbox::OutboxPage,
    people::NewPersonPage,
    person::PersonPage,
    person_edit::EditPersonPage,
    pipeline_settings::PipelineSettingsPage,
    security::SecurityPage,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The path after an area's prefix (the route's `*rest`), as segments.
fn rest() -> Memo<Vec<String>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params.with(|p| {
            p.get("rest")
                .unwrap_or_default()
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    })
}

/// The record id that starts the rest of the path (`/contacts/12/edit` →
/// 12), for the record pages inside an area.
pub fn record_id() -> impl Fn() -> Option<i64> + Copy {
    let params = use_params_map();
    move || {
        params.with(|p| {
            p.get("rest")
                .and_then(|r| r.split('/').find(|s| !s.is_empty()).map(str::to_owned))
                .and_then(|v| v.parse::<i64>().ok())
        })
    }
}

/// Which page of an area a path shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AreaPage {
    New,
    Record,
    Edit,
    Named(&'static str),
    Unknown,
}

/// `names`: the fixed sub-pages of the area besides `new`, a record and
/// its edit page.
fn area_page(rest: &[String], names: &[&'static str]) -> AreaPage {
    let is_id = |s: &str| s.parse::<i64>().is_ok();
    match rest {
        [one] if one == "new" => AreaPage::New,
        [one] if is_id(one) => AreaPage::Record,
        [one, two] if is_id(one) && two == "edit" => AreaPage::Edit,
        [one] => names
            .iter()
            .find(|n| *n == one)
            .map_or(AreaPage::Unknown, |n| AreaPage::Named(n)),
        _ => AreaPage::Unknown,
    }
}

/// An area's route: shows `$pick(page)` for the page its path names, and
/// the not-found page otherwise.
macro_rules! area_route {
    ($route:ident, $doc:literal, [$($name:literal),*], $pick:expr) => {
        #[doc = $doc]
        #[component]
        pub fn $route() -> impl IntoView {
            let rest = rest();
            let page = Memo::new(move |_| rest.with(|r| area_page(r, &[$($name),*])));
            let pick: fn(AreaPage) -> Option<AnyView> = $pick;
            move || pick(page.get()).unwrap_or_else(|| view! { <NotFound/> }.into_any())
        }
    };
}

area_route!(
    ContactsArea,
    "`/contacts/new`, `/contacts/N`, `/contacts/N/edit`.",
    [],
    |page| match page {
        AreaPage::New => Some(view! { <NewPersonPage/> }.into_any()),
        AreaPage::Record => Some(view! { <PersonPage/> }.into_any()),
        AreaPage::Edit => Some(view! { <EditPersonPage/> }.into_any()),
        _ => None,
    }
);

area_route!(
    CompaniesArea,
    "`/companies/new`, `/companies/N`, `/companies/N/edit`.",
    [],
    |page| match page {
        AreaPage::New => Some(view! { <NewCompanyPage/> }.into_any()),
        AreaPage::Record => Some(view! { <CompanyPage/> }.into_any()),
        AreaPage::Edit => Some(view! { <EditCompanyPage/> }.into_any()),
        _ => None,
    }
);

area_route!(
    LeadsArea,
    "`/leads/new`, `/leads/N`.",
    [],
    |page| match page {
        AreaPage::New => Some(view! { <NewLeadPage/> }.into_any()),
        AreaPage::Record => Some(view! { <LeadPage/> }.into_any()),
        _ => None,
    }
);

area_route!(
    DealsArea,
    "`/deals/N`, `/deals/N/edit`.",
    [],
    |page| match page {
        AreaPage::Record => Some(view! { <DealPage/> }.into_any()),
        AreaPage::Edit => Some(view! { <EditDealPage/> }.into_any()),
        _ => None,
    }
);

area_route!(
    SettingsArea,
    "`/settings/security`, `/settings/pipelines`, `/settings/consent`, `/settings/forms`, `/settings/outbox`.",
    ["security", "pipelines", "consent", "forms", "outbox"],
    |page| match page {
        AreaPage::Named("security") => Some(view! { <SecurityPage/> }.into_any()),
        AreaPage::Named("pipelines") => Some(view! { <PipelineSettingsPage/> }.into_any()),
        AreaPage::Named("consent") => Some(view! { <PurposesPage/> }.into_any()),
        AreaPage::Named("forms") => Some(view! { <FormsPage/> }.into_any()),
        AreaPage::Named("outbox") => Some(view! { <OutboxPage/> }.into_any()),
        _ => None,
    }
);

#[cfg(test)]
mod tests {
    use super::{AreaPage, area_page};

    fn rest(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn an_areas_path_names_its_page() {
        let names = ["security"];
        assert_eq!(area_page(&rest("new"), &names), AreaPage::New);
        assert_eq!(area_page(&rest("12"), &names), AreaPage::Record);
        assert_eq!(area_page(&rest("12/"), &names), AreaPage::Record);
        assert_eq!(area_page(&rest("12/edit"), &names), AreaPage::Edit);
        assert_eq!(
            area_page(&rest("security"), &names),
            AreaPage::Named("security")
        );
        for unknown in ["", "12/delete", "x", "new/12", "12/edit/more", "pipelines"] {
            assert_eq!(
                area_page(&rest(unknown), &names),
                AreaPage::Unknown,
                "{unknown}"
            );
        }
    }
}
