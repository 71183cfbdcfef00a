//! One deal: its page (details, the history of its stages, the stages it
//! can go to) and its edit. Opening or editing a deal follows the rule for
//! people (owner and team decide) and goes to the access log; an edit made
//! on an older version than the stored one is refused, never merged.

use crate::domain::{DealDetail, DealFormChoices};
use crate::error::AppError;
use leptos::prelude::*;

pub const EDIT_DEAL_FORM: &str = "edit_deal";

/// The edit form as posted (every field a string, as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EditDealForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub amount: String,
    pub currency: Option<String>,
    /// Empty: the stage's default.
    pub probability: Option<String>,
    pub expected_close: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// A company's name: an existing one the caller may see, or a new one.
    pub company: Option<String>,
}

/// A deal the caller may open, with its history and the stages of its
/// pipeline.
#[server(endpoint = "deals/get")]
pub async fn get_deal(id: i64) -> Result<DealDetail, AppError> {
    use crate::domain::StageStep;
    use crate::server::{context, policy, records, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewDeals)?;
        let ctx = context::server_context()?;
        let mut deal = ctx
            .storage
            .pipelines
            .deal(id)
            .await
            .map_err(|e| context::internal("pipelines.deal", e))?
            .ok_or(AppError::NotFound)?;
        records::open(&user, "read", "deal", id, deal.owner_id, deal.team_id).await?;
        deal.history = ctx
            .storage
            .pipelines
            .stage_history(id)
            .await
            .map_err(|e| context::internal("pipelines.stage_history", e))?
            .into_iter()
            .map(|c| StageStep {
                from_stage: c.from_stage,
                to_stage: c.to_stage,
                by: c.by,
                at: c.at,
            })
            .collect();
        if let Some((pipeline_id, _)) = deal.pipeline {
            deal.stages = ctx
                .storage
                .pipelines
                .pipelines()
                .await
                .map_err(|e| context::internal("pipelines.list", e))?
                .into_iter()
                .find(|p| p.id == pipeline_id)
                .map(|p| p.stages.into_iter().filter(|s| !s.archived).collect())
                .unwrap_or_default();
        }
        deal.may_edit = policy::allows(user.role, policy::Action::MoveDeals);
        Ok(deal)
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// Who a deal can be given to (only managers and administrators give
/// deals to others) and the teams it can be put in.
#[server(endpoint = "deals/choices")]
pub async fn get_deal_form_choices() -> Result<DealFormChoices, AppError> {
    use crate::domain::Role;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::MoveDeals)?;
        let ctx = context::server_context()?;
        let reassign = policy::allows(user.role, policy::Action::ReassignPeople);
        let owners = ctx
            .storage
            .users
            .list()
            .await
            .map_err(|e| context::internal("users.list", e))?
            .into_iter()
            .filter(|u| u.active && (reassign || u.id == user.user_id))
            .map(|u| (u.id, u.display_name))
            .collect();
        let mine = ctx
            .storage
            .teams
            .teams_of(user.user_id)
            .await
            .map_err(|e| context::internal("teams.teams_of", e))?;
        let teams = ctx
            .storage
            .teams
            .list()
            .await
            .map_err(|e| context::internal("teams.list", e))?
            .into_iter()
            .filter(|t| user.role == Role::Admin || mine.contains(&t.id))
            .map(|t| (t.id, t.name))
            .collect();
        Ok(DealFormChoices { owners, teams })
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// Saves an edit of a deal the caller may open and change. A blank
/// probability goes back to the stage's default.
#[server(endpoint = "deals/update")]
pub async fn update_deal(#[server(flatten)] form: EditDealForm) -> Result<(), AppError> {
    use crate::domain::{
        DEAL_AMOUNT_MAX_CENTS, Problem, amount_cents, currency, deal_title, probability,
    };
    use crate::server::storage::DealEdit;
    use crate::server::{context, policy, records, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::MoveDeals)?;
        let id: i64 = form.id.trim().parse().map_err(|_| AppError::NotFound)?;
        let version: i64 = form
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::validation("version", Problem::ChangedMeanwhile))?;
        let ctx = context::server_context()?;
        let current = ctx
            .storage
            .pipelines
            .deal(id)
            .await
            .map_err(|e| context::internal("pipelines.deal", e))?
            .ok_or(AppError::NotFound)?;
        records::open(
            &user,
            "update",
            "deal",
            id,
            current.owner_id,
            current.team_id,
        )
        .await?;

        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        let title = deal_title(&form.title).map_err(v("title"))?;
        let amount_cents = amount_cents(&form.amount).map_err(v("amount"))?;
        if amount_cents > DEAL_AMOUNT_MAX_CENTS {
            return Err(AppError::validation("amount", Problem::InvalidAmount));
        }
        let currency = match text(&form.currency).trim() {
            "" => current.currency.clone(),
            raw => currency(raw).map_err(v("currency"))?,
        };
        let probability = match text(&form.probability).trim() {
            "" => current
                .stage
                .as_ref()
                .map_or(current.probability, |s| s.probability),
            raw => probability(raw).map_err(v("probability"))?,
        };
        let expected_close = match text(&form.expected_close).trim() {
            "" => None,
            raw => Some(
                chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("expected_close", Problem::InvalidDate))?,
            ),
        };
        // The owner stays, or changes at the hand of someone who may give
        // records to others, to an active user.
        let owner_id = match text(&form.owner_id).trim() {
            "" => current.owner_id,
            raw => {
                let wanted: i64 = raw
                    .parse()
                    .map_err(|_| AppError::validation("owner_id", Problem::UnknownChoice))?;
                if wanted != current.owner_id {
                    let may = policy::allows(user.role, policy::Action::ReassignPeople);
                    let active = ctx
                        .storage
                        .users
                        .list()
                        .await
                        .map_err(|e| context::internal("users.list", e))?
                        .iter()
                        .any(|u| u.id == wanted && u.active);
                    if !may || !active {
                        return Err(AppError::validation("owner_id", Problem::UnknownChoice));
                    }
                }
                wanted
            }
        };
        let team_id = records::team_for_edit(&user, form.team_id.clone(), current.team_id).await?;
        // Checked before a company is looked up or created, so that an
        // edit refused for its version leaves nothing behind.
        if version != current.version {
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        let company_id = match text(&form.company).trim() {
            "" => None,
            raw if Some(raw) == current.company.as_ref().map(|(_, n)| n.as_str()) => {
                current.company.as_ref().map(|(id, _)| *id)
            }
            raw => Some(crate::api::people::company_for_person(&user, raw, team_id).await?),
        };
        let saved = ctx
            .storage
            .pipelines
            .update_deal(
                id,
                version,
                &DealEdit {
                    title,
                    amount_cents,
                    currency,
                    probability,
                    expected_close,
                    owner_id,
                    team_id,
                    company_id,
                },
            )
            .await
            .map_err(|e| context::internal("pipelines.update_deal", e))?;
        if !saved {
            tracing::info!(
                user_id = user.user_id,
                deal_id = id,
                "deal edit refused: changed meanwhile"
            );
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        tracing::info!(user_id = user.user_id, deal_id = id, "deal edited");
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/deals/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(EDIT_DEAL_FORM, &typed, Err(error)),
    }
}
