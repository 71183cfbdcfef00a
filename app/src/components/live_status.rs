use crate::i18n::use_t;
use crate::live::LiveStatus;
use leptos::prelude::*;

/// The live stream's status dot and word (inside an island). Connected in
/// the browser (once per page, shared by every island); "connecting" in
/// the server's rendering.
#[component]
pub fn LiveStatusDot(status: Signal<LiveStatus>) -> impl IntoView {
    let t = use_t();
    view! {
        <p class="live-status" role="status" data-status=move || status.get().key()>
            <span class="live-dot" aria-hidden="true"></span>
            {move || match status.get() {
                LiveStatus::Connecting => t.live_connecting,
                LiveStatus::Live => t.live_live,
                LiveStatus::Reconnecting => t.live_reconnecting,
                LiveStatus::Offline => t.live_offline,
            }}
        </p>
    }
}

/// The stream's status, opening it (resuming after event `since`) in the
/// browser.
pub fn live_status(_since: i64) -> Signal<LiveStatus> {
    #[cfg(feature = "hydrate")]
    let status = crate::live::connect(_since);
    #[cfg(not(feature = "hydrate"))]
    let status = ArcRwSignal::new(LiveStatus::Connecting);
    status.into()
}
