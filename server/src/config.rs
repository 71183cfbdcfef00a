//! Configuration from environment variables.
//!
//! Every `ACCORD_*` variable must be one this module knows: a typo such as
//! `ACCORD_LISTN` stops start-up with a message naming it, instead of being
//! silently ignored. Values are parsed here, once, into typed settings.

use sqlx::postgres::PgConnectOptions;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The settings Accord reads, with their meaning (printed in errors).
pub const KNOWN_SETTINGS: &[(&str, &str)] = &[
    (
        "DATABASE_URL",
        "database: sqlite://PATH (default sqlite://data/accord.db) or postgres://USER:PASSWORD@HOST:PORT/DB",
    ),
    (
        "ACCORD_LISTEN",
        "address and port to serve on (default 127.0.0.1:3000)",
    ),
    (
        "ACCORD_LOG",
        "log filter, e.g. info or accord=debug,info (default info)",
    ),
    (
        "ACCORD_SQLITE_SYNCHRONOUS",
        "SQLite synchronous mode: full (default), normal, extra or off",
    ),
    (
        "ACCORD_SQLITE_BUSY_TIMEOUT_MS",
        "how long SQLite waits for a lock, in milliseconds (default 5000)",
    ),
    (
        "ACCORD_DB_MAX_CONNECTIONS",
        "size of the database connection pool (default 8)",
    ),
    (
        "ACCORD_SESSION_IDLE_MINUTES",
        "a session unused this long ends (default 30)",
    ),
    (
        "ACCORD_SESSION_ABSOLUTE_HOURS",
        "a session ends this long after sign-in (default 12)",
    ),
    (
        "ACCORD_SIGN_IN_MAX_FAILURES_PER_ACCOUNT",
        "failed sign-ins allowed per account in 15 minutes (default 10)",
    ),
    (
        "ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT",
        "failed sign-ins allowed per client address in 15 minutes (default 10; raise it behind a proxy that hides client addresses)",
    ),
    (
        "ACCORD_ACCESS_LOG_RETENTION_DAYS",
        "days the access log keeps its entries before the daily purge removes them (default 365)",
    ),
    (
        "ACCORD_SITE_ROOT",
        "folder holding the built web assets (default target/site)",
    ),
    (
        "SMTP_URL",
        "mail server: smtps://USER:PASSWORD@HOST:465, or smtp://USER:PASSWORD@HOST:587?tls=required for STARTTLS (default: none, mail is kept in Settings → Outbox)",
    ),
    (
        "ACCORD_MAIL_FROM",
        "sender of Accord's mail, e.g. \"Acme <privacy@acme.example>\" (default accord@localhost)",
    ),
    (
        "ACCORD_PUBLIC_URL",
        "the address people reach Accord at, for links in mail, e.g. https://crm.acme.example (default http:// and the listening address)",
    ),
    (
        "ACCORD_FORM_RATE_LIMIT",
        "public form submissions allowed per client address in 10 minutes (default 10; raise it behind a proxy that hides client addresses)",
    ),
    (
        "ACCORD_SHUTDOWN_TIMEOUT_SECS",
        "how long in-flight requests may take to finish on shutdown (default 30)",
    ),
];

/// A setting that is unknown or cannot be used, named for the operator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("unknown setting {name}; known settings are {}", known_names())]
    Unknown { name: String },
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn known_names() -> String {
    KNOWN_SETTINGS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite {
        path: PathBuf,
    },
    /// Kept as given (it may hold a password): use [`fmt::Display`] to log it.
    Postgres {
        url: String,
    },
}

impl DatabaseUrl {
    pub const DEFAULT: &'static str = "sqlite://data/accord.db";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err("a SQLite URL needs a file path, e.g. sqlite://data/accord.db".into());
            }
            if rest.contains('?') {
                return Err(
                    "SQLite URL options are not supported; use the ACCORD_SQLITE_* settings".into(),
                );
            }
            if rest.starts_with(":memory:") {
                return Err("an in-memory SQLite database would lose everything on restart; give a file path".into());
            }
            return Ok(DatabaseUrl::Sqlite {
                path: PathBuf::from(rest),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            // Parse now so that a malformed URL fails at start-up, not at
            // first connection. The parser's message never includes the
            // password.
            PgConnectOptions::from_str(raw)
                .map_err(|e| format!("malformed PostgreSQL URL ({e})"))?;
            return Ok(DatabaseUrl::Postgres {
                url: raw.to_string(),
            });
        }
        let scheme = raw
            .split("://")
            .next()
            .filter(|s| *s != raw)
            .unwrap_or("(none)");
        Err(format!(
            "unsupported scheme {scheme}; use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB"
        ))
    }
}

impl fmt::Display for DatabaseUrl {
    /// Shows the URL with any password replaced, safe for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// SQLite's `PRAGMA synchronous`. FULL by default: a committed transaction
/// survives a power cut, which a CRM holding consent proofs needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSynchronous {
    Off,
    Normal,
    Full,
    Extra,
}

impl FromStr for SqliteSynchronous {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            "extra" => Ok(Self::Extra),
            other => Err(format!("{other:?} is not one of full, normal, extra, off")),
        }
    }
}

/// `SMTP_URL`: holds the mail server's password, so it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpUrl(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    pub log_filter: String,
    pub sqlite_synchronous: SqliteSynchronous,
    pub sqlite_busy_timeout: Duration,
    pub db_max_connections: u32,
    pub site_root: String,
    pub shutdown_timeout: Duration,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub sign_in_max_failures_per_account: u32,
    pub sign_in_max_failures_per_client: u32,
    pub access_log_retention: Duration,
    /// Where mail goes (`SMTP_URL`); none: kept in the outbox.
    pub smtp_url: Option<SmtpUrl>,
    pub mail_from: String,
    /// The base of links in mail, without a trailing slash.
    pub public_url: Option<String>,
    pub form_rate_limit: u32,
    /// `cargo leptos watch --split` sets `LEPTOS_ENV=DEV`; the page may then open
    /// the live-reload websocket on this port.
    pub dev_reload_port: Option<u32>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Builds the configuration from `(name, value)` pairs; the test seam.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars: BTreeMap<String, String> = vars.into_iter().collect();
        if let Some(name) = vars
            .keys()
            .find(|k| k.starts_with("ACCORD_") && !KNOWN_SETTINGS.iter().any(|(n, _)| n == k))
        {
            return Err(ConfigError::Unknown { name: name.clone() });
        }
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let database_url = DatabaseUrl::parse(get("DATABASE_URL").unwrap_or(DatabaseUrl::DEFAULT))
            .map_err(|reason| ConfigError::Invalid {
                name: "DATABASE_URL",
                reason,
            })?;

        // cargo-leptos passes the address from Cargo.toml as LEPTOS_SITE_ADDR.
        let listen_raw = get("ACCORD_LISTEN")
            .or(get("LEPTOS_SITE_ADDR"))
            .unwrap_or("127.0.0.1:3000");
        let listen = listen_raw
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                name: "ACCORD_LISTEN",
                reason: format!("{listen_raw:?} is not an address such as 127.0.0.1:3000"),
            })?;

        let log_filter = get("ACCORD_LOG").unwrap_or("info").to_string();
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| ConfigError::Invalid {
            name: "ACCORD_LOG",
            reason: e.to_string(),
        })?;

        let sqlite_synchronous = get("ACCORD_SQLITE_SYNCHRONOUS")
            .unwrap_or("full")
            .parse()
            .map_err(|reason| ConfigError::Invalid {
                name: "ACCORD_SQLITE_SYNCHRONOUS",
                reason,
            })?;

        let sqlite_busy_timeout = Duration::from_millis(parse_number(
            get("ACCORD_SQLITE_BUSY_TIMEOUT_MS"),
            "ACCORD_SQLITE_BUSY_TIMEOUT_MS",
            5000,
            0..=600_000,
        )?);
        let db_max_connections = parse_number(
            get("ACCORD_DB_MAX_CONNECTIONS"),
            "ACCORD_DB_MAX_CONNECTIONS",
            8,
            1..=1000,
        )? as u32;
        let shutdown_timeout = Duration::from_secs(parse_number(
            get("ACCORD_SHUTDOWN_TIMEOUT_SECS"),
            "ACCORD_SHUTDOWN_TIMEOUT_SECS",
            30,
            0..=3600,
        )?);
        let session_idle = Duration::from_secs(
            60 * parse_number(
                get("ACCORD_SESSION_IDLE_MINUTES"),
                "ACCORD_SESSION_IDLE_MINUTES",
                30,
                1..=1440,
            )?,
        );
        let session_absolute = Duration::from_secs(
            3600 * parse_number(
                get("ACCORD_SESSION_ABSOLUTE_HOURS"),
                "ACCORD_SESSION_ABSOLUTE_HOURS",
                12,
                1..=720,
            )?,
        );
        let sign_in_max_failures_per_account = parse_number(
            get("ACCORD_SIGN_IN_MAX_FAILURES_PER_ACCOUNT"),
            "ACCORD_SIGN_IN_MAX_FAILURES_PER_ACCOUNT",
            10,
            1..=1_000_000,
        )? as u32;
        let sign_in_max_failures_per_client = parse_number(
            get("ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT"),
            "ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT",
            10,
            1..=1_000_000,
        )? as u32;
        let access_log_retention = Duration::from_secs(
            86_400
                * parse_number(
                    get("ACCORD_ACCESS_LOG_RETENTION_DAYS"),
                    "ACCORD_ACCESS_LOG_RETENTION_DAYS",
                    365,
                    1..=36_500,
                )?,
        );
        let site_root = get("ACCORD_SITE_ROOT")
            .or(get("LEPTOS_SITE_ROOT"))
            .unwrap_or("target/site")
            .to_string();
        let dev_reload_port = match get("LEPTOS_ENV") {
            Some(env)
                if env.eq_ignore_ascii_case("dev") || env.eq_ignore_ascii_case("development") =>
            {
                Some(
                    get("LEPTOS_RELOAD_PORT")
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(3001),
                )
            }
            _ => None,
        };

        let smtp_url = match get("SMTP_URL").map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(url) => {
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).map_err(|e| {
                    ConfigError::Invalid {
                        name: "SMTP_URL",
                        reason: format!("{e}; expected smtps://USER:PASSWORD@HOST:465 or smtp://HOST:587?tls=required"),
                    }
                })?;
                Some(SmtpUrl(url.to_string()))
            }
        };
        let mail_from = get("ACCORD_MAIL_FROM")
            .unwrap_or("accord@localhost")
            .trim()
            .to_string();
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid {
                name: "ACCORD_MAIL_FROM",
                reason: format!("{mail_from:?} is not a mail address (name <address> or address)"),
            });
        }
        let public_url = match get("ACCORD_PUBLIC_URL").map(|v| v.trim().trim_end_matches('/')) {
            None | Some("") => None,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.to_string())
            }
            Some(url) => {
                return Err(ConfigError::Invalid {
                    name: "ACCORD_PUBLIC_URL",
                    reason: format!("{url:?} does not start with https:// or http://"),
                });
            }
        };

        let form_rate_limit = parse_number(
            get("ACCORD_FORM_RATE_LIMIT"),
            "ACCORD_FORM_RATE_LIMIT",
            10,
            1..=1_000_000,
        )? as u32;

        Ok(Config {
            form_rate_limit,
            smtp_url,
            mail_from,
            public_url,
            database_url,
            listen,
            log_filter,
            sqlite_synchronous,
            sqlite_busy_timeout,
            db_max_connections,
            site_root,
            shutdown_timeout,
            session_idle,
            session_absolute,
            sign_in_max_failures_per_account,
            sign_in_max_failures_per_client,
            access_log_retention,
            dev_reload_port,
        })
    }
}

fn parse_number(
    raw: Option<&str>,
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    let value = raw.parse::<u64>().map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("{raw:?} is not a whole number"),
    })?;
    if !range.contains(&value) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("{value} is outside {}..={}", range.start(), range.end()),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_sqlite_full_sync_on_loopback() {
        let c = Config::from_vars(vars(&[("PATH", "/bin")])).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite {
                path: "data/accord.db".into()
            }
        );
        assert_eq!(c.listen, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(c.sqlite_synchronous, SqliteSynchronous::Full);
        assert_eq!(c.db_max_connections, 8);
        assert_eq!(c.dev_reload_port, None);
    }

    #[test]
    fn every_setting_read_is_known_and_takes_a_valid_value() {
        let all = vars(&[
            ("DATABASE_URL", "sqlite://x.db"),
            ("ACCORD_LISTEN", "127.0.0.1:4000"),
            ("ACCORD_LOG", "debug"),
            ("ACCORD_SQLITE_SYNCHRONOUS", "normal"),
            ("ACCORD_SQLITE_BUSY_TIMEOUT_MS", "100"),
            ("ACCORD_DB_MAX_CONNECTIONS", "3"),
            ("ACCORD_SITE_ROOT", "site"),
            ("ACCORD_SHUTDOWN_TIMEOUT_SECS", "5"),
            ("ACCORD_SESSION_IDLE_MINUTES", "10"),
            ("ACCORD_SESSION_ABSOLUTE_HOURS", "2"),
            ("ACCORD_SIGN_IN_MAX_FAILURES_PER_ACCOUNT", "5"),
            ("ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT", "500"),
            ("ACCORD_ACCESS_LOG_RETENTION_DAYS", "30"),
            ("SMTP_URL", "smtp://user:secret@127.0.0.1:2525?tls=required"),
            ("ACCORD_MAIL_FROM", "Acme <privacy@acme.example>"),
            ("ACCORD_PUBLIC_URL", "https://crm.acme.example/"),
            ("ACCORD_FORM_RATE_LIMIT", "50"),
        ]);
        assert_eq!(
            all.len(),
            KNOWN_SETTINGS.len(),
            "a setting is missing from this test"
        );
        let c = Config::from_vars(all).unwrap();
        assert_eq!(c.session_idle, Duration::from_secs(600));
        assert_eq!(c.session_absolute, Duration::from_secs(7200));
        assert_eq!(c.sign_in_max_failures_per_account, 5);
        assert_eq!(c.sign_in_max_failures_per_client, 500);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(5));
        assert_eq!(c.db_max_connections, 3);
        assert_eq!(c.access_log_retention, Duration::from_secs(30 * 86_400));
        let smtp = c.smtp_url.as_ref().unwrap();
        assert_eq!(
            smtp.expose(),
            "smtp://user:secret@127.0.0.1:2525?tls=required"
        );
        assert!(
            !format!("{c:?}").contains("secret"),
            "the password never prints"
        );
        assert_eq!(c.mail_from, "Acme <privacy@acme.example>");
        assert_eq!(c.form_rate_limit, 50);
        assert_eq!(c.public_url.as_deref(), Some("https://crm.acme.example"));
    }

    #[test]
    fn unknown_accord_setting_is_named() {
        let e = Config::from_vars(vars(&[("ACCORD_LISTN", "x")])).unwrap_err();
        assert_eq!(
            e,
            ConfigError::Unknown {
                name: "ACCORD_LISTN".into()
            }
        );
        assert!(e.to_string().contains("ACCORD_LISTEN"));
    }

    #[test]
    fn malformed_values_are_named() {
        for (name, value) in [
            ("SMTP_URL", "mail.example.com"),
            ("SMTP_URL", "smtp://host:587?tls=sometimes"),
            ("ACCORD_MAIL_FROM", "not an address"),
            ("ACCORD_PUBLIC_URL", "crm.example.com"),
            ("ACCORD_LISTEN", "localhost"),
            ("ACCORD_SQLITE_SYNCHRONOUS", "sometimes"),
            ("ACCORD_DB_MAX_CONNECTIONS", "0"),
            ("ACCORD_SQLITE_BUSY_TIMEOUT_MS", "-1"),
            ("DATABASE_URL", "mysql://db/x"),
            ("DATABASE_URL", "postgres://u@host:notaport/db"),
            ("DATABASE_URL", "sqlite://"),
            ("DATABASE_URL", "sqlite::memory:"),
        ] {
            let e = Config::from_vars(vars(&[(name, value)])).unwrap_err();
            assert!(e.to_string().starts_with(name), "{name}={value}: {e}");
        }
    }

    #[test]
    fn postgres_url_is_redacted_when_shown() {
        let url = DatabaseUrl::parse("postgres://accord:s3cret@db.internal:5432/accord").unwrap();
        let shown = url.to_string();
        assert!(!shown.contains("s3cret"));
        assert_eq!(shown, "postgres://accord:***@db.internal:5432/accord");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn sqlite_paths_relative_and_absolute() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/accord/a.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "/var/lib/accord/a.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "x.db".into()
            }
        );
    }

    #[test]
    fn dev_mode_enables_reload_port() {
        let c = Config::from_vars(vars(&[
            ("LEPTOS_ENV", "DEV"),
            ("LEPTOS_RELOAD_PORT", "3101"),
        ]))
        .unwrap();
        assert_eq!(c.dev_reload_port, Some(3101));
    }
}
