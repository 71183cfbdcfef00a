//! The `accord` server: configuration, storage backends, HTTP routes,
//! start-up and shutdown. `main.rs` only parses the command line and
//! calls into here, so integration tests drive the same code.

pub mod cli;
pub mod config;
pub mod consent;
pub mod demo_consents;
pub mod jobs;
pub mod live;
pub mod privacy;
pub mod router;
pub mod routes;
pub mod seed;
pub mod session_layer;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
