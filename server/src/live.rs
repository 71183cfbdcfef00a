//! The live stream's hub: one per `accord` process. A dispatcher task reads
//! the events table in id order and fans every new event out to the
//! process's subscribers (one per open browser tab, `routes::events`).
//!
//! What wakes it: this process's own writes (the router pokes the hub after
//! every request that may write, once its response, hence its commit, is
//! done), PostgreSQL's `NOTIFY` from every instance (one listener
//! connection per process, connected again when it drops), and a poll
//! every second as the safety net (a missed notification, a write by the
//! `accord` command line). Events are therefore never sent before their
//! commit: the dispatcher only sees committed rows.
//!
//! PostgreSQL hands out ids when rows are inserted, not when they commit,
//! so a row can appear after a higher one was read. The dispatcher keeps
//! the ids it jumped over for a few seconds and reads them again until they
//! show up (or their transaction is known lost).

use app::server::storage::{Storage, StoredEvent};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OnceCell, broadcast};

/// How many events a slow subscriber may fall behind before it is told to
/// reload its data instead.
const CHANNEL_CAPACITY: usize = 4_096;
/// The safety-net poll.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How long an id jumped over is waited for.
const HOLE_WAIT: Duration = Duration::from_secs(10);
/// Rows read at a time.
const BATCH: i64 = 500;
/// Events older than this are pruned: a client away longer reloads.
pub const KEEP_EVENTS: Duration = Duration::from_secs(86_400);

pub struct Hub {
    storage: Storage,
    events: broadcast::Sender<Arc<StoredEvent>>,
    wake: Arc<Notify>,
    /// Set once the dispatcher knows where it starts (the last event id
    /// when it started) and runs.
    started: OnceCell<()>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("subscribers", &self.events.receiver_count())
            .finish()
    }
}

impl Hub {
    /// A hub for `storage`; its tasks start with the first poke or
    /// subscriber (inside the runtime).
    pub fn new(storage: Storage) -> Arc<Hub> {
        let (events, _) = broadcast::channel(CHANNEL_CAPACITY);
        Arc::new(Hub {
            storage,
            events,
            wake: Arc::new(Notify::new()),
            started: OnceCell::new(),
        })
    }

    /// Something may have been committed: read the events table now.
    pub fn poke(self: &Arc<Self>) {
        if self.started.initialized() {
            self.wake.notify_one();
        } else {
            let hub = self.clone();
            tokio::spawn(async move {
                hub.start().await;
                hub.wake.notify_one();
            });
        }
    }

    /// Every event committed from now on, in id order (ids jumped over
    /// may come a little later). Returns once the dispatcher runs, so that
    /// nothing committed after this call returns is missed.
    pub async fn subscribe(self: &Arc<Self>) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.start().await;
        self.events.subscribe()
    }

    pub fn subscribers(&self) -> usize {
        self.events.receiver_count()
    }

    /// Starts the dispatcher and the listener, once: the dispatcher's
    /// starting point is read here, before anyone waiting on this goes on
    /// (read inside the dispatcher's own task, an event committed between
    /// the first subscriber and that read would be skipped).
    async fn start(self: &Arc<Self>) {
        self.started
            .get_or_init(|| async {
                let last = loop {
                    match self.storage.events.last_event_id().await {
                        Ok(id) => break id,
                        Err(error) => {
                            tracing::error!(%error, "event dispatcher cannot start; retrying");
                            tokio::time::sleep(POLL_EVERY).await;
                        }
                    }
                };
                tokio::spawn(dispatch(self.clone(), last));
                tokio::spawn(listen(self.storage.clone(), self.wake.clone()));
            })
            .await;
    }
}

/// Keeps the listener connected; each connection wakes the dispatcher
/// when it is made (to catch up) and on every notification.
async fn listen(storage: Storage, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let poke = {
            let wake = wake.clone();
            move || wake.notify_one()
        };
        match storage.events.listen(&poke).await {
            Ok(()) => {
                tracing::warn!("event listener connection lost; connecting again");
                backoff = Duration::from_millis(100);
            }
            Err(error) => {
                tracing::error!(%error, "event listener failed; connecting again");
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        tokio::time::sleep(backoff).await;
    }
}

/// Reads and fans out the events after `last`, for the process's life.
async fn dispatch(hub: Arc<Hub>, mut last: i64) {
    let mut holes: BTreeMap<i64, Instant> = BTreeMap::new();
    loop {
        tokio::select! {
            _ = hub.wake.notified() => {}
            _ = tokio::time::sleep(POLL_EVERY) => {}
        }
        loop {
            let from = holes
                .keys()
                .next()
                .map_or(last, |first| (first - 1).min(last));
            let batch = match hub.storage.events.events_after(from, BATCH).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(%error, "reading events failed");
                    break;
                }
            };
            let full = batch.len() as i64 == BATCH;
            for event in batch {
                if event.id <= last {
                    if holes.remove(&event.id).is_some() {
                        let _ = hub.events.send(Arc::new(event));
                    }
                    continue;
                }
                // A gap this large is ids lost to rolled-back transactions,
                // not commits still to come.
                if event.id - last < 1_000 {
                    let now = Instant::now();
                    for missing in last + 1..event.id {
                        holes.insert(missing, now);
                    }
                }
                last = event.id;
                let _ = hub.events.send(Arc::new(event));
            }
            holes.retain(|_, since| since.elapsed() < HOLE_WAIT);
            if !full {
                break;
            }
        }
    }
}

/// Deletes events older than [`KEEP_EVENTS`], hourly. Idempotent, so safe
/// with several instances on one database.
pub fn spawn_prune(storage: Storage) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3_600));
        loop {
            every_hour.tick().await;
            let before = chrono::Utc::now().timestamp_millis() - KEEP_EVENTS.as_millis() as i64;
            match storage.events.prune_events(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(pruned = n, "live events pruned"),
                Err(error) => tracing::error!(%error, "pruning live events failed"),
            }
        }
    });
}
