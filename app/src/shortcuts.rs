//! Keyboard shortcuts that hold on every page: `/` for the search box,
//! `C` for logging a call on a person's or company's page (Ctrl+Enter
//! saves it). They act on the server-rendered page by element id, so they
//! need no island: the browser entry point installs them once.

use leptos::prelude::*;

/// Installs every page-wide shortcut; called once when the WASM starts.
pub fn install() {
    focus_search_on_slash();
    open_on_c();
}

/// Whether the key went to a field being typed in: it is text, not a
/// shortcut.
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("contenteditable")
        })
}

/// `/` anywhere outside a text field moves the focus to the search box.
fn focus_search_on_slash() {
    use wasm_bindgen::JsCast;
    let handle = window_event_listener(leptos::ev::keydown, |event| {
        if event.key() != "/" || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        if typing(&event) {
            return;
        }
        if let Some(input) = document()
            .get_element_by_id("global-search")
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            event.prevent_default();
            let _ = input.focus();
        }
    });
    // For the page's lifetime: a page load replaces the whole module.
    std::mem::forget(handle);
}

/// `C` outside a text field opens the log form on a call and puts the
/// focus in it.
fn open_on_c() {
    use wasm_bindgen::JsCast;
    let handle = window_event_listener(leptos::ev::keydown, |event| {
        let key = event.key();
        // Ctrl+Enter (⌘+Enter) in the notes saves the entry.
        if key == "Enter" && (event.ctrl_key() || event.meta_key()) {
            let form = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                .filter(|area| area.id() == "interaction-notes")
                .and_then(|area| area.form());
            if let Some(form) = form {
                event.prevent_default();
                let _ = form.request_submit();
            }
            return;
        }
        if !(key == "c" || key == "C") || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        if typing(&event) {
            return;
        }
        let Some(details) = document().get_element_by_id("log-interaction") else {
            return;
        };
        event.prevent_default();
        let _ = details.set_attribute("open", "");
        if let Some(kind) = document()
            .get_element_by_id("interaction-kind")
            .and_then(|el| el.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            // A call is the default; set it again in case it was changed.
            kind.set_value("call");
            let _ = kind.focus();
        }
    });
    // For the page's lifetime: a page load replaces the whole module.
    std::mem::forget(handle);
}
