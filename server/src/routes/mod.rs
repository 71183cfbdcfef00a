//! Plain HTTP routes outside Leptos: probes, the language switch, the
//! live stream, the CSV reports and the public consent pages.

pub mod consent;
pub mod events;
pub mod health;
pub mod lang;
pub mod proof;
pub mod reports;
