//! Percent-encoding for query strings built by hand (the no-JavaScript form
//! round trip). Kept tiny and dependency-free so it costs nothing in WASM.

/// Encodes `value` for use as a query-string component: everything except
/// RFC 3986 unreserved characters is percent-encoded as UTF-8 bytes.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Keeps only the path of a `Referer`-style URL, so that a redirect built
/// from it can never leave this site (no open redirect), and drops its query.
/// Returns `/` when nothing usable is left.
pub fn same_site_path(url: &str) -> String {
    let after_scheme = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let path = if url.contains("://") {
        match after_scheme.find('/') {
            Some(i) => &after_scheme[i..],
            None => "/",
        }
    } else {
        after_scheme
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    // `//host` would be read by browsers as another origin.
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return "/".to_string();
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode_component("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_component("Hélène"), "H%C3%A9l%C3%A8ne");
        assert_eq!(encode_component("safe-_.~"), "safe-_.~");
    }

    #[test]
    fn keeps_only_a_local_path() {
        assert_eq!(
            same_site_path("http://127.0.0.1:3000/settings?x=1"),
            "/settings"
        );
        assert_eq!(same_site_path("https://example.org"), "/");
        assert_eq!(same_site_path("/contacts#top"), "/contacts");
        assert_eq!(same_site_path("//evil.example/"), "/");
        assert_eq!(same_site_path("http://h//evil.example/"), "/");
        assert_eq!(same_site_path("javascript:alert(1)"), "/");
        assert_eq!(same_site_path("/a\\b"), "/");
    }
}
