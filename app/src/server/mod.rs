//! Server-only parts of the application crate (feature `ssr`): the storage
//! contract the `server` crate implements, the context handed to every
//! server function, and the helpers that shape their responses.
//! None of this is compiled into the WASM bundle.

pub mod access_log;
pub mod archive;
pub mod auth;
pub mod context;
pub mod cookies;
pub mod csp;
pub mod dashboard;
pub mod pipelines;
pub mod policy;
pub mod qr;
pub mod records;
pub mod respond;
pub mod storage;

pub use context::{
    ClientAddr, ServerContext, SessionSettings, SetupLink, SignInLimits, request_id, server_context,
};
