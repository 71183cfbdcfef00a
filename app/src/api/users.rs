//! Users (administrators) and one's own sessions (everyone), for Settings.
//!
//! The write functions back plain HTML forms: they answer with a redirect
//! back to Settings carrying the outcome, with or without JavaScript.

use crate::domain::{SessionSummary, UserSummary};
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_USER_FORM: &str = "create_user";
pub const USER_STATUS_FORM: &str = "user_status";
pub const END_SESSION_FORM: &str = "end_session";
pub const RESET_SECOND_FACTOR_FORM: &str = "reset_second_factor";

/// Every user (administrators only).
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::server::{access_log, context, policy};
    access_log::guard(policy::Action::ManageUsers, "list", "user", "").await?;
    let ctx = context::server_context()?;
    let users = ctx
        .storage
        .users
        .list()
        .await
        .map_err(|e| context::internal("users.list", e))?;
    let with_second_factor = ctx
        .storage
        .second_factors
        .enrolled_users()
        .await
        .map_err(|e| context::internal("second_factors.enrolled_users", e))?;
    Ok(users
        .into_iter()
        .map(|u| UserSummary {
            second_factor: with_second_factor.contains(&u.id),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
            created_at: u.created_at,
        })
        .collect())
}

/// Creates a user with a first password that they can change later
/// (administrators only).
#[server(endpoint = "users/create")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<(), AppError> {
    use crate::domain::{DisplayName, EmailAddress, Role};
    use crate::server::auth::password::{check_new_password, hash_for_storage};
    use crate::server::storage::{NewUser, StorageError};
    use crate::server::{access_log, context, policy, respond};

    let result = async {
        let admin = access_log::guard(policy::Action::ManageUsers, "create", "user", "").await?;
        let address = EmailAddress::parse(&email).map_err(|p| AppError::validation("email", p))?;
        let name = DisplayName::parse(&display_name)
            .map_err(|p| AppError::validation("display_name", p))?;
        let role = Role::parse(&role).map_err(|p| AppError::validation("role", p))?;
        check_new_password(&password, None).map_err(|p| AppError::validation("password", p))?;
        let ctx = context::server_context()?;
        let hash = hash_for_storage(password).await?;
        let user = ctx
            .storage
            .users
            .create(&NewUser {
                email: address,
                display_name: name.to_string(),
                role,
                password_hash: hash,
            })
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => {
                    AppError::validation("email", crate::domain::Problem::EmailTaken)
                }
                other => context::internal("users.create", other),
            })?;
        tracing::info!(
            by = admin.user_id,
            user_id = user.id,
            role = role.as_str(),
            "user created"
        );
        Ok(())
    }
    .await;
    respond::finish_form(CREATE_USER_FORM, &email, result)
}

/// Activates or deactivates a user (administrators only). Deactivating
/// ends all of that user's sessions at once. Nobody deactivates themselves.
#[server(endpoint = "users/set-active")]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<(), AppError> {
    use crate::server::{access_log, context, policy, respond};

    let result = async {
        let verb = if active { "reactivate" } else { "deactivate" };
        let admin = access_log::guard(
            policy::Action::ManageUsers,
            verb,
            "user",
            &user_id.to_string(),
        )
        .await?;
        if admin.user_id == user_id && !active {
            return Err(AppError::validation(
                "user",
                crate::domain::Problem::CannotDeactivateSelf,
            ));
        }
        let ctx = context::server_context()?;
        let found = ctx
            .storage
            .users
            .set_active(user_id, active)
            .await
            .map_err(|e| context::internal("users.set_active", e))?;
        if !found {
            return Err(AppError::NotFound);
        }
        if !active {
            let ended = ctx
                .storage
                .sessions
                .delete_for_user(user_id)
                .await
                .map_err(|e| context::internal("sessions.delete_for_user", e))?;
            tracing::info!(by = admin.user_id, user_id, ended, "user deactivated");
        }
        Ok(())
    }
    .await;
    respond::finish_form(USER_STATUS_FORM, "", result)
}

/// The signed-in user's sessions.
#[server(endpoint = "sessions/mine")]
pub async fn list_my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    use crate::server::{context, policy};
    let me = policy::authorize(policy::Action::ManageOwnSessions)?;
    let ctx = context::server_context()?;
    let sessions = ctx
        .storage
        .sessions
        .list_for_user(me.user_id)
        .await
        .map_err(|e| context::internal("sessions.list_for_user", e))?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionSummary {
            current: s.token_hash == me.session_hash,
            id: s.token_hash,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            client_addr: s.client_addr,
            user_agent: s.user_agent,
        })
        .collect())
}

/// Ends one of the signed-in user's own sessions (another browser, say).
#[server(endpoint = "sessions/end")]
pub async fn end_my_session(session_id: String) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};

    let result = async {
        let me = policy::authorize(policy::Action::ManageOwnSessions)?;
        let ctx = context::server_context()?;
        // Only one's own sessions: any other id is answered as not found,
        // revealing nothing about other people's sessions.
        let ended = ctx
            .storage
            .sessions
            .delete_own(me.user_id, &session_id)
            .await
            .map_err(|e| context::internal("sessions.delete_own", e))?;
        if ended {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
    .await;
    respond::finish_form(END_SESSION_FORM, "", result)
}

/// Removes a user's authenticator and recovery codes, and ends their
/// sessions (administrators only): for someone who lost both. They sign in
/// with their password alone next time, and set up a new one (at once, if
/// the organisation requires it for their role).
#[server(endpoint = "users/reset-second-factor")]
pub async fn reset_second_factor(user_id: i64) -> Result<(), AppError> {
    use crate::server::{access_log, context, policy, respond};

    let result = async {
        let admin = access_log::guard(
            policy::Action::ManageUsers,
            "reset_second_factor",
            "user",
            &user_id.to_string(),
        )
        .await?;
        let ctx = context::server_context()?;
        let removed = ctx
            .storage
            .second_factors
            .remove(user_id)
            .await
            .map_err(|e| context::internal("second_factors.remove", e))?;
        if !removed {
            return Err(AppError::NotFound);
        }
        let ended = ctx
            .storage
            .sessions
            .delete_for_user(user_id)
            .await
            .map_err(|e| context::internal("sessions.delete_for_user", e))?;
        tracing::warn!(
            by = admin.user_id,
            user_id,
            ended,
            "second factor reset by an administrator"
        );
        Ok(())
    }
    .await;
    respond::finish_form(RESET_SECOND_FACTOR_FORM, "", result)
}
