use crate::i18n::{Locale, use_t};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Language choice: a plain form posted to `/lang`, which sets the
/// `accord_lang` cookie and sends the person back to the page they were on.
/// It works the same with or without JavaScript.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let t = use_t();
    let current = use_context::<Locale>().unwrap_or_default();
    let location = use_location();
    view! {
        <form class="lang-switch" method="post" action="/lang">
            <label for="lang-select">{t.language_label}</label>
            <select id="lang-select" name="lang">
                {Locale::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.code() selected=l == current lang=l.code()>
                                {l.endonym()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <input type="hidden" name="back" prop:value=move || location.pathname.get() value=location.pathname.get_untracked()/>
            <button type="submit">{t.language_apply}</button>
        </form>
    }
}
