//! Server-side state, built once at start-up and shared by every request.

use app::server::ServerContext;
use app::server::storage::Storage;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub storage: Storage,
    pub dev_reload_port: Option<u32>,
}

impl AppState {
    /// The context handed to page renders and server functions.
    pub fn server_context(&self) -> ServerContext {
        ServerContext {
            storage: self.storage.clone(),
            dev_reload_port: self.dev_reload_port,
        }
    }
}
