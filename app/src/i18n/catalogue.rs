//! The shape of a language catalogue. Every field must be filled in every
//! language: a missing translation does not compile.

/// All user-facing text of Accord in one language.
pub struct Catalogue {
    // Shell
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_contacts: &'static str,
    pub nav_companies: &'static str,
    pub nav_pipeline: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_campaigns: &'static str,
    pub nav_privacy: &'static str,
    pub nav_settings: &'static str,
    pub language_label: &'static str,
    pub language_apply: &'static str,
    pub footer_self_hosted: &'static str,
    pub loading: &'static str,

    // Home and organisation
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub org_section_title: &'static str,
    pub org_name_label: &'static str,
    pub org_name_help: &'static str,
    pub org_updated_at: fn(&str) -> String,
    pub save: &'static str,
    pub saving: &'static str,
    pub saved: &'static str,

    // Areas of the product, with what each is for
    pub contacts_intro: &'static str,
    pub companies_intro: &'static str,
    pub pipeline_intro: &'static str,
    pub dashboard_intro: &'static str,
    pub campaigns_intro: &'static str,
    pub privacy_intro: &'static str,
    pub settings_intro: &'static str,
    pub area_not_ready: &'static str,

    // Not found
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,

    // Sign-in and set-up
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub password_confirm_label: &'static str,
    pub password_help: fn(usize) -> String,
    pub display_name_label: &'static str,
    pub sign_in_button: &'static str,
    pub sign_out_button: &'static str,
    pub signed_in_as: fn(&str) -> String,
    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub setup_needs_link: &'static str,
    pub setup_button: &'static str,

    // Errors
    pub err_required: &'static str,
    pub err_too_long: fn(usize) -> String,
    pub err_control_characters: &'static str,
    pub err_invalid_email: &'static str,
    pub err_password_too_short: fn(usize) -> String,
    pub err_password_too_common: &'static str,
    pub err_passwords_differ: &'static str,
    pub err_unknown_role: &'static str,
    pub err_unauthenticated: &'static str,
    pub err_invalid_credentials: &'static str,
    pub err_invalid_setup_link: &'static str,
    pub err_too_many_attempts: fn(u32) -> String,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_internal: fn(&str) -> String,
    pub err_transport: &'static str,
}
