//! Server functions: the only way the browser reads or writes data.
//! One module per area; each function's body runs on the server only.

pub mod access_log;
pub mod auth;
pub mod organisation;
pub mod users;

pub use access_log::{SearchAccessLog, search_access_log};
pub use auth::{
    CompleteSetup, SignIn, SignOut, WhoAmI, complete_setup, sign_in, sign_out, who_am_i,
};
pub use organisation::{
    GetOrganisation, RenameOrganisation, get_organisation, rename_organisation,
};
pub use users::{
    CreateUser, EndMySession, ListMySessions, ListUsers, SetUserActive, create_user,
    end_my_session, list_my_sessions, list_users, set_user_active,
};
