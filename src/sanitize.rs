//! Untrusted text (anything from the database or an LLM) made safe for the
//! terminal: whole escape sequences (CSI, OSC, DCS, SOS/PM/APC, and two-byte
//! ESC sequences) are removed, remaining C0/C1 control characters are
//! dropped or turned into spaces, and bidi override/isolate characters are
//! removed so right-to-left text cannot reorder the columns around it.

use std::borrow::Cow;

/// Sanitises text for a single-line cell: newlines and tabs become spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Sanitises text for a multi-line view: newlines are kept, tabs expanded.
pub fn multiline(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / SOS / PM / APC introducers.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\r' if keep_newlines => {
                // CRLF is a newline; a bare CR (which would overwrite the line) is one too.
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' if keep_newlines => out.push_str("    "),
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One CSV cell (RFC 4180) that is safe in a terminal and in a spreadsheet:
/// sanitised like a line, quoted when it holds a delimiter, quote or
/// newline, and prefixed with `'` when a spreadsheet would read it as a
/// formula (`=`, `+`, `-`, `@`, tab or CR first), as OWASP advises for CSV
/// injection. Every CSV Closer writes goes through here.
pub fn csv_cell(s: &str) -> String {
    let s = line(s);
    let s: Cow<'_, str> = if s.starts_with(['=', '+', '-', '@']) { Cow::Owned(format!("'{s}")) } else { s };
    if s.contains([',', '"', '\n', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // ESC ( B and friends: one intermediate byte then a final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in @..~.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS-style strings end with BEL, ST (ESC \) or the C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_whole_sequences() {
        assert_eq!(line("a\u{1b}]0;pwned\u{7}b"), "ab");
        assert_eq!(line("\u{1b}[2Jx"), "x");
        assert_eq!(line("\u{1b}[31mEvil\u{1b}[0m"), "Evil");
        assert_eq!(line("\u{1b}]52;c;aGVsbG8=\u{1b}\\ok"), "ok");
        assert_eq!(line("\u{9b}31mC1"), "C1");
        assert_eq!(line("\u{1b}P1;2|data\u{1b}\\z"), "z");
    }

    #[test]
    fn control_characters() {
        assert_eq!(line("a\rb\nc\td"), "a b c d");
        assert_eq!(multiline("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(line("x\u{0}\u{7}\u{8}y"), "xy");
        assert_eq!(line("\u{202E}evil\u{202C}"), "evil");
    }

    #[test]
    fn leaves_unicode_alone() {
        let s = "王伟 · محمد · 🎉 · Łukasz";
        assert!(matches!(line(s), Cow::Borrowed(_)));
        assert_eq!(line(s), s);
    }
}
