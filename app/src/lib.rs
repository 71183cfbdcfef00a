//! Accord's application crate: the Leptos components, routes, server
//! functions and the domain types shared by the browser and the server.
//!
//! Everything here compiles twice: with `hydrate` into the WASM bundle and
//! with `ssr` into the `accord` server. Code that must never reach the
//! browser (storage traits, request helpers) lives in [`server`], which only
//! exists with the `ssr` feature.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod live;
#[cfg(feature = "hydrate")]
pub mod morph;
pub mod pages;
#[cfg(feature = "hydrate")]
pub mod public_form;
#[cfg(feature = "ssr")]
pub mod server;
mod shell;
#[cfg(feature = "hydrate")]
pub mod shortcuts;
pub mod time_format;
pub mod url;

pub use shell::{App, shell};
