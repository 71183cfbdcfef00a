//! Server functions: the only way the browser reads or writes data.
//! One module per area; each function's body runs on the server only.

pub mod access_log;
pub mod auth;
pub mod companies;
pub mod consent;
pub mod dashboard;
pub mod deal;
pub mod interactions;
pub mod leads;
pub mod organisation;
pub mod people;
pub mod person_edit;
pub mod pipeline;
pub mod pipeline_settings;
pub mod preferences;
pub mod privacy;
pub mod reassign;
pub mod security;
pub mod tags;
pub mod teams;
pub mod users;

pub use access_log::{SearchAccessLog, search_access_log};
pub use auth::{
    CompleteSetup, SignIn, SignOut, VerifySecondFactor, WhoAmI, complete_setup, sign_in, sign_out,
    verify_second_factor, who_am_i,
};
pub use companies::{
    CreateCompany, GetCompany, ListCompanies, SearchCompanies, UpdateCompany, create_company,
    get_company, list_companies, search_companies, update_company,
};
pub use consent::{
    ArchiveForm, ArchivePurpose, GetForms, GetOutbox, GetPurposes, SaveForm, SavePurpose,
    archive_form, archive_purpose, get_forms, get_outbox, get_purposes, save_form, save_purpose,
};
pub use dashboard::{DashboardFigures, LoadDashboard, dashboard_figures, load_dashboard};
pub use deal::{
    GetDeal, GetDealFormChoices, UpdateDeal, get_deal, get_deal_form_choices, update_deal,
};
pub use interactions::{
    GetTimeline, LogInteraction, MarkTaskDone, get_timeline, log_interaction, mark_task_done,
};
pub use leads::{
    ConvertLead, CreateLead, GetLead, ListLeads, UpdateLead, convert_lead, create_lead, get_lead,
    list_leads, update_lead,
};
pub use organisation::{
    GetOrganisation, RenameOrganisation, get_organisation, rename_organisation,
};
pub use people::{
    CreatePerson, GetPerson, GetPersonFormChoices, ListPeople, SearchPeople, create_person,
    get_person, get_person_form_choices, list_people, search_people,
};
pub use person_edit::{UpdatePerson, update_person};
pub use pipeline::{
    CreateDeal, LoadBoard, MoreCards, MoveDeal, create_deal, load_board, more_cards, move_deal,
};
pub use pipeline_settings::{
    AddStage, ArchiveStage, CreatePipeline, EditStage, GetPipelineSettings, MoveStage,
    RenamePipeline, add_stage, archive_stage, create_pipeline, edit_stage, get_pipeline_settings,
    move_stage, rename_pipeline,
};
pub use preferences::{GetPeopleColumns, SetPeopleColumns, get_people_columns, set_people_columns};
pub use reassign::{ListOwnerChoices, ReassignPeople, list_owner_choices, reassign_people};
pub use security::{
    BeginSecondFactor, ConfirmSecondFactor, DisableSecondFactor, GetSecurityStatus,
    SetSecondFactorRule, begin_second_factor, confirm_second_factor, disable_second_factor,
    get_security_status, set_second_factor_rule,
};
pub use tags::{ListTags, TagPeople, list_tags, tag_people};
pub use teams::{CreateTeam, ListTeams, SetTeamMember, create_team, list_teams, set_team_member};
pub use users::{
    CreateUser, EndMySession, ListMySessions, ListUsers, ResetSecondFactor, SetUserActive,
    create_user, end_my_session, list_my_sessions, list_users, reset_second_factor,
    set_user_active,
};
