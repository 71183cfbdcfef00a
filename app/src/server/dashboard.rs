//! The dashboard's reads and its targets, given the storage and the caller
//! explicitly: the server functions (page, live refresh, targets) and the
//! CSV report route share them.

use super::auth::SessionUser;
use super::context::internal;
use super::policy::{self, Action};
use super::storage::{NewTarget, Storage};
use crate::domain::Pipeline;
use crate::domain::Problem;
use crate::domain::dashboard::{
    CHART_MONTHS, Dashboard, DashboardQuery, DealFact, Period, RepActivity, figures, funnel,
    months_overlapping, target_percent,
};
use crate::error::AppError;
use crate::i18n::Locale;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

/// What a query resolves to: the period's days, the pipeline and the team,
/// all checked against what exists and what the caller may see.
pub struct Scope {
    pub period: Period,
    /// `[start, end)`.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub pipelines: Vec<(i64, String)>,
    pub pipeline: Pipeline,
    pub teams: Vec<(i64, String)>,
    pub team: Option<i64>,
}

impl Scope {
    pub fn start_time(&self) -> DateTime<Utc> {
        self.start.and_time(NaiveTime::MIN).and_utc()
    }

    pub fn end_time(&self) -> DateTime<Utc> {
        self.end.and_time(NaiveTime::MIN).and_utc()
    }

    /// `YYYY-MM-DD`, both included.
    pub fn from_text(&self) -> String {
        self.start.format("%Y-%m-%d").to_string()
    }

    pub fn to_text(&self) -> String {
        (self.end - chrono::Days::new(1))
            .format("%Y-%m-%d")
            .to_string()
    }
}

/// Reads and checks the query's period, pipeline and team.
pub async fn scope(
    storage: &Storage,
    locale: Locale,
    query: &DashboardQuery,
    today: NaiveDate,
) -> Result<Scope, AppError> {
    let period = match query.period.as_deref().map(str::trim) {
        None | Some("") => Period::default(),
        Some(key) => Period::from_key(key)
            .ok_or_else(|| AppError::validation("period", Problem::UnknownChoice))?,
    };
    let (start, end) = period
        .range(today, query.from.as_deref(), query.to.as_deref())
        .map_err(|(field, problem)| AppError::validation(field, problem))?;
    let all = super::pipelines::ensure_default(storage, locale)
        .await
        .map_err(|e| internal("pipelines.list", e))?;
    let (pipelines, pipeline) = super::pipelines::open_and_chosen(&all, query.pipeline)?;
    let pipeline = pipeline.clone();
    let teams = super::records::team_choices_in(storage).await?;
    let team = match query.team {
        Some(id) if teams.iter().any(|(t, _)| *t == id) => Some(id),
        Some(_) => return Err(AppError::validation("team", Problem::UnknownChoice)),
        None => None,
    };
    Ok(Scope {
        period,
        start,
        end,
        pipelines,
        pipeline,
        teams,
        team,
    })
}

/// The deals of the scope the caller may see.
pub async fn deal_facts(
    storage: &Storage,
    user: &SessionUser,
    scope: &Scope,
) -> Result<Vec<DealFact>, AppError> {
    // Closed deals count in the period's figures and in the outcomes chart
    // (the months up to this one); none older.
    let today = Utc::now().date_naive();
    let chart_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("a month")
        - chrono::Months::new(CHART_MONTHS - 1);
    storage
        .dashboard
        .deal_facts(
            scope.pipeline.id,
            scope.team,
            policy::people_visibility(user),
            scope.start.min(chart_start),
        )
        .await
        .map_err(|e| internal("dashboard.deal_facts", e))
}

/// Calls and meetings in the scope's period, per rep the caller sees.
pub async fn activity(
    storage: &Storage,
    user: &SessionUser,
    scope: &Scope,
) -> Result<Vec<RepActivity>, AppError> {
    storage
        .dashboard
        .activity_by_rep(
            scope.start_time(),
            scope.end_time(),
            scope.team,
            policy::people_visibility(user),
        )
        .await
        .map_err(|e| internal("dashboard.activity_by_rep", e))
}

/// Leads created in the scope's period, by source.
pub async fn leads_by_source(
    storage: &Storage,
    scope: &Scope,
) -> Result<Vec<(String, i64)>, AppError> {
    storage
        .dashboard
        .leads_by_source(scope.start_time(), scope.end_time())
        .await
        .map_err(|e| internal("dashboard.leads_by_source", e))
}

/// Whether `user` may set the targets of `team` (none: the whole
/// organisation's): administrators all of them, managers their own teams'.
pub async fn may_set_target(
    storage: &Storage,
    user: &SessionUser,
    team: Option<i64>,
) -> Result<bool, AppError> {
    if !policy::allows(user.role, Action::SetTargets) {
        return Ok(false);
    }
    if user.role == crate::domain::Role::Admin {
        return Ok(true);
    }
    let Some(team) = team else {
        return Ok(false);
    };
    let mine = storage
        .teams
        .teams_of(user.user_id)
        .await
        .map_err(|e| internal("teams.teams_of", e))?;
    Ok(mine.contains(&team))
}

/// Everything the dashboard shows, for `user`.
pub async fn dashboard(
    storage: &Storage,
    user: &SessionUser,
    locale: Locale,
    query: &DashboardQuery,
) -> Result<Dashboard, AppError> {
    // Read first: the live stream resumes after it (see `load_board`).
    let events_from = storage
        .events
        .last_event_id()
        .await
        .map_err(|e| internal("events.last", e))?;
    let today = Utc::now().date_naive();
    let scope = scope(storage, locale, query, today).await?;
    let facts = deal_facts(storage, user, &scope).await?;
    let reached = storage
        .dashboard
        .stages_reached(
            scope.pipeline.id,
            scope.team,
            policy::people_visibility(user),
        )
        .await
        .map_err(|e| internal("dashboard.stages_reached", e))?;
    let (first_month, last_month) = months_overlapping(scope.start, scope.end);
    let target = storage
        .dashboard
        .targets(scope.pipeline.id, scope.team, &first_month, &last_month)
        .await
        .map_err(|e| internal("dashboard.targets", e))?;
    let leads = leads_by_source(storage, &scope).await?;
    let activity = activity(storage, user, &scope).await?;
    let may_set_target = may_set_target(storage, user, scope.team).await?;
    let f = figures(&facts, scope.start, scope.end, today);
    Ok(Dashboard {
        period: scope.period,
        from: scope.from_text(),
        to: scope.to_text(),
        target_percent: target_percent(&f.won_value, &target),
        target,
        activity,
        may_set_target,
        funnel: funnel(&scope.pipeline.stages, &reached),
        pipelines: scope.pipelines,
        pipeline_id: scope.pipeline.id,
        teams: scope.teams,
        team_id: scope.team,
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
        leads_by_source: leads,
        events_from,
    })
}

/// Sets one month's target of a pipeline for the organisation or a team,
/// after checking who asks. `amount_cents` zero removes it.
pub async fn set_target(
    storage: &Storage,
    user: &SessionUser,
    target: NewTarget,
) -> Result<(), AppError> {
    if let Some(team) = target.team_id {
        let teams = super::records::team_choices_in(storage).await?;
        if !teams.iter().any(|(id, _)| *id == team) {
            return Err(AppError::validation("team", Problem::UnknownChoice));
        }
    }
    if !may_set_target(storage, user, target.team_id).await? {
        return Err(AppError::Forbidden);
    }
    let pipelines = storage
        .pipelines
        .pipelines()
        .await
        .map_err(|e| internal("pipelines.list", e))?;
    if !pipelines
        .iter()
        .any(|p| p.id == target.pipeline_id && !p.archived)
    {
        return Err(AppError::validation("pipeline", Problem::UnknownChoice));
    }
    storage
        .dashboard
        .set_target(&target)
        .await
        .map_err(|e| internal("dashboard.set_target", e))
}
