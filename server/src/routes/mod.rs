//! Plain HTTP routes outside Leptos: probes and the language switch.

pub mod health;
pub mod lang;
