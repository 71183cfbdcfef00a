//! The i18n layer: every piece of text a person reads comes from a
//! [`Catalogue`], one per language.
//!
//! A catalogue is a plain struct of `&'static str` (and small formatting
//! functions for text with values in it), so a key missing from one language
//! is a compile error, lookups cost nothing, and the WASM bundle carries no
//! parsing runtime. Adding a language means adding a variant to [`Locale`]
//! and one more catalogue file.

mod catalogue;
mod en;
mod fr;

pub use catalogue::Catalogue;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Name of the cookie that remembers a person's language choice.
pub const LANG_COOKIE: &str = "accord_lang";

/// A language Accord speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// The BCP 47 code written into `<html lang>` and the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The language's own name, shown in the language switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }

    /// Reads a language tag such as `fr`, `fr-FR` or `EN-gb`.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// Picks the best language from an `Accept-Language` header, honouring
    /// quality values; English when nothing offered is spoken here.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut best: Option<(Locale, f32)> = None;
        for (position, item) in accept_language.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // Earlier entries win ties: subtract a tiny amount per position.
            let score = quality - position as f32 * 1e-4;
            if quality > 0.0 && best.is_none_or(|(_, s)| score > s) {
                best = Some((locale, score));
            }
        }
        best.map(|(l, _)| l).unwrap_or_default()
    }

    /// This language's catalogue.
    pub fn t(self) -> &'static Catalogue {
        match self {
            Locale::En => &en::CATALOGUE,
            Locale::Fr => &fr::CATALOGUE,
        }
    }
}

/// The language of the current request (server) or page (browser).
///
/// On the server: the language cookie if valid, else `Accept-Language`.
/// In the browser: the `lang` attribute the server wrote on `<html>`, so
/// hydration renders exactly the text the server sent.
pub fn current_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        if let Some(parts) = use_context::<http::request::Parts>() {
            return locale_from_headers(&parts.headers);
        }
    }
    #[cfg(feature = "hydrate")]
    {
        if let Some(lang) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
        {
            return Locale::from_tag(&lang).unwrap_or_default();
        }
    }
    Locale::default()
}

/// Server side: the language for a request's headers.
#[cfg(feature = "ssr")]
pub fn locale_from_headers(headers: &http::HeaderMap) -> Locale {
    let from_cookie =
        crate::server::cookies::cookie_value(headers, LANG_COOKIE).and_then(Locale::from_tag);
    from_cookie.unwrap_or_else(|| {
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Locale::negotiate)
            .unwrap_or_default()
    })
}

/// Puts the current language in the reactive context; called once by `App`.
pub fn provide_locale() -> Locale {
    let locale = current_locale();
    provide_context(locale);
    locale
}

/// The catalogue of the language in context. An island hydrated in the
/// browser has no server-side context above it: it reads the page's
/// `<html lang>`, which the server wrote from the same choice.
pub fn use_t() -> &'static Catalogue {
    use_context::<Locale>().unwrap_or_else(current_locale).t()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_with_quality_values() {
        assert_eq!(Locale::negotiate("fr-FR,fr;q=0.9,en;q=0.8"), Locale::Fr);
        assert_eq!(Locale::negotiate("de-DE,en;q=0.5,fr;q=0.7"), Locale::Fr);
        assert_eq!(Locale::negotiate("en-GB, fr"), Locale::En);
        assert_eq!(Locale::negotiate("de, es"), Locale::En);
        assert_eq!(Locale::negotiate("fr;q=0, en;q=0.1"), Locale::En);
        assert_eq!(Locale::negotiate(""), Locale::En);
        assert_eq!(Locale::negotiate("*"), Locale::En);
    }

    #[test]
    fn reads_tags() {
        assert_eq!(Locale::from_tag("FR_be"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("en"), Some(Locale::En));
        assert_eq!(Locale::from_tag("x"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn cookie_beats_accept_language() {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ACCEPT_LANGUAGE, "en".parse().unwrap());
        headers.insert(http::header::COOKIE, "a=b; accord_lang=fr".parse().unwrap());
        assert_eq!(locale_from_headers(&headers), Locale::Fr);
        headers.insert(http::header::COOKIE, "accord_lang=zz".parse().unwrap());
        assert_eq!(locale_from_headers(&headers), Locale::En);
    }

    #[test]
    fn catalogues_differ_where_they_should() {
        // A cheap guard against a language file copied and left untranslated.
        let (en, fr) = (Locale::En.t(), Locale::Fr.t());
        assert_ne!(en.nav_companies, fr.nav_companies);
        assert_ne!(en.org_name_label, fr.org_name_label);
        assert_ne!((en.err_too_long)(100), (fr.err_too_long)(100));
    }
}
