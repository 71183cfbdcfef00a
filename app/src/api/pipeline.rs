//! The pipeline board: its columns with their totals and first cards, the
//! next cards of a column, and moving a deal (by drag and drop, by
//! keyboard, or by a plain form without JavaScript).

use crate::domain::{BoardQuery, BoardView, DealCard, DealMoved};
use crate::error::AppError;
use leptos::prelude::*;

pub const MOVE_DEAL_FORM: &str = "move_deal";
#[cfg(feature = "ssr")]
const BOARD_FILTERS: &str = "board.filters";

/// The storage filter for a query, its values checked.
#[cfg(feature = "ssr")]
fn filter_of(query: &BoardQuery) -> Result<crate::server::storage::BoardFilter, AppError> {
    use crate::domain::{Problem, optional_line};
    use chrono::NaiveDate;
    let day = |field: &'static str, raw: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::validation(field, Problem::InvalidDate)),
        }
    };
    let search = match query.q.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(q) => Some(optional_line(q, 100).map_err(|p| AppError::validation("q", p))?),
    };
    Ok(crate::server::storage::BoardFilter {
        owner_id: query.owner,
        team_id: query.team,
        close_from: day("close_from", &query.close_from)?,
        close_to: day("close_to", &query.close_to)?,
        search,
    })
}

/// The board of a pipeline (the first one when none is given) under the
/// filters, which are remembered for the caller; opened bare, it shows
/// what they last chose. A first visit creates the default pipeline.
#[server(endpoint = "pipeline/board")]
pub async fn load_board(#[server(default)] query: BoardQuery) -> Result<BoardView, AppError> {
    use crate::domain::COLUMN_PAGE;
    use crate::server::{access_log, context, pipelines, policy};
    let result = async {
        // Cards name people: reading the board is logged as a list.
        let user = access_log::guard(policy::Action::ViewDeals, "list", "deal", "").await?;
        let ctx = context::server_context()?;
        let query = if query.is_empty() {
            ctx.storage
                .preferences
                .get(user.user_id, BOARD_FILTERS)
                .await
                .map_err(|e| context::internal("preferences.get", e))?
                .and_then(|raw| serde_json::from_str(&raw).ok())
                .unwrap_or_default()
        } else {
            query
        };
        let filter = filter_of(&query)?;
        // Read before the board: the live stream resumes after this id, so
        // a change committed while the board is read is sent, not lost
        // (one already on the board is ignored by its version).
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
        let columns = ctx
            .storage
            .pipelines
            .board(
                pipeline.id,
                policy::people_visibility(&user),
                &filter,
                COLUMN_PAGE,
            )
            .await
            .map_err(|e| context::internal("pipelines.board", e))?;
        if !query.is_empty() {
            let saved = serde_json::to_string(&query).unwrap_or_default();
            ctx.storage
                .preferences
                .set(user.user_id, BOARD_FILTERS, &saved)
                .await
                .map_err(|e| context::internal("preferences.set", e))?;
        }
        let owners = ctx
            .storage
            .users
            .list()
            .await
            .map_err(|e| context::internal("users.list", e))?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.id, u.display_name))
            .collect();
        let teams = crate::server::records::team_choices().await?;
        Ok(BoardView {
            pipelines: pipeline_choices,
            pipeline_id: pipeline.id,
            columns,
            query,
            owners,
            teams,
            may_move: policy::allows(user.role, policy::Action::MoveDeals),
            today: chrono::Utc::now().format("%Y-%m-%d").to_string(),
            events_from,
        })
    }
    .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// The next cards of a column, after the card `(after_rank, after_id)`.
#[server(endpoint = "pipeline/column")]
pub async fn more_cards(
    stage: i64,
    after_rank: String,
    after_id: i64,
    #[server(default)] query: BoardQuery,
) -> Result<Vec<DealCard>, AppError> {
    use crate::domain::COLUMN_PAGE;
    use crate::server::{access_log, context, policy};
    let result = async {
        let user = access_log::guard(policy::Action::ViewDeals, "list", "deal", "").await?;
        let filter = filter_of(&query)?;
        context::server_context()?
            .storage
            .pipelines
            .column(
                stage,
                policy::people_visibility(&user),
                &filter,
                Some((after_rank, after_id)),
                COLUMN_PAGE,
            )
            .await
            .map_err(|e| context::internal("pipelines.column", e))
    }
    .await;
    result.inspect_err(crate::server::respond::set_error_status)
}

/// Moves a deal where it was dropped (between `after` and `before`, or at
/// the end of the stage's column when neither is given, as the form
/// without JavaScript does). Refused whole, nothing written: 404 for a
/// deal the caller may not change, 409 when someone moved or edited it
/// since they saw it, 422 for a stage of another pipeline or archived, or
/// a lost stage without a reason.
#[server(endpoint = "pipeline/move")]
pub async fn move_deal(
    deal_id: i64,
    version: i64,
    to_stage_id: i64,
    after_deal_id: Option<i64>,
    before_deal_id: Option<i64>,
    lost_reason: Option<String>,
    closed_on: Option<String>,
) -> Result<DealMoved, AppError> {
    use crate::domain::{DealMove, Problem, optional_line};
    use crate::server::storage::MoveRefusal;
    use crate::server::{access_log, context, policy, respond};
    let typed = lost_reason.clone().unwrap_or_default();
    let result = async {
        let record = deal_id.to_string();
        let user = access_log::guard(policy::Action::MoveDeals, "move", "deal", &record).await?;
        let lost_reason = match lost_reason.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => {
                Some(optional_line(r, 200).map_err(|p| AppError::validation("lost_reason", p))?)
            }
        };
        let closed_on = match closed_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("closed_on", Problem::InvalidDate))?
                    .format("%Y-%m-%d")
                    .to_string(),
            ),
        };
        let mv = DealMove {
            deal_id,
            version,
            to_stage_id,
            after_deal_id,
            before_deal_id,
            lost_reason,
            closed_on,
        };
        let ctx = context::server_context()?;
        let outcome = ctx
            .storage
            .pipelines
            .move_deal(
                &mv,
                policy::people_visibility(&user),
                user.user_id,
                chrono::Utc::now().date_naive(),
            )
            .await
            .map_err(|e| context::internal("pipelines.move", e))?;
        match outcome {
            Ok(moved) => {
                tracing::info!(user_id = user.user_id, deal_id, to_stage_id, "deal moved");
                Ok(moved)
            }
            Err(MoveRefusal::NotFound) => {
                // Missing, or not the mover's to change: the refusal is
                // logged as such.
                access_log::write(&user, "move", "deal", &record, false).await?;
                Err(AppError::NotFound)
            }
            Err(MoveRefusal::Changed(_)) => Err(AppError::Conflict),
            Err(MoveRefusal::StageUnavailable) => {
                Err(AppError::validation("to_stage_id", Problem::UnknownChoice))
            }
            Err(MoveRefusal::ReasonRequired) => {
                Err(AppError::validation("lost_reason", Problem::Required))
            }
        }
    }
    .await;
    respond::finish_form(MOVE_DEAL_FORM, &typed, result)
}

pub const NEW_DEAL_FORM: &str = "new_deal";

/// Puts a new deal at the end of a stage's column, owned by the caller (in
/// their first team, if any).
#[server(endpoint = "pipeline/create-deal")]
pub async fn create_deal(
    stage_id: i64,
    title: String,
    amount: String,
    currency: Option<String>,
    expected_close: Option<String>,
) -> Result<i64, AppError> {
    use crate::domain::{Problem, amount_cents, currency as currency_code, deal_title};
    use crate::server::storage::NewPipelineDeal;
    use crate::server::{access_log, context, policy, respond};
    let typed = title.clone();
    let result = async {
        let user = access_log::guard(policy::Action::MoveDeals, "create", "deal", "").await?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let title = deal_title(&title).map_err(v("title"))?;
        let amount_cents = amount_cents(&amount).map_err(v("amount"))?;
        if amount_cents > crate::domain::DEAL_AMOUNT_MAX_CENTS {
            return Err(AppError::validation("amount", Problem::InvalidAmount));
        }
        let currency =
            currency_code(currency.as_deref().unwrap_or("EUR")).map_err(v("currency"))?;
        let expected_close = match expected_close.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("expected_close", Problem::InvalidDate))?,
            ),
        };
        let ctx = context::server_context()?;
        let stage_open = ctx
            .storage
            .pipelines
            .pipelines()
            .await
            .map_err(|e| context::internal("pipelines.list", e))?
            .iter()
            .filter(|p| !p.archived)
            .flat_map(|p| p.stages.iter())
            .any(|s| s.id == stage_id && !s.archived);
        if !stage_open {
            return Err(AppError::validation("stage_id", Problem::UnknownChoice));
        }
        let team_id = ctx
            .storage
            .teams
            .teams_of(user.user_id)
            .await
            .map_err(|e| context::internal("teams.teams_of", e))?
            .first()
            .copied();
        let id = ctx
            .storage
            .pipelines
            .create_deal(
                &NewPipelineDeal {
                    title,
                    amount_cents,
                    currency,
                    stage_id,
                    probability: None,
                    person_id: None,
                    company_id: None,
                    owner_id: user.user_id,
                    team_id,
                    source: "manual".into(),
                    expected_close,
                },
                user.user_id,
            )
            .await
            .map_err(|e| context::internal("pipelines.create_deal", e))?;
        tracing::info!(user_id = user.user_id, deal_id = id, "deal created");
        Ok(id)
    }
    .await;
    respond::finish_form(NEW_DEAL_FORM, &typed, result)
}
