//! Server-side state, built once at start-up and shared by every request.

use app::domain::consent::PublicForm;
use app::server::storage::Storage;
use app::server::{ServerContext, SessionSettings, SetupLink, SignInLimits};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub storage: Storage,
    pub dev_reload_port: Option<u32>,
    pub sessions: SessionSettings,
    pub sign_in_limits: SignInLimits,
    pub setup: Arc<SetupLink>,
    /// Set once an account exists (see `session_layer::has_users`).
    pub has_users: Arc<AtomicBool>,
    /// The live stream's fan-out (see `crate::live`).
    pub hub: Arc<crate::live::Hub>,
    /// What the public consent pages need besides storage.
    pub consent: ConsentRuntime,
}

/// Settings and signals of the consent pages and mail.
#[derive(Clone)]
pub struct ConsentRuntime {
    /// The base of links in mail (`ACCORD_PUBLIC_URL`), no trailing slash.
    pub public_url: String,
    /// Wakes this instance's mail delivery after a mail is written.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// Submissions one client address may make per rate window.
    pub rate_limit: i64,
    /// Where form submissions are recorded (group commit).
    pub queue: Arc<crate::consent::queue::SubmissionQueue>,
    /// The organisation's name for mail, read at most once a minute.
    organisation: Arc<tokio::sync::Mutex<Option<(std::time::Instant, String)>>>,
    /// The public forms as last read, by address (see `form`).
    forms: Arc<std::sync::Mutex<HashMap<String, (std::time::Instant, PublicForm)>>>,
}

/// How long a submission may use a form read by an earlier request.
const FORM_KEPT: std::time::Duration = std::time::Duration::from_secs(5);

impl ConsentRuntime {
    /// The public form at `slug`, and whether it was kept from an earlier
    /// read. `kept_is_fine`: a submission may use one read in the last few
    /// seconds (the writer checks the version it was made on inside its
    /// transaction, so a stale copy never records anything); pages read
    /// it afresh.
    pub async fn form(
        &self,
        storage: &Storage,
        slug: &str,
        kept_is_fine: bool,
    ) -> Result<Option<(PublicForm, bool)>, app::server::storage::StorageError> {
        if kept_is_fine
            && let Some((at, form)) = self.forms.lock().expect("forms cache").get(slug)
            && at.elapsed() < FORM_KEPT
        {
            return Ok(Some((form.clone(), true)));
        }
        let found = storage.consent.public_form(slug).await?;
        let mut forms = self.forms.lock().expect("forms cache");
        match &found {
            Some(form) => {
                forms.insert(slug.to_string(), (std::time::Instant::now(), form.clone()));
            }
            None => {
                forms.remove(slug);
            }
        }
        Ok(found.map(|f| (f, false)))
    }

    /// The organisation's name as mail signs with it. Kept a minute: a
    /// renaming reaches mail within that time, and a submission spares a
    /// round trip to the database.
    pub async fn organisation_name(
        &self,
        storage: &Storage,
    ) -> Result<String, app::server::storage::StorageError> {
        let mut cached = self.organisation.lock().await;
        if let Some((at, name)) = cached.as_ref()
            && at.elapsed() < std::time::Duration::from_secs(60)
        {
            return Ok(name.clone());
        }
        let name = storage.organisation.get().await?.name.to_string();
        *cached = Some((std::time::Instant::now(), name.clone()));
        Ok(name)
    }
}

impl ConsentRuntime {
    /// Default settings; starts the submission writer on `storage` (so it
    /// needs a running Tokio runtime).
    pub fn new(storage: Storage) -> Self {
        ConsentRuntime {
            public_url: "http://127.0.0.1:3000".into(),
            mail_wakeup: Arc::new(tokio::sync::Notify::new()),
            rate_limit: crate::routes::consent::RATE_LIMIT,
            queue: crate::consent::queue::SubmissionQueue::start(storage),
            organisation: Arc::new(tokio::sync::Mutex::new(None)),
            forms: Arc::new(std::sync::Mutex::new(HashMap::new())),
        }
    }
}

impl AppState {
    /// The context handed to page renders and server functions.
    pub fn server_context(&self) -> ServerContext {
        ServerContext {
            storage: self.storage.clone(),
            dev_reload_port: self.dev_reload_port,
            sessions: self.sessions,
            sign_in_limits: self.sign_in_limits,
            setup: self.setup.clone(),
            public_url: self.consent.public_url.clone(),
            archives: Arc::new(crate::privacy::archive::Archives {
                storage: self.storage.clone(),
                public_url: self.consent.public_url.clone(),
                mail_wakeup: self.consent.mail_wakeup.clone(),
            }),
            mail_wakeup: self.consent.mail_wakeup.clone(),
        }
    }
}

impl AppState {
    /// State for `storage` with default settings (tests, benchmarks).
    pub fn new(leptos_options: LeptosOptions, storage: Storage) -> Self {
        AppState {
            leptos_options,
            hub: crate::live::Hub::new(storage.clone()),
            consent: ConsentRuntime::new(storage.clone()),
            storage,
            dev_reload_port: None,
            sessions: SessionSettings::default(),
            sign_in_limits: SignInLimits::default(),
            setup: Arc::new(SetupLink::default()),
            has_users: Arc::new(AtomicBool::new(false)),
        }
    }
}
