//! The browser entry point. Pages are server-rendered; only their islands
//! (`#[island]` components: the pipeline board, the organisation form) are
//! hydrated, so the WASM holds those and nothing of the other pages.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script once the module is loaded; the script
/// then hydrates each island on the page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    app::shortcuts::install();
    // The islands are hydrated right after this returns, each within the
    // same task's microtasks; a timer fires after all of them. Lets browser
    // tests (and curious people) know the page is interactive.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Called by the public consent form's page (`/f/{slug}`), which is not
/// an application page: no islands, only the form's checks.
#[wasm_bindgen]
pub fn public_form() {
    console_error_panic_hook::set_once();
    app::public_form::install();
}
