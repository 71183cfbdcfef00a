//! The managers' dashboard: the figures of a pipeline for a period, over
//! the deals the caller may see (one team's, if asked).

use crate::domain::dashboard::{Dashboard, DashboardQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "dashboard/get")]
pub async fn load_dashboard(
    #[server(default)] query: DashboardQuery,
) -> Result<Dashboard, AppError> {
    use tracing::Instrument;
    let result = read(query)
        .instrument(tracing::info_span!("dashboard.get"))
        .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// The figures and charts as the page renders them (HTML), for the page's
/// island to bring itself up to date without carrying the drawing code.
#[server(endpoint = "dashboard/figures")]
pub async fn dashboard_figures(
    #[server(default)] query: DashboardQuery,
) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;
    use tracing::Instrument;
    let result = async {
        let dashboard = read(query).await?;
        let owner = Owner::new();
        Ok(owner.with(|| view! { <crate::pages::dashboard::FiguresView dashboard/> }.to_html()))
    }
    .instrument(tracing::info_span!("dashboard.figures"))
    .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// Reads and computes the dashboard for the caller.
#[cfg(feature = "ssr")]
async fn read(query: DashboardQuery) -> Result<Dashboard, AppError> {
    use crate::server::{context, policy};
    let user = policy::authorize(policy::Action::ViewDeals)?;
    let ctx = context::server_context()?;
    crate::server::dashboard::dashboard(&ctx.storage, &user, crate::i18n::current_locale(), &query)
        .await
}

/// The name of the target form (its outcome after a plain post).
pub const TARGET_FORM: &str = "target";

/// Sets the target of one month for a pipeline, for the organisation (no
/// team; administrators) or one team (administrators, and the team's
/// managers). An empty or zero amount removes it. Without JavaScript the
/// browser comes back to the same dashboard view.
#[server(endpoint = "dashboard/set-target")]
pub async fn set_target(
    pipeline_id: i64,
    team_id: Option<String>,
    month: String,
    amount: String,
    currency: String,
    #[server(default)] back: DashboardQuery,
) -> Result<(), AppError> {
    use crate::domain::{Problem, amount_cents, currency as currency_code};
    use crate::server::storage::NewTarget;
    use crate::server::{access_log, context, policy, respond};
    use tracing::Instrument;
    let typed = amount.clone();
    let result = async {
        let user = access_log::guard(policy::Action::SetTargets, "update", "target", "").await?;
        let team_id = match team_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .map_err(|_| AppError::validation("team", Problem::UnknownChoice))?,
            ),
        };
        let month = month.trim();
        let valid_month = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .is_ok()
            && month.len() == 7;
        if !valid_month {
            return Err(AppError::validation("month", Problem::InvalidDate));
        }
        let amount_cents = match amount.trim() {
            "" => 0,
            a => amount_cents(a).map_err(|p| AppError::validation("amount", p))?,
        };
        if amount_cents > crate::domain::DEAL_AMOUNT_MAX_CENTS {
            return Err(AppError::validation("amount", Problem::InvalidAmount));
        }
        let currency = currency_code(&currency).map_err(|p| AppError::validation("currency", p))?;
        let ctx = context::server_context()?;
        crate::server::dashboard::set_target(
            &ctx.storage,
            &user,
            NewTarget {
                pipeline_id,
                team_id,
                month: month.to_string(),
                amount_cents,
                currency,
                set_by: user.user_id,
            },
        )
        .await?;
        tracing::info!(
            user_id = user.user_id,
            pipeline_id,
            ?team_id,
            month,
            "target set"
        );
        Ok(())
    }
    .instrument(tracing::info_span!("dashboard.set_target"))
    .await;
    respond::finish_form_at(&dashboard_address(&back), TARGET_FORM, &typed, result)
}

/// The dashboard's address for `query` (only numbers, a period key and
/// dates that parse: nothing from it can leave the page).
pub fn dashboard_address(query: &DashboardQuery) -> String {
    use crate::url::encode_component;
    let mut parts = Vec::new();
    if let Some(p) = query
        .period
        .as_deref()
        .and_then(crate::domain::dashboard::Period::from_key)
    {
        parts.push(format!("period={}", p.key()));
    }
    for (name, value) in [("from", &query.from), ("to", &query.to)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{name}={}", encode_component(v)));
        }
    }
    if let Some(p) = query.pipeline {
        parts.push(format!("pipeline={p}"));
    }
    if let Some(t) = query.team {
        parts.push(format!("team={t}"));
    }
    if parts.is_empty() {
        "/dashboard".to_string()
    } else {
        format!("/dashboard?{}", parts.join("&"))
    }
}
