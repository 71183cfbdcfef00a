//! Mail: what a form submission sends, and its delivery from the outbox.
//!
//! Mail is written to the outbox in the transaction that makes it
//! necessary, so a crash cannot lose it nor send it for something that
//! was never recorded. With `SMTP_URL` set, a delivery task per instance
//! claims due mail (several instances never claim the same) and sends it;
//! a delivered mail's body (which holds links) is erased. Without it, mail
//! stays in the outbox for administrators to read (Settings → Outbox).

use app::i18n::Catalogue;
use app::server::storage::{OutboxMail, Storage};
use chrono::Utc;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The confirmation mail of a submission: subject and body.
pub fn confirmation(
    t: &Catalogue,
    organisation: &str,
    purposes: &[String],
    confirm_url: &str,
    withdraw_url: &str,
) -> (String, String) {
    let list: String = purposes.iter().map(|p| format!("- {p}\n")).collect();
    (
        (t.mail_confirm_subject)(organisation),
        (t.mail_confirm_body)(organisation, list.trim_end(), confirm_url, withdraw_url),
    )
}

/// How long a claimed mail is left to its instance before another may try.
const LEASE: Duration = Duration::from_secs(300);

/// How often the outbox is looked at without being woken (mail written by
/// another instance, retries).
const POLL: Duration = Duration::from_secs(30);

/// The wait before the next try after `attempts` failed ones: 1, 2, 4 …
/// minutes, at most 6 hours.
fn backoff(attempts: i64) -> chrono::Duration {
    let minutes = 1i64 << attempts.clamp(1, 9).saturating_sub(1);
    chrono::Duration::minutes(minutes.min(360))
}

/// Sends mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp_url` and `from` were checked when the configuration was read.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| e.to_string())?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, mail: &OutboxMail) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Delivers due mail until the process ends: at once when `wakeup` is
/// notified (a submission on this instance), otherwise every [`POLL`].
pub fn spawn_delivery(storage: Storage, mailer: Mailer, wakeup: Arc<Notify>) {
    tokio::spawn(async move {
        loop {
            deliver_due(&storage, &mailer).await;
            tokio::select! {
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// One pass over the outbox; returns how many mails were delivered.
#[tracing::instrument(skip_all)]
pub async fn deliver_due(storage: &Storage, mailer: &Mailer) -> usize {
    let mut delivered = 0;
    loop {
        let now = Utc::now();
        let lease = chrono::Duration::from_std(LEASE).unwrap_or_default();
        let batch = match storage.consent.claim_mail(now, now + lease, 20).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::error!(%error, "reading the outbox failed");
                return delivered;
            }
        };
        if batch.is_empty() {
            return delivered;
        }
        for mail in batch {
            match mailer.send(&mail).await {
                Ok(()) => {
                    delivered += 1;
                    if let Err(error) = storage.consent.mail_sent(mail.id, Utc::now()).await {
                        tracing::error!(%error, id = mail.id, "mail sent but not marked so");
                    }
                }
                Err(error) => {
                    let retry_at = Utc::now() + backoff(mail.attempts);
                    tracing::warn!(id = mail.id, attempts = mail.attempts, %error, %retry_at, "mail not delivered; will retry");
                    if let Err(error) = storage.consent.mail_failed(mail.id, &error, retry_at).await
                    {
                        tracing::error!(%error, id = mail.id, "recording a delivery failure failed");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_slow_down_and_stop_growing() {
        assert_eq!(backoff(1), chrono::Duration::minutes(1));
        assert_eq!(backoff(2), chrono::Duration::minutes(2));
        assert_eq!(backoff(4), chrono::Duration::minutes(8));
        assert_eq!(backoff(50), chrono::Duration::minutes(256));
    }

    #[test]
    fn the_confirmation_names_the_purposes_and_both_links() {
        let (subject, body) = confirmation(
            app::i18n::Locale::Fr.t(),
            "Acme",
            &["Lettre mensuelle".into()],
            "https://crm/c/abc",
            "https://crm/w/def",
        );
        assert!(subject.contains("Acme"));
        assert!(body.contains("- Lettre mensuelle"));
        assert!(body.contains("https://crm/c/abc"));
        assert!(body.contains("https://crm/w/def"));
    }
}
