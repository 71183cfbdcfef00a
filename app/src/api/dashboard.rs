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
    use crate::domain::Problem;
    use crate::domain::dashboard::{Period, figures, funnel};
    use crate::server::{context, pipelines, policy};
    use chrono::{NaiveTime, Utc};
    {
        let user = policy::authorize(policy::Action::ViewDeals)?;
        let ctx = context::server_context()?;
        let period = match query.period.as_deref().map(str::trim) {
            None | Some("") => Period::default(),
            Some(key) => Period::from_key(key)
                .ok_or_else(|| AppError::validation("period", Problem::UnknownChoice))?,
        };
        // Read first: the live stream resumes after it (see `load_board`).
        let events_from = ctx
            .storage
            .events
            .last_event_id()
            .await
            .map_err(|e| context::internal("events.last", e))?;
        let all = pipelines::ensure_default(&ctx.storage, crate::i18n::current_locale())
            .await
            .map_err(|e| context::internal("pipelines.list", e))?;
        let (pipeline_choices, pipeline) = pipelines::open_and_chosen(&all, query.pipeline)?;
        let teams = crate::server::records::team_choices().await?;
        let team = match query.team {
            Some(id) if teams.iter().any(|(t, _)| *t == id) => Some(id),
            Some(_) => return Err(AppError::validation("team", Problem::UnknownChoice)),
            None => None,
        };
        let visibility = policy::people_visibility(&user);
        let facts = ctx
            .storage
            .dashboard
            .deal_facts(pipeline.id, team, visibility)
            .await
            .map_err(|e| context::internal("dashboard.deal_facts", e))?;
        let reached = ctx
            .storage
            .dashboard
            .stages_reached(pipeline.id, team, visibility)
            .await
            .map_err(|e| context::internal("dashboard.stages_reached", e))?;
        let today = Utc::now().date_naive();
        let (from, to) = period.around(today);
        let leads = ctx
            .storage
            .dashboard
            .leads_by_source(
                from.and_time(NaiveTime::MIN).and_utc(),
                to.and_time(NaiveTime::MIN).and_utc(),
            )
            .await
            .map_err(|e| context::internal("dashboard.leads_by_source", e))?;
        let f = figures(&facts, from, to, today);
        Ok(Dashboard {
            period,
            from: from.format("%Y-%m-%d").to_string(),
            to: (to - chrono::Days::new(1)).format("%Y-%m-%d").to_string(),
            pipelines: pipeline_choices,
            pipeline_id: pipeline.id,
            teams,
            team_id: team,
            currency: f.currency,
            open_value: f.open_value,
            weighted_forecast: f.weighted_forecast,
            won_value: f.won_value,
            won_count: f.won_count,
            lost_count: f.lost_count,
            win_rate_percent: f.win_rate_percent,
            average_won: f.average_won,
            average_cycle_days: f.average_cycle_days,
            forecast: f.forecast,
            outcomes: f.outcomes,
            funnel: funnel(&pipeline.stages, &reached),
            leads_by_source: leads,
            events_from,
        })
    }
}
