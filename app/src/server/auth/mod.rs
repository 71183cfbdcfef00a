//! Who is calling: password hashing, session tokens, the signed-in user of
//! the current request. The rules about what a user may do live in
//! [`super::policy`].

pub mod limits;
pub mod password;
pub mod recovery;
pub mod session;
pub mod start;
pub mod token;
pub mod totp;

pub use session::{
    PendingSecondFactor, SESSION_COOKIE, SessionUser, current_user, pending_second_factor,
};
