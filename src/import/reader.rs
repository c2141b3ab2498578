//! The reading half of an import, on a blocking thread: parses the CSV
//! record by record, checks each one, and hands the database side chunks
//! of COPY text (about 1 MiB each) through a bounded channel, so memory
//! stays flat however large the file is and reading overlaps writing.

use std::io::Read;
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
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(prepared.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(prepared.reader);
    let mut raw = ByteRecord::new();
    let header = loop {
        if !csv.read_byte_record(&mut raw).map_err(read_error)? {
            return Err("the file has no header row".into());
        }
        let rec = decode(&raw)?;
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
        let line = raw.position().map(|p| p.line()).unwrap_or(0);
        let rec = decode(&raw)?;
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

fn decode(raw: &ByteRecord) -> Result<StringRecord, String> {
    StringRecord::from_byte_record(raw.clone()).map_err(|e| {
        let line = e.utf8_error().field();
        let at = raw.position().map(|p| p.line()).unwrap_or(0);
        format!(
            "line {at} (field {}) is not valid UTF-8: if the file is Latin-1 or Windows-1252 (older Excel \"CSV\"), \
             import it with --encoding latin1",
            line + 1
        )
    })
}

fn read_error(e: csv::Error) -> String {
    format!("cannot read the file: {e}")
}
