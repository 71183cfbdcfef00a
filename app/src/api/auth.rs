//! Sign-in, sign-out, first-run set-up, and who is signed in.
//!
//! Sign-in and set-up are plain HTML forms posting here, with or without
//! JavaScript; the answer is always a redirect (to the page asked for, or
//! back to the form with the error and the e-mail typed, never the password).

use crate::domain::Me;
use crate::error::AppError;
use leptos::prelude::*;

pub const SIGN_IN_FORM: &str = "sign_in";
pub const SETUP_FORM: &str = "setup";

/// Signs in with e-mail and password, then goes to `next` (a path on this
/// site) or the home page.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::EmailAddress;
    use crate::server::auth::password::{
        Verified, dummy_hash, hash_blocking, off_runtime, verify_blocking,
    };
    use crate::server::auth::start::start_session;
    use crate::server::{context, respond};
    use tracing::Instrument;

    let result = async {
        let ctx = context::server_context()?;
        // A malformed address cannot match an account: same answer as a
        // wrong password, so that the form reveals nothing.
        // Brute-force limits, checked before any password work. The key is
        // what was typed, whether or not such an account exists.
        let account_key = email.trim().to_lowercase();
        let client = context::client_addr();
        let limits = ctx.sign_in_limits;
        let now = chrono::Utc::now();
        let window = chrono::Duration::from_std(limits.window).unwrap_or_default();
        let recent = ctx
            .storage
            .sign_in_failures
            .recent(&account_key, &client, now - window)
            .await
            .map_err(|e| context::internal("sign_in_failures.recent", e))?;
        let blocked_until = [
            (recent.by_account >= limits.per_account)
                .then_some(recent.oldest_by_account)
                .flatten(),
            (recent.by_addr >= limits.per_client)
                .then_some(recent.oldest_by_addr)
                .flatten(),
        ]
        .into_iter()
        .flatten()
        .map(|oldest| oldest + window)
        .max();
        if let Some(until) = blocked_until {
            let minutes = ((until - now).num_seconds().max(1) as u32).div_ceil(60);
            tracing::warn!(client = %client, "sign-in refused: too many failures");
            return Err(AppError::TooManyAttempts { minutes });
        }
        let record_failure = || async {
            if let Err(e) = ctx
                .storage
                .sign_in_failures
                .record(&account_key, &client, chrono::Utc::now(), now - window)
                .await
            {
                tracing::error!(error = %e, "could not record a failed sign-in");
            }
        };

        let Ok(address) = EmailAddress::parse(&email) else {
            record_failure().await;
            return Err(AppError::InvalidCredentials);
        };
        let user = ctx
            .storage
            .users
            .find_by_email(&address)
            .await
            .map_err(|e| context::internal("users.find_by_email", e))?
            .filter(|u| u.active);
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let attempt = password.clone();
        // Verify against a dummy hash when there is no such account, so the
        // answer takes as long either way.
        let verdict = off_runtime(move || {
            verify_blocking(&attempt, stored.as_deref().unwrap_or(dummy_hash()))
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password check failed to run");
            AppError::Internal {
                request_id: context::request_id(),
            }
        })?;
        let user = match (user, verdict) {
            (Some(user), Verified::Yes | Verified::YesButRehash) => {
                if verdict == Verified::YesButRehash {
                    let fresh = password.clone();
                    if let Ok(Ok(hash)) = off_runtime(move || hash_blocking(&fresh)).await
                        && let Err(e) = ctx.storage.users.set_password_hash(user.id, &hash).await
                    {
                        tracing::warn!(error = %e, "could not upgrade the password hash");
                    }
                }
                user
            }
            _ => {
                tracing::info!("sign-in refused");
                record_failure().await;
                return Err(AppError::InvalidCredentials);
            }
        };
        if let Err(e) = ctx
            .storage
            .sign_in_failures
            .clear_account(&account_key)
            .await
        {
            tracing::warn!(error = %e, "could not clear failed sign-ins");
        }
        start_session(&ctx, &user).await
    }
    .instrument(tracing::info_span!("server_fn", name = "auth.sign_in"))
    .await;

    match result {
        Ok(()) => {
            let target = next
                .as_deref()
                .map(crate::url::same_site_path)
                .unwrap_or_else(|| "/".into());
            leptos_axum::redirect(&target);
            Ok(())
        }
        Err(error) => respond::finish_form(SIGN_IN_FORM, &email, Err(error)),
    }
}

/// Ends the current session.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::auth::{current_user, start::end_session};
    use crate::server::context;

    if let Some(user) = current_user() {
        let ctx = context::server_context()?;
        end_session(&ctx, &user.session_hash).await?;
        tracing::info!(user_id = user.user_id, "signed out");
    }
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Creates the first administrator, with the single-use set-up token that
/// `accord` printed at start-up.
#[server(endpoint = "auth/setup")]
pub async fn complete_setup(
    token: String,
    email: String,
    display_name: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use crate::domain::{DisplayName, EmailAddress, Role};
    use crate::server::auth::password::{check_new_password, hash_for_storage};
    use crate::server::auth::start::start_session;
    use crate::server::storage::NewUser;
    use crate::server::{context, respond};
    use tracing::Instrument;

    let result = async {
        let ctx = context::server_context()?;
        if !ctx.setup.matches(&token) {
            return Err(AppError::InvalidSetupLink);
        }
        let email = EmailAddress::parse(&email).map_err(|p| AppError::validation("email", p))?;
        let name = DisplayName::parse(&display_name)
            .map_err(|p| AppError::validation("display_name", p))?;
        check_new_password(&password, Some(&password_confirm))
            .map_err(|p| AppError::validation("password", p))?;
        let count = ctx
            .storage
            .users
            .count()
            .await
            .map_err(|e| context::internal("users.count", e))?;
        if count > 0 || !ctx.setup.consume(&token) {
            return Err(AppError::InvalidSetupLink);
        }
        let hash = hash_for_storage(password).await?;
        let user = ctx
            .storage
            .users
            .create(&NewUser {
                email,
                display_name: name.to_string(),
                role: Role::Admin,
                password_hash: hash,
            })
            .await
            .map_err(|e| context::internal("users.create", e))?;
        tracing::info!(user_id = user.id, "first administrator created");
        start_session(&ctx, &user).await
    }
    .instrument(tracing::info_span!("server_fn", name = "auth.setup"))
    .await;

    match result {
        Ok(()) => {
            leptos_axum::redirect("/");
            Ok(())
        }
        Err(error) => respond::finish_form(SETUP_FORM, &email, Err(error)),
    }
}

/// Who is signed in (none without a session). Public: it reveals nothing.
#[server(endpoint = "auth/me")]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    use crate::domain::Permissions;
    use crate::server::policy::{Action, allows};
    Ok(crate::server::auth::current_user().map(|u| Me {
        may: Permissions {
            edit_organisation: allows(u.role, Action::EditOrganisation),
            manage_users: allows(u.role, Action::ManageUsers),
            view_access_log: allows(u.role, Action::ViewAccessLog),
        },
        display_name: u.display_name,
        email: u.email,
        role: u.role,
    }))
}
