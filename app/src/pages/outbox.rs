//! Settings → Outbox: the mail Accord sent or is about to send. With no
//! mail server configured (`SMTP_URL`), mail waits here, so that a new
//! installation can follow a whole double opt-in on one machine: open the
//! confirmation link from the message below.

use crate::api::get_outbox;
use crate::domain::consent::{OUTBOX_SHOWN, OutboxView};
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let t = use_t();
    let mails = Resource::new(|| (), |_| get_outbox());
    view! {
        <Title text=t.outbox_title/>
        <p><a href="/settings">{t.nav_settings}</a></p>
        <h1>{t.outbox_title}</h1>
        <p class="lede">{t.outbox_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(list) if list.is_empty() => Either::Left(Either::Left(view! { <p>{t.outbox_empty}</p> })),
                    Ok(list) => {
                        let count = (t.outbox_count)(list.len(), (list.len() as i64) < OUTBOX_SHOWN);
                        Either::Left(Either::Right(view! {
                            <p>{count}</p>
                            <ol class="outbox">
                                {list.into_iter().enumerate().map(|(i, m)| view! { <Mail mail=m open=i == 0/> }).collect_view()}
                            </ol>
                        }))
                    }
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        Either::Right(view! { <p class="form-error" role="alert">{e.message(t)}</p> })
                    }
                }
            })}
        </Transition>
    }
}

/// One mail: who, when and what became of it; its text folded away but
/// for the newest, so that a long outbox can be scanned.
#[component]
fn Mail(mail: OutboxView, open: bool) -> impl IntoView {
    let t = use_t();
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|at| format!("{} UTC", crate::time_format::minutes(&at)))
            .unwrap_or_default()
    };
    let (status, class) = match (mail.sent_ms, mail.attempts) {
        (Some(ms), _) => ((t.outbox_sent)(&when(ms)), "status"),
        (None, 0) => (t.outbox_waiting.to_string(), "status waiting"),
        (None, n) => ((t.outbox_retrying)(n, &mail.last_error), "status failing"),
    };
    let heading = format!("mail-{}", mail.id);
    let labelled = heading.clone();
    view! {
        <li class="card wide" aria-labelledby=labelled data-mail=mail.id.to_string()>
            <h2 id=heading>{mail.subject.clone()}</h2>
            <p><strong>{t.outbox_to}</strong> " " {mail.recipient.clone()} " · " {when(mail.created_ms)}</p>
            <p class=class>{status}</p>
            {(!mail.body.is_empty()).then(|| view! {
                <details open=open>
                    <summary>{t.outbox_message}</summary>
                    <pre class="mail-body">{mail.body.clone()}</pre>
                </details>
            })}
        </li>
    }
}
