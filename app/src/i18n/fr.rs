use super::Catalogue;

pub const CATALOGUE: Catalogue = Catalogue {
    app_name: "Accord",
    skip_to_content: "Aller au contenu",
    nav_label: "Principale",
    nav_home: "Accueil",
    nav_contacts: "Contacts",
    nav_companies: "Entreprises",
    nav_pipeline: "Pipeline",
    nav_dashboard: "Tableau de bord",
    nav_campaigns: "Campagnes",
    nav_privacy: "Confidentialité",
    nav_settings: "Paramètres",
    language_label: "Langue",
    language_apply: "Appliquer",
    footer_self_hosted: "Auto-hébergé : chaque donnée reste sur ce serveur, et Accord n’envoie aucune requête à un autre site.",
    loading: "Chargement…",

    home_title: "Accueil",
    home_intro: "Vos relations clients, tenues dans le respect de la loi et sur votre propre serveur.",
    org_section_title: "Organisation",
    org_name_label: "Nom de l’organisation",
    org_name_help: "Affiché en haut de chaque page et dans les messages qu’Accord envoie en votre nom.",
    org_updated_at: |when| format!("Dernière modification le {when} (UTC)."),
    save: "Enregistrer",
    saving: "Enregistrement…",
    saved: "Enregistré.",

    contacts_intro: "Les personnes et leur provenance : qui elles sont, d’où elles viennent et sur quelle base légale vous détenez leurs données.",
    companies_intro: "Les organisations pour lesquelles travaillent vos contacts, avec leurs personnes et leur historique.",
    pipeline_intro: "Les affaires sur un tableau, étape par étape, avec totaux et prévision pondérée.",
    dashboard_intro: "Pipeline, prévisions, entonnoir et taux de réussite, mis à jour en direct.",
    campaigns_intro: "Segments et campagnes e-mail envoyées uniquement aux personnes que la loi vous permet de contacter.",
    privacy_intro: "Les consentements et leur preuve, les demandes des personnes sur leurs données, la conservation et le registre des traitements.",
    settings_intro: "Organisation, utilisateurs, rôles et configuration.",
    area_not_ready: "Cet espace est en construction. Il apparaîtra ici dans une prochaine version.",

    not_found_title: "Page introuvable",
    not_found_body: "Il n’y a rien à cette adresse. La page a peut-être été déplacée, ou le lien est mal saisi.",
    back_home: "Retour à l’accueil",

    sign_in_title: "Connexion",
    sign_in_intro: "Connectez-vous avec l’adresse e-mail et le mot de passe de votre compte Accord.",
    email_label: "Adresse e-mail",
    password_label: "Mot de passe",
    password_confirm_label: "Mot de passe, à nouveau",
    password_help: |min| {
        format!("Au moins {min} caractères. Une courte phrase convient très bien.")
    },
    display_name_label: "Votre nom",
    sign_in_button: "Se connecter",
    sign_out_button: "Se déconnecter",
    signed_in_as: |name| format!("Connecté : {name}"),
    setup_title: "Terminer l’installation d’Accord",
    setup_intro: "Créez le premier compte administrateur. Il vous servira à inviter vos collègues.",
    setup_needs_link: "Accord n’a encore aucun compte. Ouvrez le lien d’installation affiché par le programme accord à son démarrage (sur sa console ou dans son journal), ou créez le premier administrateur avec : accord user create --email vous@exemple.fr --role admin",
    setup_button: "Créer le compte administrateur",

    sessions_title: "Vos sessions",
    sessions_intro: "Les navigateurs où vous êtes connecté. Fermez celles que vous ne reconnaissez pas.",
    session_started: "Connexion",
    session_last_seen: "Dernière activité",
    session_address: "Adresse",
    session_browser: "Navigateur",
    session_this_one: "Ce navigateur",
    session_end: "Fermer",
    users_title: "Utilisateurs",
    user_name: "Nom",
    user_role: "Rôle",
    user_status: "État",
    user_active: "Actif",
    user_inactive: "Désactivé",
    user_deactivate: "Désactiver",
    user_reactivate: "Réactiver",
    user_create_title: "Ajouter un utilisateur",
    user_first_password: "Premier mot de passe",
    user_create_button: "Ajouter l’utilisateur",
    role_name: |role| match role {
        crate::domain::Role::Admin => "Administrateur",
        crate::domain::Role::Manager => "Responsable",
        crate::domain::Role::Sales => "Commercial",
        crate::domain::Role::Marketing => "Marketing",
        crate::domain::Role::Dpo => "Délégué à la protection des données",
        crate::domain::Role::Readonly => "Lecture seule",
    },

    access_log_title: "Journal des accès",
    access_log_intro: "Chaque lecture et modification de données personnelles, et chaque tentative refusée : qui, quand, quoi, d’où. Les entrées ne peuvent être ni modifiées ni supprimées ; elles sont purgées à la fin de la durée de conservation.",
    access_log_user: "Utilisateur (e-mail)",
    access_log_record: "Enregistrement",
    access_log_record_help: "Un type, comme user, ou un type et un identifiant, comme user:12.",
    access_log_from: "Du",
    access_log_to: "Au",
    access_log_filter: "Filtrer",
    access_log_when: "Quand",
    access_log_action: "Action",
    access_log_outcome: "Résultat",
    access_log_allowed: "Autorisé",
    access_log_refused: "Refusé",
    access_log_empty: "Aucune entrée ne correspond à ces filtres.",

    err_required: "Ce champ est obligatoire.",
    err_too_long: |max| format!("{max} caractères au maximum."),
    err_control_characters: "Retirez les retours à la ligne et les caractères invisibles.",
    err_invalid_email: "Saisissez une adresse e-mail comme nom@exemple.fr.",
    err_password_too_short: |min| {
        format!(
            "Utilisez au moins {min} caractères. Quelques mots font un mot de passe solide et facile à retenir."
        )
    },
    err_password_too_common: "Ce mot de passe fait partie des plus utilisés. Choisissez-en un autre.",
    err_passwords_differ: "Les deux mots de passe ne sont pas identiques.",
    err_unknown_role: "Choisissez l’un des rôles proposés.",
    err_email_taken: "Un utilisateur a déjà cette adresse e-mail.",
    err_cannot_deactivate_self: "Vous ne pouvez pas désactiver votre propre compte.",
    err_invalid_date: "Saisissez une date au format AAAA-MM-JJ.",
    err_unauthenticated: "Veuillez vous connecter pour continuer.",
    err_invalid_credentials: "Adresse e-mail ou mot de passe incorrect.",
    err_too_many_attempts: |minutes| {
        if minutes <= 1 {
            "Trop de tentatives échouées. Réessayez dans une minute.".to_string()
        } else {
            format!("Trop de tentatives échouées. Réessayez dans {minutes} minutes.")
        }
    },
    err_invalid_setup_link: "Ce lien d’installation n’est pas valide (ou a déjà servi). Utilisez le lien affiché par le programme accord.",
    err_forbidden: "Votre rôle ne permet pas cette action.",
    err_not_found: "Cet enregistrement n’existe plus.",
    err_conflict: "Quelqu’un d’autre a modifié cet élément au même moment. Rechargez pour voir la version actuelle.",
    err_internal: |request_id| {
        format!(
            "Une erreur est survenue sur le serveur. Rien n’a été modifié. Si elle persiste, donnez cette référence à votre administrateur : {request_id}."
        )
    },
    err_transport: "Le serveur est injoignable. Vérifiez votre connexion et réessayez.",
};
