//! Untrusted text (anything from the database, a file or an LLM) made safe
//! for the terminal: whole escape sequences (CSI, OSC, DCS, SOS/PM/APC, and
//! two-byte ESC sequences) are removed, remaining C0/C1 control characters
//! are dropped or turned into spaces, bidi override/isolate characters are
//! removed so right-to-left text cannot reorder the columns around it, and
//! invisible characters (zero-width, line/paragraph separators, Unicode tag
//! characters) are removed so that text cannot hide what it says.
//!
//! This is the one sanitising boundary: panes draw database text through
//! [`line`]/[`multiline`], the editor through [`editable`], CSV through
//! [`csv_cell`], and the terminal backend itself (`tui::SafeBackend`) drops
//! any unsafe character that still reaches a cell.

use std::borrow::Cow;

/// Sanitises text for a single-line cell: newlines and tabs become spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    clean_as(s, Mode::Line)
}

/// Sanitises text for a multi-line view: newlines are kept, tabs expanded.
pub fn multiline(s: &str) -> Cow<'_, str> {
    clean_as(s, Mode::Multiline)
}

/// Sanitises text for the draft editor: newlines and tabs are kept (the
/// editor draws tabs itself), CRLF becomes a newline, everything else unsafe
/// goes. The editor keeps the stored original, so unedited text is never
/// rewritten with what this removed.
pub fn editable(s: &str) -> Cow<'_, str> {
    clean_as(s, Mode::Editable)
}

/// True for any character that must not reach a terminal cell.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Zero-width and separator characters that hide or reorder text, and the
/// Unicode tag block (invisible "ASCII smuggling").
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Line,
    Multiline,
    Editable,
}

fn clean_as(s: &str, mode: Mode) -> Cow<'_, str> {
    let keep_newlines = mode != Mode::Line;
    let keep_tabs = mode == Mode::Editable;
    if !s.chars().any(|c| is_unsafe(c) && !(keep_newlines && c == '\n') && !(keep_tabs && c == '\t')) {
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
            '\t' if keep_tabs => out.push('\t'),
            '\t' if keep_newlines => out.push_str("    "),
            '\u{2028}' | '\u{2029}' if keep_newlines => out.push('\n'),
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

/// A string for JSON output: serde escapes C0 controls, but C1 controls,
/// bidi and invisible characters would reach a terminal that shows the JSON.
pub fn json_str(s: &str) -> String {
    line(s).into_owned()
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
    fn invisible_characters_go() {
        assert_eq!(line("a\u{200B}b\u{200C}c\u{200D}d\u{2060}e\u{FEFF}f"), "abcdef");
        assert_eq!(line("x\u{2028}y\u{2029}z"), "xyz");
        assert_eq!(multiline("x\u{2028}y"), "x\ny");
        assert_eq!(line("ok\u{E0041}\u{E0042}\u{E007F}"), "ok");
        // Variation selectors, Hangul fillers, soft hyphen, musical format
        // characters: all able to hide or smuggle text.
        assert_eq!(
            line("a\u{FE0F}b\u{E0100}c\u{206A}d\u{3164}e\u{115F}f\u{034F}g\u{FFF9}h\u{1D173}i\u{00AD}j"),
            "abcdefghij"
        );
        assert_eq!(json_str("\u{9b}31m\u{9d}0;t\u{7}\u{202E}x"), "x");
    }

    #[test]
    fn editable_keeps_tabs_and_lines() {
        assert!(matches!(editable("a\tb\nc"), Cow::Borrowed(_)));
        assert_eq!(editable("a\r\nb\u{1b}]0;PWNED\u{7}c\t"), "a\nbc\t");
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("\u{1b}]0;t\u{7}=1"), "'=1");
    }

    #[test]
    fn leaves_unicode_alone() {
        let s = "王伟 · محمد · 🎉 · Łukasz";
        assert!(matches!(line(s), Cow::Borrowed(_)));
        assert_eq!(line(s), s);
    }
}
