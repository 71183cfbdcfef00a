//! Logging: `tracing` to standard error, filtered by `ACCORD_LOG`.

use tracing_subscriber::{EnvFilter, fmt};

pub fn init(filter: &str) {
    // The filter was validated with the rest of the configuration.
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
