//! Plain HTTP routes outside Leptos: probes, the language switch, the
//! live stream and the CSV reports.

pub mod events;
pub mod health;
pub mod lang;
pub mod reports;
