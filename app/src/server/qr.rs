//! QR codes drawn as SVG by Accord itself (the authenticator set-up link
//! never leaves the server for an image service).

use qrcodegen::{QrCode, QrCodeEcc};

/// An SVG image of `text` as a QR code, one path of dark modules with the
/// four-module quiet zone the standard asks for. `label` is its accessible
/// name. The output holds no text from `text` other than as geometry.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" \
         aria-label=\"{label}\" shape-rendering=\"crispEdges\" class=\"qr\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_square_svg_with_a_quiet_zone_and_escaped_label() {
        let svg = super::svg("otpauth://totp/Accord:ada?secret=ABC", "QR <code>").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("aria-label=\"QR &lt;code>\""));
        // Version 3 or so: 29 modules + 8 of border, and the first dark
        // module of the finder pattern sits at the border.
        let view_box = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
        let size: i32 = view_box.split(' ').next().unwrap().parse().unwrap();
        assert!(size >= 21 + 8, "{size}");
        assert!(svg.contains("M4,4h1v1h-1z"));
        assert!(!svg.contains("secret"));
    }
}
