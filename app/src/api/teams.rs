//! Teams (administrators): create them and choose their members.

use crate::domain::TeamSummary;
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_TEAM_FORM: &str = "create_team";
pub const TEAM_MEMBER_FORM: &str = "team_member";

/// Every team with its members.
#[server(endpoint = "teams/list")]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    use crate::server::{context, policy};
    policy::authorize(policy::Action::ManageTeams)?;
    let ctx = context::server_context()?;
    let teams = ctx
        .storage
        .teams
        .list()
        .await
        .map_err(|e| context::internal("teams.list", e))?;
    let memberships = ctx
        .storage
        .teams
        .memberships()
        .await
        .map_err(|e| context::internal("teams.memberships", e))?;
    let users = ctx
        .storage
        .users
        .list()
        .await
        .map_err(|e| context::internal("users.list", e))?;
    Ok(teams
        .into_iter()
        .map(|t| TeamSummary {
            members: memberships
                .iter()
                .filter(|(team, _)| *team == t.id)
                .filter_map(|(_, user)| {
                    users
                        .iter()
                        .find(|u| u.id == *user)
                        .map(|u| (u.id, u.display_name.clone()))
                })
                .collect(),
            id: t.id,
            name: t.name,
        })
        .collect())
}

/// Creates a team.
#[server(endpoint = "teams/create")]
pub async fn create_team(name: String) -> Result<(), AppError> {
    use crate::domain::{DisplayName, Problem};
    use crate::server::storage::StorageError;
    use crate::server::{context, policy, respond};
    let result = async {
        let admin = policy::authorize(policy::Action::ManageTeams)?;
        let name = DisplayName::parse(&name).map_err(|p| AppError::validation("name", p))?;
        let ctx = context::server_context()?;
        let team = ctx
            .storage
            .teams
            .create(name.as_str())
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => AppError::validation("name", Problem::TeamTaken),
                other => context::internal("teams.create", other),
            })?;
        tracing::info!(by = admin.user_id, team_id = team.id, "team created");
        Ok(())
    }
    .await;
    respond::finish_form(CREATE_TEAM_FORM, &name, result)
}

/// Adds a user to a team, or removes them (`member` false).
#[server(endpoint = "teams/member")]
pub async fn set_team_member(team_id: i64, user_id: i64, member: bool) -> Result<(), AppError> {
    use crate::server::storage::StorageError;
    use crate::server::{context, policy, respond};
    let result = async {
        let admin = policy::authorize(policy::Action::ManageTeams)?;
        let ctx = context::server_context()?;
        if member {
            ctx.storage
                .teams
                .add_member(team_id, user_id)
                .await
                .map_err(|e| match e {
                    StorageError::Missing(_) => AppError::NotFound,
                    other => context::internal("teams.add_member", other),
                })?;
        } else {
            ctx.storage
                .teams
                .remove_member(team_id, user_id)
                .await
                .map_err(|e| context::internal("teams.remove_member", e))?;
        }
        tracing::info!(
            by = admin.user_id,
            team_id,
            user_id,
            member,
            "team membership changed"
        );
        Ok(())
    }
    .await;
    respond::finish_form(TEAM_MEMBER_FORM, "", result)
}
