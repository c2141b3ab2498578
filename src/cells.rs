//! Fitting text into terminal cells: cut to a display width with … (wide
//! characters count double) and padded to it. The UI's columns and the
//! command line's tables (`closer today`, `closer match`) share these.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Truncates to a display width, adding … when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads with spaces to a display width (never cuts).
pub fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}
