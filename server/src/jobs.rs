//! Background jobs of a running `accord`.

use app::server::storage::Storage;
use std::time::Duration;

/// Purges access-log entries older than `retention`, now and then daily.
/// Safe with several instances on one database: purges are idempotent.
pub fn spawn_access_log_purge(storage: Storage, retention: Duration) {
    tokio::spawn(async move {
        let mut every_day = tokio::time::interval(Duration::from_secs(86_400));
        loop {
            every_day.tick().await;
            let cutoff =
                chrono::Utc::now() - chrono::Duration::from_std(retention).unwrap_or_default();
            match storage.access_log.purge_before(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, %cutoff, "access log retention purge"),
                Err(error) => tracing::error!(%error, "access log retention purge failed"),
            }
        }
    });
}

/// Hourly: consents still pending when their confirmation link expired
/// are marked expired in the ledger, the source addresses of consent
/// events older than their purpose's retention are cut to their network,
/// the DPO is reminded of requests due within seven and two days,
/// access archives whose download link ran out are deleted, and the
/// public forms' rate-limit counters of past windows are dropped. Safe with several instances: both
/// are idempotent, and ledger appends are serialised by the database.
pub fn spawn_consent_upkeep(storage: Storage, public_url: String) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3_600));
        loop {
            every_hour.tick().await;
            let now = chrono::Utc::now();
            match storage.consent.expire_pending(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "pending consents expired"),
                Err(error) => tracing::error!(%error, "expiring pending consents failed"),
            }
            match storage.consent.truncate_evidence(now, 10_000).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    truncated = n,
                    "consent evidence past retention cut to its network"
                ),
                Err(error) => tracing::error!(%error, "truncating consent evidence failed"),
            }
            match storage.privacy.expire_requests(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "unconfirmed privacy requests expired"),
                Err(error) => tracing::error!(%error, "expiring privacy requests failed"),
            }
            match crate::privacy::reminders::run(&storage, now, &public_url).await {
                Ok(claimed) if claimed.is_empty() => {}
                Ok(claimed) => {
                    tracing::info!(count = claimed.len(), "privacy request reminders sent")
                }
                Err(error) => tracing::error!(%error, "sending privacy request reminders failed"),
            }
            match storage.archives.purge_archives(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "access archives past their link deleted"),
                Err(error) => tracing::error!(%error, "deleting old access archives failed"),
            }
            let before = now.timestamp() - crate::routes::consent::RATE_WINDOW_SECS;
            if let Err(error) = storage.consent.prune_rate_limits(before).await {
                tracing::error!(%error, "pruning rate-limit counters failed");
            }
        }
    });
}

/// Daily, starting ten minutes after start: the retention run of the
/// day (`accord retention run` does the same on demand). With several
/// instances each runs it; a second run the same day finds nobody due
/// and nobody left to ask.
pub fn spawn_retention(storage: Storage, public_url: String) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(600)).await;
        let mut every_day = tokio::time::interval(Duration::from_secs(86_400));
        loop {
            every_day.tick().await;
            let today = chrono::Utc::now().date_naive();
            match crate::privacy::retention::run(
                &storage,
                app::domain::retention::RetentionPolicy::CNIL,
                today,
                false,
                None,
                &public_url,
                |_| {},
            )
            .await
            {
                Ok(report) => tracing::info!(
                    run = report.run_id,
                    due = report.due.len(),
                    erased = report.erased,
                    held = report.held,
                    asked = report.asked.len(),
                    "retention run"
                ),
                Err(error) => tracing::error!(%error, "the retention run failed"),
            }
        }
    });
}
