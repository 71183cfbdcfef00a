//! Reminders to the DPO as requests near their due date: once at seven
//! days, once at two, to every active DPO (or, with none, every active
//! administrator), in English and French (users have no language of their
//! own). Run by the hourly upkeep; each reminder goes out once whichever
//! instance claims it.

use app::domain::Role;
use app::i18n::Locale;
use app::server::storage::{Reminder, Storage, StorageError};
use chrono::{DateTime, Utc};

/// Sends the reminders due at `now`; returns what was claimed.
#[tracing::instrument(skip(storage), err)]
pub async fn run(
    storage: &Storage,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Vec<Reminder>, StorageError> {
    let users = storage.users.list().await?;
    let to = |role: Role| -> Vec<String> {
        users
            .iter()
            .filter(|u| u.active && u.role == role)
            .map(|u| u.email.to_string())
            .collect()
    };
    let mut recipients = to(Role::Dpo);
    if recipients.is_empty() {
        recipients = to(Role::Admin);
    }
    let link = format!("{public_url}/privacy-office");
    let compose = move |claimed: &[Reminder]| {
        let in_language = |locale: Locale| {
            let t = locale.t();
            let lines: String = claimed
                .iter()
                .map(|r| {
                    (t.reminder_line)(
                        r.request_id,
                        r.kind.label(t),
                        &r.email,
                        &r.due_at.format("%Y-%m-%d").to_string(),
                    )
                })
                .collect();
            (
                (t.reminder_mail_subject)(claimed.len()),
                (t.reminder_mail_body)(&lines, &link),
            )
        };
        let (subject, english) = in_language(Locale::En);
        let (_, french) = in_language(Locale::Fr);
        (subject, format!("{english}\n---\n\n{french}"))
    };
    storage.privacy.remind(now, &recipients, &compose).await
}
