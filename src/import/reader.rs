//! The reading half of an import, on a blocking thread: parses the CSV
//! record by record, checks each one, and hands the database side chunks
//! of COPY text (about 1 MiB each) through a bounded channel, so memory
//! stays flat however large the file is and reading overlaps writing.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use csv::{ByteRecord, StringRecord};
use tokio::sync::mpsc;

use super::columns::{map_header, Mapping};
use super::rows::check;
use super::source::{prepare, Counting};
use super::{Options, Phase, Progress, ProgressFn};
use crate::db::import::MAX_LISTED;
use crate::db::EnumLabels;

const CHUNK_BYTES: usize = 1 << 20;
const PROGRESS_EVERY: u64 = 2_000;

/// What the reading thread tells the database side.
pub enum Msg {
    /// The header was understood: the import can begin.
    Header { mapping: Mapping, delimiter: u8 },
    /// Rows to COPY, and the rejections since the last chunk.
    Chunk { copy: String, rows: u64, rejected: u64, rejections: Vec<(u64, String)> },
    /// The whole file was read.
    Done,
    /// The file cannot be imported; nothing is written.
    Failed(String),
}

pub struct ReadJob {
    pub input: Box<dyn Read + Send>,
    pub total_bytes: Option<u64>,
    pub options: Options,
    pub enums: EnumLabels,
    pub progress: Option<ProgressFn>,
    pub cancel: Arc<AtomicBool>,
}

/// Runs on a blocking thread until the file is read, it fails, or the
/// receiver goes away (the database side failed).
pub fn read(job: ReadJob, tx: mpsc::Sender<Msg>) {
    if let Err(e) = read_inner(job, &tx) {
        let _ = tx.blocking_send(Msg::Failed(e));
    }
}

fn read_inner(job: ReadJob, tx: &mpsc::Sender<Msg>) -> Result<(), String> {
    let entity = job.options.entity;
    let bytes = Arc::new(AtomicU64::new(0));
    let input = Counting::new(job.input, bytes.clone());
    let prepared = prepare(Box::new(input), job.options.encoding, job.options.delimiter)?;
    let lines = LineIndex::default();
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(prepared.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(lines.wrap(prepared.reader));
    let mut raw = ByteRecord::new();
    let header = loop {
        if !csv.read_byte_record(&mut raw).map_err(read_error)? {
            return Err("the file has no header row".into());
        }
        let rec = decode(&raw, 1)?;
        if rec.iter().any(|f| !f.trim().is_empty()) {
            break rec;
        }
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_string()).collect();
    let mapping = map_header(entity, &headers)?;
    if tx.blocking_send(Msg::Header { mapping: mapping.clone(), delimiter: prepared.delimiter }).is_err() {
        return Ok(());
    }

    let mut copy = String::with_capacity(CHUNK_BYTES + 64 * 1024);
    let (mut rows, mut chunk_rows, mut rejected, mut listed) = (0u64, 0u64, 0u64, 0usize);
    let mut rejections = Vec::new();
    let report = |rows: u64| {
        if let Some(p) = &job.progress {
            p(Progress { phase: Phase::Reading, rows, bytes: bytes.load(Ordering::Relaxed), total: job.total_bytes });
        }
    };
    while csv.read_byte_record(&mut raw).map_err(read_error)? {
        let inside = raw.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
        let line = lines.record_line(csv.position().byte(), inside);
        let rec = decode(&raw, line)?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank row (spreadsheets leave them at the end)
        }
        rows += 1;
        match check(entity, &mapping, line, &rec, &job.enums) {
            Ok(row) => {
                row.copy(&mut copy);
                chunk_rows += 1;
            }
            Err(reason) => {
                rejected += 1;
                if listed < MAX_LISTED {
                    listed += 1;
                    rejections.push((line, reason));
                }
            }
        }
        if rows % PROGRESS_EVERY == 0 {
            if job.cancel.load(Ordering::Relaxed) {
                return Err("cancelled".into());
            }
            report(rows);
        }
        if copy.len() >= CHUNK_BYTES {
            let msg = Msg::Chunk {
                copy: std::mem::replace(&mut copy, String::with_capacity(CHUNK_BYTES + 64 * 1024)),
                rows: chunk_rows,
                rejected,
                rejections: std::mem::take(&mut rejections),
            };
            (chunk_rows, rejected) = (0, 0);
            if tx.blocking_send(msg).is_err() {
                return Ok(());
            }
        }
    }
    report(rows);
    let _ = tx.blocking_send(Msg::Chunk { copy, rows: chunk_rows, rejected, rejections });
    let _ = tx.blocking_send(Msg::Done);
    Ok(())
}

fn decode(raw: &ByteRecord, line: u64) -> Result<StringRecord, String> {
    StringRecord::from_byte_record(raw.clone()).map_err(|e| {
        format!(
            "line {line} (field {}) is not valid UTF-8: if the file is Latin-1 or Windows-1252 (older Excel \"CSV\"), \
             import it with --encoding latin1",
            e.utf8_error().field() + 1
        )
    })
}

/// Line numbers as an editor shows them. The CSV parser's own count skips
/// blank lines and newlines inside quoted values, and where it says a
/// record starts can lie before blank lines; but where a record ends is
/// exact. This notes every newline as the bytes stream past and answers
/// "which line did the record ending at byte N start on", forgetting what
/// lies behind (so it holds at most one read buffer's newlines).
#[derive(Default, Clone)]
struct LineIndex(Rc<RefCell<LineState>>);

#[derive(Default)]
struct LineState {
    /// Offsets of newlines read but not yet passed by a record.
    ahead: VecDeque<u64>,
    /// Newlines passed so far, and the last of them.
    passed: u64,
    last: Option<u64>,
    /// Bytes read so far.
    offset: u64,
}

impl LineIndex {
    fn wrap<R: Read>(&self, inner: R) -> LineReader<R> {
        LineReader { inner, index: self.clone() }
    }

    /// The 1-based line where a record starts, given the parser's position
    /// just after it (`end`, never decreasing) and the newlines inside its
    /// quoted values. The parser has consumed the record's `\n` (LF
    /// endings) but not yet the `\n` of a CRLF, so a newline right before
    /// `end` is the record's own terminator.
    fn record_line(&self, end: u64, inside: u64) -> u64 {
        let mut s = self.0.borrow_mut();
        while let Some(&nl) = s.ahead.front().filter(|&&nl| nl < end) {
            s.ahead.pop_front();
            s.passed += 1;
            s.last = Some(nl);
        }
        let own_terminator = u64::from(end > 0 && s.last == Some(end - 1));
        (s.passed + 1).saturating_sub(own_terminator + inside).max(1)
    }
}

struct LineReader<R> {
    inner: R,
    index: LineIndex,
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.index.0.borrow_mut();
        let start = s.offset;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                s.ahead.push_back(start + i as u64);
            }
        }
        s.offset += n as u64;
        Ok(n)
    }
}

fn read_error(e: csv::Error) -> String {
    format!("cannot read the file: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` and returns (first field, line) of each record after the header.
    fn lines(input: &str) -> Vec<(String, u64)> {
        let index = LineIndex::default();
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(index.wrap(input.as_bytes()));
        let mut raw = ByteRecord::new();
        let mut out = Vec::new();
        while csv.read_byte_record(&mut raw).unwrap() {
            let inside = raw.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
            let line = index.record_line(csv.position().byte(), inside);
            out.push((String::from_utf8_lossy(&raw[0]).into_owned(), line));
        }
        out.remove(0);
        out
    }

    #[test]
    fn line_numbers_count_blank_lines_and_quoted_newlines() {
        for eol in ["\n", "\r\n"] {
            let input = ["h1;h2", "a;b", "\"c", "d\";e", "f;g", "", "h;i", "j;k"].join(eol);
            let want = vec![("a", 2), ("c\nd", 3), ("f", 5), ("h", 7), ("j", 8)];
            let got = lines(&input);
            let got: Vec<(&str, u64)> = got.iter().map(|(f, l)| (f.trim_end_matches('\r'), *l)).collect();
            let want: Vec<(&str, u64)> =
                want.into_iter().map(|(f, l)| (if eol == "\r\n" && f == "c\nd" { "c\r\nd" } else { f }, l)).collect();
            assert_eq!(got, want, "{eol:?}");
            assert_eq!(lines(&format!("{input}{eol}")).last().unwrap().1, 8, "{eol:?} with a final newline");
        }
    }
}
