//! Start-up: open storage, bind, serve, shut down cleanly.

use crate::cli::{Command, UserCommand};
use crate::config::Config;
use crate::router;
use crate::shutdown;
use crate::state::AppState;
use crate::storage::{self, OpenError, PoolSettings};
use app::server::storage::Storage;
use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;
use std::path::Path;

/// Why `accord` stopped; each variant prints as one actionable line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] OpenError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Command(String),
}

/// Runs one command of the `accord` binary.
pub async fn run(command: Command, config: Config) -> Result<(), StartupError> {
    tracing::info!(database = %config.database_url, "opening database");
    let storage = storage::open(&config.database_url, &PoolSettings::from_config(&config)).await?;
    match command {
        Command::Migrate => {
            announce(&format!("Database is up to date: {}", config.database_url));
            Ok(())
        }
        Command::Serve => serve(config, storage).await,
        Command::User(UserCommand::Create(args)) => crate::cli::create_user(&storage, args)
            .await
            .map_err(StartupError::Command),
        Command::Team(command) => crate::cli::team(&storage, command)
            .await
            .map_err(StartupError::Command),
        Command::Consent(command) => crate::cli::consent(&storage, command)
            .await
            .map_err(StartupError::Command),
        Command::Retention(command) => {
            let public_url = config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen));
            crate::cli::retention(&storage, command, &public_url)
                .await
                .map_err(StartupError::Command)
        }
        Command::Seed {
            contacts,
            companies,
            interactions,
            deals,
            demo,
            seed,
        } => {
            let plan = if demo {
                crate::seed::Plan::DEMO
            } else {
                crate::seed::Plan {
                    contacts,
                    companies,
                    interactions,
                    deals,
                }
            };
            crate::seed::run(&storage, plan, seed)
                .await
                .map_err(StartupError::Command)?;
            if demo {
                let base = config
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", config.listen));
                crate::demo_consents::seed(&storage, &base)
                    .await
                    .map_err(StartupError::Command)?;
            }
            Ok(())
        }
    }
}

/// The Leptos options for this configuration. Built here rather than read
/// from Cargo.toml so that the binary runs the same whether started by
/// cargo-leptos or on its own.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let builder = LeptosOptions::builder()
        .output_name("accord")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.listen);
    match config.dev_reload_port {
        Some(port) => builder.env(Env::DEV).reload_port(port).build(),
        None => builder.env(Env::PROD).build(),
    }
}

/// Binds the configured address and serves until asked to stop.
pub async fn serve(config: Config, storage: Storage) -> Result<(), StartupError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| StartupError::Listen {
            addr: config.listen,
            reason: match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "the address is already in use; stop the other program or set ACCORD_LISTEN to a free port".into()
                }
                std::io::ErrorKind::PermissionDenied => {
                    "permission denied; choose a port above 1024 with ACCORD_LISTEN".into()
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    "this machine has no such address; check ACCORD_LISTEN".into()
                }
                _ => e.to_string(),
            },
        })?;
    let address = listener.local_addr().unwrap_or(config.listen);

    if !Path::new(&config.site_root)
        .join("pkg")
        .join("accord.js")
        .exists()
    {
        tracing::warn!(
            site_root = %config.site_root,
            "web assets not found: pages will render but not hydrate; build them with `cargo leptos build --release`"
        );
    }

    // First run: no account yet. A single-use link, printed here only,
    // lets the person at the machine create the first administrator.
    let user_count = storage
        .users
        .count()
        .await
        .map_err(|e| StartupError::Storage(OpenError::Migration(e.to_string())))?;
    let setup_token = (user_count == 0).then(app::server::auth::token::new_token);

    crate::jobs::spawn_access_log_purge(storage.clone(), config.access_log_retention);
    crate::live::spawn_prune(storage.clone());
    let mut state = AppState::new(leptos_options(&config), storage.clone());
    state.consent.public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    crate::jobs::spawn_consent_upkeep(storage.clone(), state.consent.public_url.clone());
    crate::jobs::spawn_retention(storage.clone(), state.consent.public_url.clone());
    state.consent.rate_limit = i64::from(config.form_rate_limit);
    match &config.smtp_url {
        Some(url) => match crate::consent::mail::Mailer::new(url.expose(), &config.mail_from) {
            Ok(mailer) => {
                crate::consent::mail::spawn_delivery(
                    storage,
                    mailer,
                    state.consent.mail_wakeup.clone(),
                );
                tracing::info!("mail goes through SMTP_URL");
            }
            Err(error) => {
                return Err(StartupError::Command(format!(
                    "SMTP_URL cannot be used: {error}"
                )));
            }
        },
        None => tracing::info!("no SMTP_URL: mail is kept in Settings → Outbox"),
    }
    state.dev_reload_port = config.dev_reload_port;
    state.sessions = app::server::SessionSettings {
        idle: config.session_idle,
        absolute: config.session_absolute,
    };
    state.sign_in_limits = app::server::SignInLimits {
        per_account: config.sign_in_max_failures_per_account,
        per_client: config.sign_in_max_failures_per_client,
        ..Default::default()
    };
    state.setup = std::sync::Arc::new(app::server::SetupLink::new(setup_token.clone()));
    state
        .has_users
        .store(user_count > 0, std::sync::atomic::Ordering::Relaxed);
    let app = router::build(state).into_make_service_with_connect_info::<SocketAddr>();

    tracing::info!(%address, "listening");
    announce(&format!("Accord is running at http://{address}"));
    if let Some(token) = setup_token {
        announce(&format!(
            "No account exists yet. Create the first administrator at: http://{address}/setup?token={token}"
        ));
    }

    // After the stop signal, in-flight requests get `shutdown_timeout` to
    // finish; past that the process exits anyway.
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown::signal().await;
        let _ = stopping_tx.send(());
    });
    let grace = config.shutdown_timeout;
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result.map_err(StartupError::Serve)?,
        _ = deadline => tracing::warn!("shutdown grace period over; closing remaining connections"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Prints a line for the operator. A closed standard output (a supervisor
/// that stopped reading) must not bring the server down, so write errors
/// are ignored rather than panicking as `println!` would.
pub(crate) fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
