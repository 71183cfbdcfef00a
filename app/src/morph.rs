//! Brings a server-rendered part of the page up to date with fresh HTML
//! from the server, in place: elements that are still there keep their
//! identity (only changed attributes and text are written), so CSS
//! transitions run (a chart's bars grow), focus stays where it was, and a
//! figure whose value changed is marked so that it lights up a moment.
//! Where the shape changed, the part is replaced.

use wasm_bindgen::JsCast;
use web_sys::Element;

/// Morphs the element with id `id` (or the island children wrapper inside
/// it) into `html`.
pub fn morph_into(id: &str, html: &str) {
    let document = leptos::prelude::document();
    let Some(mut target) = document.get_element_by_id(id) else {
        return;
    };
    // An island's server-rendered children sit in a wrapper element.
    if let Some(inner) = target
        .first_element_child()
        .filter(|c| c.tag_name().eq_ignore_ascii_case("leptos-children"))
    {
        target = inner;
    }
    let Ok(fresh) = document.create_element("div") else {
        return;
    };
    fresh.set_inner_html(html);
    morph_children(&target, &fresh);
}

/// Whether `el` holds text of its own besides elements (comments, which
/// the renderer leaves as markers, do not count).
fn has_text(el: &Element) -> bool {
    let nodes = el.child_nodes();
    (0..nodes.length()).filter_map(|i| nodes.item(i)).any(|n| {
        n.node_type() == web_sys::Node::TEXT_NODE
            && n.text_content().is_some_and(|t| !t.trim().is_empty())
    })
}

fn morph_children(old: &Element, new: &Element) {
    let (olds, news) = (old.children(), new.children());
    if olds.length() != news.length() || has_text(old) || has_text(new) {
        if old.inner_html() != new.inner_html() {
            old.set_inner_html(&new.inner_html());
            if old.class_list().contains("kpi-value") {
                flash(old);
            }
        }
        return;
    }
    for i in 0..olds.length() {
        let (Some(o), Some(n)) = (olds.item(i), news.item(i)) else {
            return;
        };
        if o.tag_name() != n.tag_name() {
            if let Ok(copy) = n.clone_node_with_deep(true)
                && let Ok(copy) = copy.dyn_into::<Element>()
            {
                let _ = o.replace_with_with_node_1(&copy);
            }
            continue;
        }
        morph_attributes(&o, &n);
        morph_children(&o, &n);
    }
}

/// Marks a figure that just changed (`changed`, animated by the CSS), so
/// that the eye catches it; restarted when it changes again.
fn flash(el: &Element) {
    let classes = el.class_list();
    let _ = classes.remove_1("changed");
    // Reading the layout ends the running animation before the next.
    let _ = el.get_bounding_client_rect();
    let _ = classes.add_1("changed");
}

fn morph_attributes(old: &Element, new: &Element) {
    let fresh = new.attributes();
    for i in 0..fresh.length() {
        if let Some(attr) = fresh.item(i)
            && old.get_attribute(&attr.name()).as_deref() != Some(attr.value().as_str())
        {
            let _ = old.set_attribute(&attr.name(), &attr.value());
        }
    }
    let stale = old.attributes();
    let gone: Vec<String> = (0..stale.length())
        .filter_map(|i| stale.item(i))
        .map(|a| a.name())
        .filter(|name| !new.has_attribute(name))
        .collect();
    for name in gone {
        let _ = old.remove_attribute(&name);
    }
}
