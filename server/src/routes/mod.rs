//! Plain HTTP routes outside Leptos: probes, the language switch and the
//! live stream.

pub mod events;
pub mod health;
pub mod lang;
