//! Consent on the server: the ledger's hash chain, the mails a form
//! submission sends, and their delivery.

pub mod chain;
pub mod mail;
pub mod pages;
pub mod queue;
