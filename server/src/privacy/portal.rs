//! The privacy portal's pages (`/privacy`): the notice, generated from the
//! purposes and the organisation's settings, and the request form. Small
//! standalone documents like the consent pages (`consent::pages`), plain
//! form posts, no script.

use crate::consent::pages::esc;
use app::domain::Problem;
use app::domain::consent::PurposeView;
use app::domain::privacy::RequestKind;
use app::i18n::{Catalogue, Locale};

/// What the notice says besides the purposes.
pub struct Notice<'a> {
    pub organisation: &'a str,
    pub contact: &'a str,
    pub location: &'a str,
    /// The purposes in use (archived ones are not).
    pub purposes: &'a [PurposeView],
}

fn or_not_set<'a>(t: &'a Catalogue, value: &'a str) -> &'a str {
    if value.trim().is_empty() {
        t.privacy_not_set
    } else {
        value
    }
}

/// The notice and the form, empty or as posted with its problems.
pub fn page(
    locale: Locale,
    notice: &Notice,
    posted: &dyn Fn(&str) -> String,
    problems: &[(String, Problem)],
) -> String {
    let t = locale.t();
    let other = match locale {
        Locale::En => ("fr", "Français"),
        Locale::Fr => ("en", "English"),
    };
    let mut html = format!(
        "<p class=\"lang\"><a href=\"/privacy?lang={}\" hreflang=\"{0}\" lang=\"{0}\">{}</a></p>\
         <h1>{}</h1><p>{}</p>\
         <dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        other.0,
        other.1,
        esc(t.privacy_title),
        esc(&(t.portal_intro)(notice.organisation)),
        esc(t.privacy_contact_label),
        esc(or_not_set(t, notice.contact)),
        esc(t.privacy_location_label),
        esc(or_not_set(t, notice.location)),
    );
    html.push_str(&format!("<h2>{}</h2>", esc(t.privacy_purposes_heading)));
    if !notice.purposes.is_empty() {
        html.push_str(&format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(t.privacy_col_purpose),
            esc(t.privacy_col_channel),
            esc(t.privacy_col_basis),
            esc(t.privacy_col_retention),
            esc(t.privacy_col_partners),
        ));
        for p in notice.purposes {
            let partners = if p.partners.is_empty() {
                t.privacy_no_partner.to_string()
            } else {
                p.partners.join(", ")
            };
            html.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(p.name(locale)),
                esc(p.channel.label(t)),
                esc((t.legal_basis_name)(p.legal_basis)),
                esc(&(t.privacy_months)(
                    p.retention_months.clamp(0, i64::from(u32::MAX)) as u32
                )),
                esc(&partners),
            ));
        }
        html.push_str("</tbody></table>");
    }
    html.push_str(&format!(
        "<h2>{}</h2><p>{}</p><h2>{}</h2><p>{}</p>",
        esc(t.privacy_files_heading),
        esc(t.privacy_files_text),
        esc(t.privacy_rights_heading),
        esc(t.privacy_rights_text),
    ));
    html.push_str(&format!(
        "<h2 id=\"request\">{}</h2>",
        esc(t.privacy_form_heading)
    ));
    let problem_of = |field: &str| {
        problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, p)| p.message(t))
    };
    let label_of = |field: &str| match field {
        "kind" => t.privacy_field_kind,
        "email" => t.public_field_email,
        _ => t.privacy_field_details,
    };
    if !problems.is_empty() {
        let items: String = problems
            .iter()
            .map(|(field, problem)| {
                format!(
                    "<li><a href=\"#f-{field}\">{} : {}</a></li>",
                    esc(label_of(field)),
                    esc(&problem.message(t))
                )
            })
            .collect();
        html.push_str(&format!(
            "<div class=\"summary\" role=\"alert\" tabindex=\"-1\" id=\"problems\"><h3>{}</h3><ul>{items}</ul></div>",
            esc(t.public_problems_title)
        ));
    }
    html.push_str(&format!(
        "<form method=\"post\" action=\"/privacy\" novalidate><input type=\"hidden\" name=\"lang\" value=\"{}\">\
         <fieldset id=\"f-kind\" tabindex=\"-1\" aria-describedby=\"e-kind\"><legend>{}</legend>",
        locale.code(),
        esc(t.privacy_field_kind)
    ));
    for kind in RequestKind::ALL {
        let id = format!("k-{}", kind.key());
        html.push_str(&format!(
            "<div class=\"choice\"><input type=\"radio\" id=\"{id}\" name=\"kind\" value=\"{}\"{} required>\
             <label for=\"{id}\">{}</label></div>",
            kind.key(),
            if posted("kind") == kind.key() { " checked" } else { "" },
            esc(kind.label(t)),
        ));
    }
    html.push_str(&format!(
        "<span class=\"problem\" id=\"e-kind\">{}</span></fieldset>",
        esc(&problem_of("kind").unwrap_or_default())
    ));
    let email_problem = problem_of("email");
    html.push_str(&format!(
        "<div class=\"field\"><label for=\"f-email\">{} <span class=\"hint\">({})</span></label>\
         <input id=\"f-email\" name=\"email\" type=\"email\" autocomplete=\"email\" value=\"{}\" required aria-required=\"true\"{} aria-describedby=\"e-email\">\
         <span class=\"problem\" id=\"e-email\">{}</span></div>",
        esc(t.public_field_email),
        esc(t.public_required),
        esc(&posted("email")),
        if email_problem.is_some() { " aria-invalid=\"true\"" } else { "" },
        esc(&email_problem.unwrap_or_default()),
    ));
    let details_problem = problem_of("details");
    html.push_str(&format!(
        "<div class=\"field\"><label for=\"f-details\">{} <span class=\"hint\">({})</span></label>\
         <textarea id=\"f-details\" name=\"details\" rows=\"4\" maxlength=\"{}\"{} aria-describedby=\"e-details\">{}</textarea>\
         <span class=\"problem\" id=\"e-details\">{}</span></div>",
        esc(t.privacy_field_details),
        esc(t.public_optional),
        app::domain::privacy::REQUEST_DETAILS_MAX,
        if details_problem.is_some() { " aria-invalid=\"true\"" } else { "" },
        esc(&posted("details")),
        esc(&details_problem.unwrap_or_default()),
    ));
    html.push_str(&format!(
        "<div class=\"trap\" aria-hidden=\"true\"><label for=\"f-website\">{}</label>\
         <input id=\"f-website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>\
         <p><button type=\"submit\">{}</button></p></form>",
        esc(t.public_honeypot),
        esc(t.privacy_submit)
    ));
    html
}

/// The page a verification link opens: what was asked, and the button.
pub fn confirm(t: &Catalogue, token: &str, kind: RequestKind) -> String {
    format!(
        "<h1>{}</h1><p>{}</p>\
         <form method=\"post\" action=\"/privacy/verify/{}\"><button type=\"submit\">{}</button></form>",
        esc(t.privacy_verify_title),
        esc(&(t.privacy_verify_text)(kind.label(t))),
        esc(token),
        esc(t.privacy_verify_button)
    )
}

/// What the requester is told once the link is confirmed.
pub fn verified_text(t: &Catalogue, kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::WithdrawAll => t.privacy_withdrawn_all,
        RequestKind::Objection => t.privacy_objected,
        _ => t.privacy_verified,
    }
}
