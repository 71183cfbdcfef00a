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
pub const SECOND_FACTOR_FORM: &str = "second_factor";

/// Signs in with e-mail and password, then goes to `next` (a path on this
/// site) or the home page.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::EmailAddress;
    use crate::server::auth::limits::Attempt;
    use crate::server::auth::password::{Verified, dummy_hash, hash_blocking, off_runtime, verify};
    use crate::server::auth::start::{Stage, start_session};
    use crate::server::{context, respond};
    use tracing::Instrument;

    enum Next {
        Page,
        SecondFactor,
    }

    let result = async {
        let ctx = context::server_context()?;
        // Brute-force limits, checked before any password work. The key is
        // what was typed, whether or not such an account exists.
        let attempt = Attempt::begin(&ctx, &email).await?;
        // A malformed address cannot match an account: same answer as a
        // wrong password, so that the form reveals nothing.
        let Ok(address) = EmailAddress::parse(&email) else {
            attempt.failed().await;
            return Err(AppError::InvalidCredentials);
        };
        let user = ctx
            .storage
            .users
            .find_by_email(&address)
            .await
            .map_err(|e| context::internal("users.find_by_email", e))?
            .filter(|u| u.active);
        // Verify against a dummy hash when there is no such account, so the
        // answer takes as long either way.
        let stored = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let verdict = verify(password.clone(), stored).await?;
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
                attempt.failed().await;
                return Err(AppError::InvalidCredentials);
            }
        };
        // With an authenticator, the password only opens the code form;
        // failures are forgotten once the code is right too.
        let has_second_factor = ctx
            .storage
            .second_factors
            .get(user.id)
            .await
            .map_err(|e| context::internal("second_factors.get", e))?
            .is_some_and(|f| f.confirmed_at.is_some());
        if has_second_factor {
            start_session(&ctx, &user, Stage::SecondFactorPending).await?;
            return Ok(Next::SecondFactor);
        }
        attempt.succeeded().await;
        start_session(&ctx, &user, Stage::SignedIn).await?;
        Ok(Next::Page)
    }
    .instrument(tracing::info_span!("server_fn", name = "auth.sign_in"))
    .await;

    let target = next
        .as_deref()
        .map(crate::url::same_site_path)
        .unwrap_or_else(|| "/".into());
    match result {
        Ok(Next::Page) => {
            leptos_axum::redirect(&target);
            Ok(())
        }
        Ok(Next::SecondFactor) => {
            leptos_axum::redirect(&format!(
                "{SECOND_FACTOR_PATH}?next={}",
                crate::url::encode_component(&target)
            ));
            Ok(())
        }
        Err(error) => respond::finish_form(SIGN_IN_FORM, &email, Err(error)),
    }
}

/// The page asking for the second factor after the password.
pub const SECOND_FACTOR_PATH: &str = "/sign-in/code";

/// Completes a sign-in with the code of the authenticator app, or with a
/// recovery code (spent by its use). Public: the caller holds only the
/// session the password opened, which allows nothing else.
#[server(endpoint = "auth/second-factor")]
pub async fn verify_second_factor(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::auth::limits::Attempt;
    use crate::server::auth::start::{Stage, start_session};
    use crate::server::auth::{pending_second_factor, recovery, totp};
    use crate::server::{context, respond};
    use tracing::Instrument;

    let result = async {
        let pending = pending_second_factor().ok_or(AppError::SignInExpired)?;
        let ctx = context::server_context()?;
        let attempt = Attempt::begin(&ctx, pending.email.as_str()).await?;
        let factors = &ctx.storage.second_factors;
        let factor = factors
            .get(pending.user_id)
            .await
            .map_err(|e| context::internal("second_factors.get", e))?
            .filter(|f| f.confirmed_at.is_some())
            .ok_or(AppError::SignInExpired)?;
        let accepted = if let Some(step) =
            totp::matching_step(&factor.secret, &code, chrono::Utc::now().timestamp())
        {
            // Atomic: the same code cannot open two sessions.
            factors
                .use_step(pending.user_id, step)
                .await
                .map_err(|e| context::internal("second_factors.use_step", e))?
        } else if recovery::normalise(&code).is_some() {
            let spent = factors
                .use_recovery_code(pending.user_id, &recovery::hash(&code), chrono::Utc::now())
                .await
                .map_err(|e| context::internal("second_factors.use_recovery_code", e))?;
            if spent {
                tracing::warn!(user_id = pending.user_id, "signed in with a recovery code");
            }
            spent
        } else {
            false
        };
        if !accepted {
            attempt.failed().await;
            tracing::info!(user_id = pending.user_id, "second factor refused");
            return Err(AppError::InvalidCode);
        }
        attempt.succeeded().await;
        let user = ctx
            .storage
            .users
            .get(pending.user_id)
            .await
            .map_err(|e| context::internal("users.get", e))?
            .filter(|u| u.active)
            .ok_or(AppError::SignInExpired)?;
        ctx.storage
            .sessions
            .delete(&pending.session_hash)
            .await
            .map_err(|e| context::internal("sessions.delete", e))?;
        start_session(&ctx, &user, Stage::SignedIn).await
    }
    .instrument(tracing::info_span!(
        "server_fn",
        name = "auth.second_factor"
    ))
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
        // Nothing to complete: start again from the password.
        Err(AppError::SignInExpired) if respond::is_plain_form_post() => {
            leptos_axum::redirect("/sign-in");
            Err(AppError::SignInExpired)
        }
        Err(error) => respond::finish_form(SECOND_FACTOR_FORM, "", Err(error)),
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
    } else if let Some(pending) = crate::server::auth::pending_second_factor() {
        let ctx = context::server_context()?;
        end_session(&ctx, &pending.session_hash).await?;
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
    use crate::server::auth::start::{Stage, start_session};
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
        start_session(&ctx, &user, Stage::SignedIn).await
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
            tag_people: allows(u.role, Action::TagPeople),
            reassign_people: allows(u.role, Action::ReassignPeople),
        },
        display_name: u.display_name,
        email: u.email,
        role: u.role,
        must_enroll_second_factor: u.must_enroll_second_factor,
    }))
}
