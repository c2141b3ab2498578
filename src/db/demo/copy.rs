//! Writing rows with `COPY ... FROM STDIN` in PostgreSQL's text format.
//! COPY rather than INSERT because `--prospects 100000` writes about a
//! million interactions and a million usage logs, and COPY loads them in
//! seconds; the helpers escape values by hand so that no row is held twice.

use chrono::NaiveDateTime;
use color_eyre::eyre::{Result, WrapErr};
use serde_json::Value;

/// Appends a value in COPY text format (escaping \\, tab, newline, CR).
pub(super) fn put(buf: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// Appends a value, or SQL NULL (`\N`) for `None`.
pub(super) fn put_opt(buf: &mut String, value: Option<&str>) {
    match value {
        Some(v) => put(buf, v),
        None => buf.push_str("\\N"),
    }
}

/// Appends a JSONB value; `Some(Value::Null)` is JSON null, `None` SQL NULL:
/// the original tool wrote both, and Closer must read both.
pub(super) fn put_json(buf: &mut String, value: &Option<Value>) {
    match value {
        Some(v) => put(buf, &v.to_string()),
        None => buf.push_str("\\N"),
    }
}

/// A timestamp as COPY reads it, to the second.
pub(super) fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Streams rows into `COPY table (columns) FROM STDIN` in ~1 MiB chunks.
/// A row is written into `buf` with the helpers above, then `end_row`.
pub(super) struct Copier<'c> {
    copy: sqlx::postgres::PgCopyIn<&'c mut sqlx::PgConnection>,
    pub(super) buf: String,
    rows: u64,
}

impl<'c> Copier<'c> {
    pub(super) async fn start(conn: &'c mut sqlx::PgConnection, table: &str, columns: &str) -> Result<Self> {
        let copy = conn
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
            .await
            .wrap_err_with(|| format!("COPY into {table}"))?;
        Ok(Self { copy, buf: String::with_capacity(1 << 20), rows: 0 })
    }
    pub(super) async fn end_row(&mut self) -> Result<()> {
        self.buf.push('\n');
        self.rows += 1;
        if self.buf.len() >= 1 << 20 {
            self.copy.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }
    /// Sends what is left and ends the COPY; returns the number of rows.
    pub(super) async fn finish(mut self) -> Result<u64> {
        if !self.buf.is_empty() {
            self.copy.send(self.buf.as_bytes()).await?;
        }
        self.copy.finish().await?;
        Ok(self.rows)
    }
}
