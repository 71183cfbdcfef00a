//! PostgreSQL backend: the scale-out path, several stateless `accord`
//! instances on one database.

mod organisation;

use super::{OpenError, PoolSettings, storage_error};
use app::server::storage::{Backend, HealthStore, Storage, StorageError};
use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects to `url` and applies pending migrations. Concurrent instances
/// starting together are safe: sqlx serialises migrations with an advisory
/// lock.
#[tracing::instrument(skip_all)]
pub async fn open(url: &str, settings: &PoolSettings) -> Result<Storage, OpenError> {
    let pool = connect(url, settings).await?;
    migrate(&pool).await?;
    super::restore_after_interrupted_load(storage(pool)).await
}

/// Applies this backend's pending migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), OpenError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| OpenError::Migration(e.to_string()))
}

/// How long a pooled connection may sit idle before it is checked.
const STALE_AFTER: Duration = Duration::from_secs(1);

/// Opens a connection pool, with an operator-readable error if the server
/// cannot be reached or refuses us.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<PgPool, OpenError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| {
        OpenError::Postgres(format!("DATABASE_URL is not a valid PostgreSQL URL ({e})"))
    })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)")
    );
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // A connection idle for a while is pinged before use (the server
        // may have restarted or dropped it); one in steady use is not:
        // sqlx's default pings on every acquire, one more round trip for
        // every transaction (BENCHMARKS.md, "Consent form submissions").
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= STALE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Postgres(describe_connect_error(&target, &e)))?;
    Ok(pool)
}

/// Wraps an open pool in the storage traits.
pub fn storage(pool: PgPool) -> Storage {
    Storage {
        backend: Backend::Postgres,
        organisation: Arc::new(organisation::PgOrganisation::new(pool.clone())),
        users: Arc::new(super::users::SqlUsers::new(pool.clone())),
        sessions: Arc::new(super::users::SqlSessions::new(pool.clone())),
        access_log: Arc::new(super::access_log::SqlAccessLog::new(pool.clone())),
        second_factors: Arc::new(super::second_factors::SqlSecondFactors::new(pool.clone())),
        teams: Arc::new(super::people::SqlTeams::new(pool.clone())),
        people: Arc::new(super::people::SqlPeople::new(pool.clone())),
        tags: Arc::new(super::tags::SqlTags::new(pool.clone())),
        preferences: Arc::new(super::tags::SqlPreferences::new(pool.clone())),
        companies: Arc::new(super::companies::SqlCompanies::new(pool.clone())),
        interactions: Arc::new(super::interactions::SqlInteractions::new(pool.clone())),
        leads: Arc::new(super::leads::SqlLeads::new(pool.clone())),
        pipelines: Arc::new(super::pipelines::SqlPipelines::new(pool.clone())),
        events: Arc::new(super::events::SqlEvents::new(pool.clone())),
        dashboard: Arc::new(super::dashboard::SqlDashboard::new(pool.clone())),
        sign_in_failures: Arc::new(super::sign_in_failures::SqlSignInFailures::new(
            pool.clone(),
        )),
        consent: Arc::new(super::consent::SqlConsent::new(pool.clone())),
        privacy: Arc::new(super::privacy::SqlPrivacy::new(pool.clone())),
        archives: Arc::new(super::archive::SqlArchives::new(pool.clone())),
        bulk_load: Arc::new(super::bulk_load::SqlBulkLoad::new(pool.clone())),
        health: Arc::new(PgHealth { pool }),
    }
}

/// One line an operator can act on, without echoing the password.
fn describe_connect_error(target: &str, error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => format!(
            "cannot reach PostgreSQL at {target} ({io}); check that the server is running and DATABASE_URL is right"
        ),
        sqlx::Error::PoolTimedOut => format!(
            "cannot reach PostgreSQL at {target} (no answer within 5 seconds); check that the server is running and DATABASE_URL is right"
        ),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") | Some("28000") => {
                format!("PostgreSQL at {target} refused the user or password given in DATABASE_URL")
            }
            Some("3D000") => format!(
                "the database named in DATABASE_URL does not exist at {target}; create it first"
            ),
            _ => format!(
                "PostgreSQL at {target} refused the connection: {}",
                db.message()
            ),
        },
        other => format!("cannot connect to PostgreSQL at {target}: {other}"),
    }
}

struct PgHealth {
    pool: PgPool,
}

#[async_trait]
impl HealthStore for PgHealth {
    #[tracing::instrument(skip(self), err)]
    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(storage_error)
    }
}
