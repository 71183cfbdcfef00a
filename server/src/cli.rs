//! Command-line interface of the `accord` binary.

use clap::{Parser, Subcommand};

/// Accord: a self-hosted CRM, GDPR-compliant by construction.
///
/// Settings come from environment variables (see the README); `DATABASE_URL`
/// chooses the database (`sqlite://data/accord.db` by default).
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, Default, Clone, PartialEq, Eq)]
pub enum Command {
    /// Migrate the database, then serve the web app (the default).
    #[default]
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
}
