//! The bytes of an import file before the CSV parser sees them: a first
//! look at the start of the file (so a workbook, a PDF or a UTF-16 export
//! gets one clear error before anything is written), the UTF-8 byte-order
//! mark removed, Latin-1 decoded, and the delimiter detected. The rest of
//! the file is streamed behind that first look, never read whole.

use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How many bytes the first look reads (the header row must fit in it to
/// detect the delimiter; it is streamed on like the rest).
const SNIFF_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[value(name = "utf8", alias = "utf-8")]
    Utf8,
    /// ISO-8859-1, read as Windows-1252 (as browsers do), so the curly
    /// quotes and € of spreadsheet exports come out right.
    #[value(name = "latin1", alias = "latin-1", alias = "iso-8859-1", alias = "windows-1252", alias = "cp1252")]
    Latin1,
}

/// The input, ready for the CSV reader: UTF-8 bytes and the delimiter.
pub struct Prepared {
    pub reader: Box<dyn Read + Send>,
    pub delimiter: u8,
}

/// Counts the bytes read from the underlying file (for the progress bar).
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Counting<R> {
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Self { inner, count }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Parses `--delimiter`: one character, or a name (tab, comma, semicolon, pipe).
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => Ok(s.as_bytes()[0]),
        _ => Err(format!("{s:?} is not a delimiter: give one ASCII character, or tab, comma, semicolon or pipe")),
    }
}

/// Takes the first look at `input` and returns the reader for the rest.
/// Errors are one sentence, for the user.
pub fn prepare(mut input: Box<dyn Read + Send>, encoding: Encoding, delimiter: Option<u8>) -> Result<Prepared, String> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut input).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(|e| format!("cannot read the file: {e}"))?;
    let at_end = head.len() < SNIFF_BYTES;
    check_not_binary(&head)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    if head.iter().all(|b| b.is_ascii_whitespace()) && at_end {
        return Err("the file is empty: an import needs a header row and at least one row".into());
    }
    let head: Vec<u8> = match encoding {
        Encoding::Utf8 => {
            check_utf8(&head, at_end)?;
            head
        }
        Encoding::Latin1 => latin1_to_utf8(&head),
    };
    check_looks_like_csv(&head)?;
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&head));
    let rest: Box<dyn Read + Send> = match encoding {
        Encoding::Utf8 => input,
        Encoding::Latin1 => Box::new(Latin1Reader { inner: input, pending: Vec::new() }),
    };
    Ok(Prepared { reader: Box::new(Cursor::new(head).chain(rest)), delimiter })
}

fn check_not_binary(head: &[u8]) -> Result<(), String> {
    let what = if head.starts_with(b"PK\x03\x04") {
        Some("a ZIP archive (an Excel .xlsx or .ods workbook?): save the sheet as CSV and import that")
    } else if head.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("an old Excel .xls workbook: save the sheet as CSV and import that")
    } else if head.starts_with(b"%PDF") {
        Some("a PDF document, not a CSV file")
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        Some("UTF-16 text: save it as \"CSV UTF-8\" (or convert it with iconv -f UTF-16 -t UTF-8)")
    } else if head.contains(&0) {
        Some("binary data, not a CSV file")
    } else {
        None
    };
    match what {
        Some(w) => Err(format!("this file is {w}")),
        None => Ok(()),
    }
}

/// Invalid UTF-8 near the start means another encoding; one clear error
/// beats rejecting every row. (A sequence cut by the end of the first look
/// is fine: the rest comes next.)
fn check_utf8(head: &[u8], at_end: bool) -> Result<(), String> {
    match std::str::from_utf8(head) {
        Ok(_) => Ok(()),
        Err(e) if e.error_len().is_none() && !at_end => Ok(()),
        Err(e) => {
            let line = 1 + head[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
            Err(format!(
                "line {line} is not valid UTF-8: if the file is Latin-1 or Windows-1252 (older Excel \"CSV\"), \
                 import it with --encoding latin1"
            ))
        }
    }
}

fn check_looks_like_csv(head: &[u8]) -> Result<(), String> {
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | Some(b'[') => Err("this file looks like JSON, not CSV: import takes CSV with a header row".into()),
        Some(b'<') => Err("this file looks like HTML or XML, not CSV: import takes CSV with a header row".into()),
        _ => Ok(()),
    }
}

/// The delimiter of the header row: whichever of , ; tab | occurs most
/// often outside quotes (a comma when none does).
pub fn detect_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, n) = counts.iter().enumerate().max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i))).unwrap();
    if *n == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Windows-1252's printable characters in 0x80..=0x9F (the five undefined
/// bytes stay as the C1 code points, as in ISO-8859-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn latin1_char(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

pub fn latin1_to_utf8(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    let mut tmp = [0u8; 4];
    for &b in bytes {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(latin1_char(b).encode_utf8(&mut tmp).as_bytes());
        }
    }
    out
}

/// Decodes Latin-1 (Windows-1252) to UTF-8 as it streams.
struct Latin1Reader {
    inner: Box<dyn Read + Send>,
    pending: Vec<u8>,
}

impl Read for Latin1Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            let mut raw = vec![0u8; buf.len().clamp(4, 64 * 1024)];
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.pending = latin1_to_utf8(&raw[..n]);
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(bytes: &[u8], enc: Encoding) -> Result<(String, u8), String> {
        let p = prepare(Box::new(Cursor::new(bytes.to_vec())), enc, None)?;
        let mut s = String::new();
        let mut r = p.reader;
        r.read_to_string(&mut s).unwrap();
        Ok((s, p.delimiter))
    }

    #[test]
    fn bom_and_delimiters() {
        assert_eq!(prep(b"\xEF\xBB\xBFname,email\n", Encoding::Utf8).unwrap(), ("name,email\n".into(), b','));
        assert_eq!(prep(b"name;email;\"a,b,c\"\n", Encoding::Utf8).unwrap().1, b';');
        assert_eq!(prep(b"name\temail\n", Encoding::Utf8).unwrap().1, b'\t');
        assert_eq!(prep(b"name\n", Encoding::Utf8).unwrap().1, b',');
    }

    #[test]
    fn latin1_and_cp1252() {
        let (s, _) = prep(b"name\nJos\xe9 \x80\x96\n", Encoding::Latin1).unwrap();
        assert_eq!(s, "name\nJosé €–\n");
        let e = prep(b"name\nJos\xe9\n", Encoding::Utf8).unwrap_err();
        assert!(e.contains("line 2") && e.contains("--encoding latin1"), "{e}");
    }

    #[test]
    fn not_csv() {
        assert!(prep(b"PK\x03\x04rest", Encoding::Utf8).unwrap_err().contains("xlsx"));
        assert!(prep(b"\xFF\xFEn\0a\0", Encoding::Utf8).unwrap_err().contains("UTF-16"));
        assert!(prep(b"\x89PNG\r\n\x1a\n\0\0", Encoding::Utf8).unwrap_err().contains("binary"));
        assert!(prep(b"  [{\"a\": 1}]", Encoding::Utf8).unwrap_err().contains("JSON"));
        assert!(prep(b"", Encoding::Utf8).unwrap_err().contains("empty"));
    }

    #[test]
    fn delimiter_names() {
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert!(parse_delimiter("ab").is_err());
    }
}
