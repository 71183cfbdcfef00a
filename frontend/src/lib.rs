//! The browser entry point: hydrates the server-rendered page.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Some pages live in chunks loaded on demand (`app::pages::lazy`), so
    // hydration is asynchronous: the page's chunk is fetched first.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a server-rendered page has a body");
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        // Lets browser tests (and curious people) know the page is interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
