//! The public consent pages (`/f/{slug}`, `/c/{token}`, `/w/{token}`) as
//! complete, small HTML documents: no application shell, no navigation,
//! one stylesheet of a few kilobytes, so that a page is far under 30 KB
//! and can be shown inside another site's `<iframe>`. Everything works
//! with plain form posts; with JavaScript, the same checks as the server's
//! (`PublicForm::check`, compiled to WASM) run as the person types.

use app::domain::Problem;
use app::domain::consent::{ConsentNow, FormField, PublicForm, purpose_input, text_input};
use app::i18n::{Catalogue, Locale};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs from text typed with blank lines between them.
pub fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", esc(p.trim()).replace('\n', "<br>")))
        .collect()
}

/// A page: its language, title, body and who may frame it.
pub struct Page<'a> {
    pub locale: Locale,
    pub title: &'a str,
    pub body: String,
    /// Origins allowed to show the page in a frame; none: no framing.
    pub frame_ancestors: &'a [String],
    /// The nonce of the page's one script, if it has one.
    pub nonce: Option<String>,
}

impl Page<'_> {
    pub fn respond(self, status: StatusCode) -> Response {
        let frame = if self.frame_ancestors.is_empty() {
            "'none'".to_string()
        } else {
            self.frame_ancestors.join(" ")
        };
        let script = match &self.nonce {
            Some(nonce) => format!("'nonce-{nonce}' 'wasm-unsafe-eval'"),
            None => "'none'".to_string(),
        };
        let policy = format!(
            "default-src 'none'; script-src {script}; connect-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors {frame}"
        );
        let html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"color-scheme\" content=\"light dark\"><title>{}</title>\
             <link rel=\"stylesheet\" href=\"/form.css\"></head><body><main class=\"public\">{}</main></body></html>",
            self.locale.code(),
            esc(self.title),
            self.body
        );
        let mut response = (status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        if !self.frame_ancestors.is_empty() {
            // The CSP above names who may frame the form; the older header
            // has no way to say so and would forbid them all.
            headers.insert(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("ALLOWALL"),
            );
        }
        response
    }
}

/// A page with a title and one message (and perhaps a link back).
pub fn message(t: &Catalogue, title: &str, text: &str, back: Option<&str>) -> String {
    let back = back
        .map(|href| {
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                esc(href),
                esc(t.public_back_to_form)
            )
        })
        .unwrap_or_default();
    format!(
        "<h1>{}</h1><p role=\"status\">{}</p>{back}",
        esc(title),
        esc(text)
    )
}

/// The form, empty or as posted with its problems.
pub fn form(
    form: &PublicForm,
    value: &dyn Fn(&str) -> Option<String>,
    ticked: &dyn Fn(&str) -> bool,
    problems: &[(String, Problem)],
    nonce: &str,
) -> String {
    let t = form.language.t();
    let mut html = format!("<h1>{}</h1>{}", esc(&form.title), paragraphs(&form.intro));
    let problem_of = |field: &str| {
        problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, p)| p.message(t))
    };
    if !problems.is_empty() {
        let items: String = problems
            .iter()
            .map(|(field, problem)| {
                let target = if field == "purposes" {
                    "choices".to_string()
                } else {
                    format!("f-{field}")
                };
                let label = FormField::parse(field)
                    .map(|f| format!("{} : ", f.label(t)))
                    .unwrap_or_default();
                format!(
                    "<li><a href=\"#{target}\">{}{}</a></li>",
                    esc(&label),
                    esc(&problem.message(t))
                )
            })
            .collect();
        html.push_str(&format!(
            "<div class=\"summary\" role=\"alert\" tabindex=\"-1\" id=\"problems\"><h2>{}</h2><ul>{items}</ul></div>",
            esc(t.public_problems_title)
        ));
    }
    html.push_str(&format!(
        "<form method=\"post\" action=\"/f/{}\" novalidate data-accord-form>\
         <input type=\"hidden\" name=\"form_version\" value=\"{}\">",
        esc(&form.slug),
        form.version_id
    ));
    for field in &form.fields {
        let key = field.key();
        let required = FormField::ALWAYS.contains(field);
        let kind = match field {
            FormField::Email => "email",
            FormField::Phone => "tel",
            _ => "text",
        };
        let problem = problem_of(key);
        let described = format!("e-{key}");
        html.push_str(&format!(
            "<div class=\"field\"><label for=\"f-{key}\">{} <span class=\"hint\">({})</span></label>\
             <input id=\"f-{key}\" name=\"{key}\" type=\"{kind}\" autocomplete=\"{}\" value=\"{}\"{}{} aria-describedby=\"{described}\">\
             <span class=\"problem\" id=\"{described}\">{}</span></div>",
            esc(field.label(t)),
            esc(if required { t.public_required } else { t.public_optional }),
            field.autocomplete(),
            esc(&value(key).unwrap_or_default()),
            if required { " required aria-required=\"true\"" } else { "" },
            if problem.is_some() { " aria-invalid=\"true\"" } else { "" },
            esc(&problem.unwrap_or_default()),
        ));
    }
    let choices_problem = problem_of("purposes");
    html.push_str(&format!(
        "<fieldset id=\"choices\" tabindex=\"-1\" aria-describedby=\"e-purposes\"><legend>{}</legend>",
        esc(t.public_choices_legend)
    ));
    for purpose in &form.purposes {
        let name = purpose_input(purpose.purpose_id);
        html.push_str(&format!(
            "<div class=\"choice\"><input type=\"checkbox\" id=\"{name}\" name=\"{name}\" value=\"on\"{}>\
             <label for=\"{name}\"><strong>{}</strong> <span class=\"channel\">({})</span><span class=\"text\">{}</span></label>\
             <input type=\"hidden\" name=\"{}\" value=\"{}\"></div>",
            if ticked(&name) { " checked" } else { "" },
            esc(purpose.name(form.language)),
            esc(purpose.channel.label(t)),
            esc(&purpose.text).replace('\n', "<br>"),
            text_input(purpose.purpose_id),
            purpose.text_id,
        ));
    }
    html.push_str(&format!(
        "<span class=\"problem\" id=\"e-purposes\">{}</span></fieldset>",
        esc(&choices_problem.unwrap_or_default())
    ));
    // The trap: hidden from people (and from screen readers), filled in
    // by robots that fill in every field.
    html.push_str(&format!(
        "<div class=\"trap\" aria-hidden=\"true\"><label for=\"f-website\">{}</label>\
         <input id=\"f-website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>",
        esc(t.public_honeypot)
    ));
    html.push_str(&format!(
        "<p class=\"privacy\"><a href=\"{}\" target=\"_blank\" rel=\"noopener\">{}</a></p>\
         <p><button type=\"submit\">{}</button></p></form>",
        esc(&form.privacy_url),
        esc(t.public_privacy_link),
        esc(t.public_submit)
    ));
    // What the browser checks with: the form as the server knows it,
    // without what only the server needs.
    let shared = PublicForm {
        owner_id: 0,
        frame_ancestors: Vec::new(),
        thanks: String::new(),
        ..form.clone()
    };
    let json = serde_json::to_string(&shared)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html.push_str(&format!(
        "<script type=\"application/json\" id=\"accord-form\">{json}</script>\
         <script type=\"module\" nonce=\"{nonce}\">import init, {{ public_form }} from '/pkg/accord.js'; \
         init({{ module_or_path: '/pkg/accord.wasm' }}).then(() => public_form());</script>"
    ));
    html
}

/// The page a confirmation link opens: what it confirms, and the button.
pub fn confirm(t: &Catalogue, token: &str, purposes: &[(i64, String)]) -> String {
    let items: String = purposes
        .iter()
        .map(|(_, name)| format!("<li>{}</li>", esc(name)))
        .collect();
    format!(
        "<h1>{}</h1><p>{}</p><ul>{items}</ul>\
         <form method=\"post\" action=\"/c/{}\"><button type=\"submit\">{}</button></form>",
        esc(t.confirm_title),
        esc(t.confirm_intro),
        esc(token),
        esc(t.confirm_button)
    )
}

/// The page a withdrawal link opens: each consent with its button.
pub fn withdraw(t: &Catalogue, token: &str, consents: &[ConsentNow]) -> String {
    let mut html = format!("<h1>{}</h1>", esc(t.withdraw_title));
    let active: Vec<&ConsentNow> = consents
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                app::domain::consent::ConsentStatus::Given
                    | app::domain::consent::ConsentStatus::Pending
            )
        })
        .collect();
    if active.is_empty() {
        html.push_str(&format!("<p role=\"status\">{}</p>", esc(t.withdraw_none)));
        return html;
    }
    html.push_str(&format!(
        "<p>{}</p><ul class=\"consents\">",
        esc(t.withdraw_intro)
    ));
    for consent in &active {
        html.push_str(&format!(
            "<li><span><strong>{}</strong> ({}) — {}</span>\
             <form method=\"post\" action=\"/w/{}\"><input type=\"hidden\" name=\"purpose\" value=\"{}\">\
             <button type=\"submit\" aria-label=\"{} : {}\">{}</button></form></li>",
            esc(&consent.purpose_name),
            esc(consent.channel.label(t)),
            esc(consent.status.label(t)),
            esc(token),
            consent.purpose_id,
            esc(t.withdraw_button),
            esc(&consent.purpose_name),
            esc(t.withdraw_button),
        ));
    }
    html.push_str(&format!(
        "</ul><form method=\"post\" action=\"/w/{}\"><input type=\"hidden\" name=\"purpose\" value=\"all\">\
         <button type=\"submit\">{}</button></form>",
        esc(token),
        esc(t.withdraw_all_button)
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(paragraphs("a<b\nc\n\nd"), "<p>a&lt;b<br>c</p><p>d</p>");
    }
}
