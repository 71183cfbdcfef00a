use leptos::prelude::*;

/// A labelled, required input with its help text and error message wired
/// for screen readers (`aria-describedby`, `aria-invalid`). The form field
/// is named `name`, or `id` when no name is given.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    error: Option<String>,
    value: String,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] help: Option<String>,
    /// Not required (the label says so).
    #[prop(optional)]
    optional: bool,
) -> impl IntoView {
    let described = if help.is_some() {
        format!("{id}-help {id}-error")
    } else {
        format!("{id}-error")
    };
    let invalid = if error.is_some() { "true" } else { "false" };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=name.unwrap_or(id) type=kind autocomplete=autocomplete required=!optional value=value
                aria-invalid=invalid aria-describedby=described/>
            {help.map(|h| view! { <p id=format!("{id}-help") class="help">{h}</p> })}
            <p id=format!("{id}-error") class="field-error">{error}</p>
        </div>
    }
}
