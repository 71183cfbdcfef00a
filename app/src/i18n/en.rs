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

    err_required: "This field is required.",
    err_too_long: |max| format!("At most {max} characters."),
    err_control_characters: "Remove line breaks and invisible characters.",
    err_unauthenticated: "Please sign in to continue.",
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
