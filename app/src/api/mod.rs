//! Server functions: the only way the browser reads or writes data.
//! One module per area; each function's body runs on the server only.

pub mod organisation;

pub use organisation::{
    GetOrganisation, RenameOrganisation, get_organisation, rename_organisation,
};
