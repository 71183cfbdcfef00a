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
