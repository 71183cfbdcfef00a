//! Counting the SQL statements a piece of code sends: sqlx reports each
//! statement as a `sqlx::query` tracing event, inside the caller's span
//! (the SQLite worker thread enters it too). A global subscriber notes the
//! events under a `statement_probe` span, by the probe's number, so tests
//! running in parallel each count their own.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use tracing::Instrument;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

static SEEN: OnceLock<Mutex<HashMap<u64, Vec<String>>>> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(1);
static INSTALLED: OnceLock<bool> = OnceLock::new();

struct Probe(u64);

struct Counter;

struct ProbeField(Option<u64>);

impl Visit for ProbeField {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "probe" {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn Debug) {}
}

/// The statement's text (`db.statement`), or its summary, which is all
/// sqlx gives for a short one such as COMMIT.
struct Statement(String, String);

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "db.statement" => self.0 = value.to_string(),
            "summary" => self.1 = value.to_string(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        match field.name() {
            "db.statement" if self.0.is_empty() => self.0 = format!("{value:?}"),
            "summary" if self.1.is_empty() => self.1 = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for Counter
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        if attrs.metadata().name() != "statement_probe" {
            return;
        }
        let mut probe = ProbeField(None);
        attrs.record(&mut probe);
        if let (Some(n), Some(span)) = (probe.0, ctx.span(id)) {
            span.extensions_mut().insert(Probe(n));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = ctx.event_scope(event) else {
            return;
        };
        for span in scope {
            if let Some(Probe(n)) = span.extensions().get::<Probe>() {
                let mut statement = Statement(String::new(), String::new());
                event.record(&mut statement);
                if statement.0.trim().is_empty() {
                    statement.0 = statement.1;
                }
                SEEN.get_or_init(Default::default)
                    .lock()
                    .unwrap()
                    .entry(*n)
                    .or_default()
                    .push(statement.0);
                return;
            }
        }
    }
}

/// Runs `work` and returns its output with the statements it sent, less
/// the transaction's own BEGIN / COMMIT / ROLLBACK and the PRAGMAs of a
/// SQLite connection the pool happens to open meanwhile (set-up, not work).
pub async fn statements_of<F: Future>(work: F) -> (F::Output, Vec<String>) {
    let installed = *INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Counter))
            .is_ok()
    });
    assert!(installed, "another global tracing subscriber is installed");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let output = work
        .instrument(tracing::info_span!("statement_probe", probe = n))
        .await;
    let seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .remove(&n)
        .unwrap_or_default();
    let statements = seen
        .into_iter()
        .filter(|s| {
            let s = s.trim_start().trim_start_matches('"').to_ascii_uppercase();
            ![
                "BEGIN",
                "COMMIT",
                "ROLLBACK",
                "SAVEPOINT",
                "RELEASE",
                "PRAGMA",
            ]
            .iter()
            .any(|k| s.starts_with(k))
        })
        .collect();
    (output, statements)
}
