//! The page's one live stream, in the browser: a single `EventSource` on
//! `/api/events` however many islands follow changes (the board, the
//! dashboard, a person's or a company's timeline), each registering what it
//! wants to hear. The browser reconnects by itself and resumes with
//! `Last-Event-ID`; when the server says the gap is too long to replay
//! (`reload`), each follower fetches its data again.

use serde::{Deserialize, Serialize};

/// What the status dot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiveStatus {
    Connecting,
    Live,
    Reconnecting,
    Offline,
}

impl LiveStatus {
    pub fn key(self) -> &'static str {
        match self {
            LiveStatus::Connecting => "connecting",
            LiveStatus::Live => "live",
            LiveStatus::Reconnecting => "reconnecting",
            LiveStatus::Offline => "offline",
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use crate::domain::live::{DEAL_EVENT, DealEvent, RELOAD_EVENT, TIMELINE_EVENT, TimelineEvent};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    type DealHandler = Rc<dyn Fn(DealEvent)>;
    type TimelineHandler = Rc<dyn Fn(TimelineEvent)>;
    type ReloadHandler = Rc<dyn Fn()>;

    struct Stream {
        status: ArcRwSignal<LiveStatus>,
        on_deal: Vec<DealHandler>,
        on_timeline: Vec<TimelineHandler>,
        on_reload: Vec<ReloadHandler>,
    }

    thread_local! {
        static STREAM: RefCell<Option<Stream>> = const { RefCell::new(None) };
    }

    /// Opens the stream (once per page), resuming after event `since`,
    /// and returns its status.
    pub fn connect(since: i64) -> ArcRwSignal<LiveStatus> {
        if let Some(status) = STREAM.with_borrow(|s| s.as_ref().map(|s| s.status.clone())) {
            return status;
        }
        let status = ArcRwSignal::new(LiveStatus::Connecting);
        STREAM.with_borrow_mut(|s| {
            *s = Some(Stream {
                status: status.clone(),
                on_deal: Vec::new(),
                on_timeline: Vec::new(),
                on_reload: Vec::new(),
            })
        });
        let Ok(source) = web_sys::EventSource::new(&format!("/api/events?since={since}")) else {
            status.set(LiveStatus::Offline);
            return status;
        };
        {
            let status = status.clone();
            let on_open = Closure::<dyn Fn()>::new(move || status.set(LiveStatus::Live));
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            on_open.forget();
        }
        {
            let status = status.clone();
            let watched = source.clone();
            let on_error = Closure::<dyn Fn()>::new(move || {
                // CONNECTING: the browser is retrying; CLOSED: it gave up
                // (signed out, refused).
                status.set(if watched.ready_state() == web_sys::EventSource::CLOSED {
                    LiveStatus::Offline
                } else {
                    LiveStatus::Reconnecting
                });
            });
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_error.forget();
        }
        let on_deal =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(|message: web_sys::MessageEvent| {
                let Some(text) = message.data().as_string() else {
                    return;
                };
                let Ok(event) = serde_json::from_str::<DealEvent>(&text) else {
                    return;
                };
                let handlers = STREAM
                    .with_borrow(|s| s.as_ref().map(|s| s.on_deal.clone()).unwrap_or_default());
                for handler in handlers {
                    handler(event.clone());
                }
            });
        let _ =
            source.add_event_listener_with_callback(DEAL_EVENT, on_deal.as_ref().unchecked_ref());
        on_deal.forget();
        let on_timeline =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(|message: web_sys::MessageEvent| {
                let Some(event) = message
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str::<TimelineEvent>(&text).ok())
                else {
                    return;
                };
                let handlers = STREAM.with_borrow(|s| {
                    s.as_ref()
                        .map(|s| s.on_timeline.clone())
                        .unwrap_or_default()
                });
                for handler in handlers {
                    handler(event.clone());
                }
            });
        let _ = source
            .add_event_listener_with_callback(TIMELINE_EVENT, on_timeline.as_ref().unchecked_ref());
        on_timeline.forget();
        let on_reload = Closure::<dyn Fn()>::new(|| {
            let handlers =
                STREAM.with_borrow(|s| s.as_ref().map(|s| s.on_reload.clone()).unwrap_or_default());
            for handler in handlers {
                handler();
            }
        });
        let _ = source
            .add_event_listener_with_callback(RELOAD_EVENT, on_reload.as_ref().unchecked_ref());
        on_reload.forget();
        // The source lives as long as the page.
        std::mem::forget(source);
        status
    }

    /// Calls `handler` with every deal change the reader may see.
    pub fn on_deal(handler: impl Fn(DealEvent) + 'static) {
        STREAM.with_borrow_mut(|s| {
            if let Some(s) = s.as_mut() {
                s.on_deal.push(Rc::new(handler));
            }
        });
    }

    /// Calls `handler` with every timeline entry logged or ticked off on a
    /// person or company the reader may see.
    pub fn on_timeline(handler: impl Fn(TimelineEvent) + 'static) {
        STREAM.with_borrow_mut(|s| {
            if let Some(s) = s.as_mut() {
                s.on_timeline.push(Rc::new(handler));
            }
        });
    }

    /// Calls `handler` when changes were missed: the data must be fetched
    /// again.
    pub fn on_reload(handler: impl Fn() + 'static) {
        STREAM.with_borrow_mut(|s| {
            if let Some(s) = s.as_mut() {
                s.on_reload.push(Rc::new(handler));
            }
        });
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{connect, on_deal, on_reload, on_timeline};
