use super::Catalogue;

pub const CATALOGUE: Catalogue = Catalogue {
    app_name: "Accord",
    skip_to_content: "Skip to content",
    nav_label: "Main",
    nav_home: "Home",
    nav_contacts: "Contacts",
    nav_companies: "Companies",
    nav_pipeline: "Pipeline",
    nav_dashboard: "Dashboard",
    nav_campaigns: "Campaigns",
    nav_privacy: "Privacy",
    nav_settings: "Settings",
    language_label: "Language",
    language_apply: "Apply",
    footer_self_hosted: "Self-hosted: every record stays on this server, and Accord makes no request to any other site.",
    loading: "Loading…",

    home_title: "Home",
    home_intro: "Your customer relationships, kept lawfully and on your own server.",
    org_section_title: "Organisation",
    org_name_label: "Organisation name",
    org_name_help: "Shown at the top of every page and in the messages Accord sends on your behalf.",
    org_updated_at: |when| format!("Last changed {when} (UTC)."),
    save: "Save",
    saving: "Saving…",
    saved: "Saved.",

    contacts_intro: "People and their provenance: who they are, where they came from and on which legal basis you hold their data.",
    companies_intro: "The organisations your contacts work for, with their people and history.",
    pipeline_intro: "Deals on a board, stage by stage, with totals and weighted forecast.",
    dashboard_intro: "Pipeline, forecast, funnel and win rate, updated live.",
    campaigns_intro: "Segments and e-mail campaigns sent only to people the law allows you to reach.",
    privacy_intro: "Consents and their proof, requests from people about their data, retention and the register of processing.",
    settings_intro: "Organisation, users, roles and configuration.",
    area_not_ready: "This area is being built. It will appear here in a coming release.",

    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address. It may have moved, or the link may be mistyped.",
    back_home: "Back to the home page",

    sign_in_title: "Sign in",
    sign_in_intro: "Sign in with the e-mail address and password of your Accord account.",
    email_label: "E-mail address",
    password_label: "Password",
    password_confirm_label: "Password again",
    password_help: |min| format!("At least {min} characters. A short sentence works well."),
    display_name_label: "Your name",
    sign_in_button: "Sign in",
    sign_out_button: "Sign out",
    signed_in_as: |name| format!("Signed in as {name}"),
    setup_title: "Finish setting up Accord",
    setup_intro: "Create the first administrator account. You will use it to invite your colleagues.",
    setup_needs_link: "Accord has no account yet. Open the set-up link that the accord program printed when it started (on its console or in its log), or create the first administrator with: accord user create --email you@example.com --role admin",
    setup_button: "Create the administrator account",

    sessions_title: "Your sessions",
    sessions_intro: "Browsers where you are signed in. End any you do not recognise.",
    session_started: "Signed in",
    session_last_seen: "Last active",
    session_address: "Address",
    session_browser: "Browser",
    session_this_one: "This browser",
    session_end: "End",
    users_title: "Users",
    user_name: "Name",
    user_role: "Role",
    user_status: "Status",
    user_active: "Active",
    user_inactive: "Deactivated",
    user_deactivate: "Deactivate",
    user_reactivate: "Reactivate",
    user_create_title: "Add a user",
    user_first_password: "First password",
    user_create_button: "Add the user",
    role_name: |role| match role {
        crate::domain::Role::Admin => "Administrator",
        crate::domain::Role::Manager => "Manager",
        crate::domain::Role::Sales => "Sales",
        crate::domain::Role::Marketing => "Marketing",
        crate::domain::Role::Dpo => "Data protection officer",
        crate::domain::Role::Readonly => "Read only",
    },

    err_required: "This field is required.",
    err_too_long: |max| format!("At most {max} characters."),
    err_control_characters: "Remove line breaks and invisible characters.",
    err_invalid_email: "Enter an e-mail address such as name@example.com.",
    err_password_too_short: |min| {
        format!("Use at least {min} characters. A few words make a strong, memorable password.")
    },
    err_password_too_common: "This password is among the most commonly used ones. Choose another.",
    err_passwords_differ: "The two passwords are not the same.",
    err_unknown_role: "Choose one of the listed roles.",
    err_email_taken: "A user with this e-mail address already exists.",
    err_cannot_deactivate_self: "You cannot deactivate your own account.",
    err_unauthenticated: "Please sign in to continue.",
    err_invalid_credentials: "Wrong e-mail address or password.",
    err_too_many_attempts: |minutes| {
        if minutes <= 1 {
            "Too many failed attempts. Try again in a minute.".to_string()
        } else {
            format!("Too many failed attempts. Try again in {minutes} minutes.")
        }
    },
    err_invalid_setup_link: "This set-up link is not valid (or was already used). Use the link printed by the accord program.",
    err_forbidden: "Your role does not allow this.",
    err_not_found: "This record no longer exists.",
    err_conflict: "Someone else changed this at the same time. Reload to see the current version.",
    err_internal: |request_id| {
        format!(
            "Something went wrong on the server. Nothing was changed. If it persists, give your administrator this reference: {request_id}."
        )
    },
    err_transport: "The server could not be reached. Check your connection and try again.",
};
