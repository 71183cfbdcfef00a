//! Who is calling: password hashing, session tokens, the signed-in user of
//! the current request. The rules about what a user may do live in
//! [`super::policy`].

pub mod password;
pub mod session;
pub mod start;
pub mod token;

pub use session::{SESSION_COOKIE, SessionUser, current_user};
