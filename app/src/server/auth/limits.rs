//! Brute-force limits on everything that checks a secret typed by a
//! person (password, second-factor code): at most N failures per account
//! and per client address in the window, kept in the database so that
//! every instance counts the same failures.

use crate::error::AppError;
use crate::server::context::{self, ServerContext};
use chrono::{DateTime, Utc};

/// One guarded attempt: [`Attempt::begin`] refuses when a limit is
/// reached, then the caller reports how the check went.
pub struct Attempt<'a> {
    ctx: &'a ServerContext,
    account_key: String,
    client: String,
    now: DateTime<Utc>,
    window: chrono::Duration,
}

impl<'a> Attempt<'a> {
    /// `account_key` is what identifies the account as typed (the
    /// lower-cased e-mail), whether or not such an account exists.
    pub async fn begin(ctx: &'a ServerContext, account_key: &str) -> Result<Self, AppError> {
        let limits = ctx.sign_in_limits;
        let attempt = Attempt {
            ctx,
            account_key: account_key.trim().to_lowercase(),
            client: context::client_addr(),
            now: Utc::now(),
            window: chrono::Duration::from_std(limits.window).unwrap_or_default(),
        };
        let recent = ctx
            .storage
            .sign_in_failures
            .recent(
                &attempt.account_key,
                &attempt.client,
                attempt.now - attempt.window,
            )
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
        .map(|oldest| oldest + attempt.window)
        .max();
        if let Some(until) = blocked_until {
            let minutes = ((until - attempt.now).num_seconds().max(1) as u32).div_ceil(60);
            tracing::warn!(client = %attempt.client, "refused: too many failed attempts");
            return Err(AppError::TooManyAttempts { minutes });
        }
        Ok(attempt)
    }

    /// Counts a failure (logged, never fatal: the person gets their answer).
    pub async fn failed(&self) {
        if let Err(e) = self
            .ctx
            .storage
            .sign_in_failures
            .record(
                &self.account_key,
                &self.client,
                Utc::now(),
                self.now - self.window,
            )
            .await
        {
            tracing::error!(error = %e, "could not record a failed attempt");
        }
    }

    /// Forgets the account's failures after a complete sign-in.
    pub async fn succeeded(&self) {
        if let Err(e) = self
            .ctx
            .storage
            .sign_in_failures
            .clear_account(&self.account_key)
            .await
        {
            tracing::warn!(error = %e, "could not clear failed attempts");
        }
    }
}
