//! The public consent form's checks in the browser. The page
//! (`server::consent::pages::form`) is plain HTML that works without
//! JavaScript; when the WASM loads, this runs the very checks the server
//! runs (`PublicForm::check`) as the person leaves each field and before
//! sending, showing the same messages in the same places.

use crate::domain::consent::PublicForm;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, Event, HtmlInputElement};

/// Attaches the checks to the page's form, if there is one.
pub fn install() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(data) = document
        .get_element_by_id("accord-form")
        .and_then(|e| e.text_content())
    else {
        return;
    };
    let Ok(form) = serde_json::from_str::<PublicForm>(&data) else {
        return;
    };
    let Ok(Some(element)) = document.query_selector("form[data-accord-form]") else {
        return;
    };
    let form = Rc::new(form);
    let touched = Rc::new(RefCell::new(HashSet::<String>::new()));

    // Leaving a field checks it; typing in a field already checked checks
    // it again, so a corrected value clears its message at once.
    for (kind, touch) in [("focusout", true), ("input", false), ("change", true)] {
        let (form, touched, root) = (form.clone(), touched.clone(), element.clone());
        let handler = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            if let Some(name) = field_name(&event).filter(|_| touch) {
                touched.borrow_mut().insert(name);
            }
            let touched = touched.borrow();
            show(&form, &root, &|field| touched.contains(field));
        });
        let _ = element.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
        handler.forget();
    }
    // A person may have typed before the checks loaded (a slow line, a
    // busy machine): what they already filled in and left is checked now,
    // as if they had left it after the checks arrived.
    let focused = document.active_element();
    for field in form.fields.iter().map(|f| f.key()) {
        let Some(input) = document.get_element_by_id(&format!("f-{field}")) else {
            continue;
        };
        let filled = value(&element, field).is_some_and(|v| !v.is_empty());
        if filled && focused.as_ref() != Some(&input) {
            touched.borrow_mut().insert(field.to_string());
        }
    }
    if !touched.borrow().is_empty() {
        let touched = touched.borrow();
        show(&form, &element, &|field| touched.contains(field));
    }
    // Lets a test (or a stylesheet) tell that the browser checks are on.
    let _ = element.set_attribute("data-checks", "ready");

    let root = element.clone();
    let handler = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        if let Some(first) = show(&form, &root, &|_| true) {
            event.prevent_default();
            if let Some(el) = first.dyn_ref::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
    let _ = element.add_event_listener_with_callback("submit", handler.as_ref().unchecked_ref());
    handler.forget();
}

/// The name of the field an event happened in (`purposes` for a choice).
fn field_name(event: &Event) -> Option<String> {
    let input = event.target()?.dyn_into::<HtmlInputElement>().ok()?;
    let name = input.name();
    if name.starts_with("purpose-") {
        Some("purposes".into())
    } else {
        Some(name)
    }
}

/// A posted value as the server would read it: a checkbox only when ticked.
fn value(root: &Element, name: &str) -> Option<String> {
    let input = root
        .query_selector(&format!("[name=\"{name}\"]"))
        .ok()
        .flatten()?
        .dyn_into::<HtmlInputElement>()
        .ok()?;
    if input.type_() == "checkbox" {
        input.checked().then(|| input.value())
    } else {
        Some(input.value())
    }
}

/// Shows the problems of the fields `which` selects; returns the first
/// element to focus when there is any.
fn show(form: &PublicForm, root: &Element, which: &dyn Fn(&str) -> bool) -> Option<Element> {
    let problems = form
        .check(&|name| value(root, name))
        .err()
        .unwrap_or_default();
    let t = form.language.t();
    let document = web_sys::window()?.document()?;
    let mut first = None;
    let fields = form.fields.iter().map(|f| f.key()).chain(["purposes"]);
    for field in fields {
        if !which(field) {
            continue;
        }
        let message = problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, p)| p.message(t));
        if let Some(span) = document.get_element_by_id(&format!("e-{field}")) {
            span.set_text_content(message.as_deref());
        }
        let target = if field == "purposes" {
            document.get_element_by_id("choices")
        } else {
            document.get_element_by_id(&format!("f-{field}"))
        };
        if let Some(target) = target {
            if message.is_some() {
                let _ = target.set_attribute("aria-invalid", "true");
                first = first.or(Some(target));
            } else {
                let _ = target.remove_attribute("aria-invalid");
            }
        }
    }
    first
}
