//! Rows as CSV or JSON. Every CSV cell goes through
//! [`sanitize::csv_cell`] (escape sequences removed, formula cells
//! prefixed with `'`, quoting); multi-line text keeps its line breaks
//! through [`csv_text_cell`], the same rules with newlines kept inside
//! quotes, so an email body survives export → import. JSON strings are
//! sanitised the same way (serde_json escapes C0 controls, not C1 or bidi).

use std::io::{self, Write};

use serde_json::Value;

use crate::db::models::Timestamp;
use crate::sanitize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// One value of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Single-line text (a name, an email, a status).
    Line(String),
    /// Multi-line text (content, description, outcome).
    Text(String),
    Null,
    Bool(bool),
    Int(i64),
    Time(Timestamp),
    Json(Value),
}

impl Cell {
    pub fn opt(v: Option<String>) -> Self {
        v.map(Cell::Line).unwrap_or(Cell::Null)
    }
    pub fn opt_text(v: Option<String>) -> Self {
        v.map(Cell::Text).unwrap_or(Cell::Null)
    }
    pub fn opt_time(v: Option<Timestamp>) -> Self {
        v.map(Cell::Time).unwrap_or(Cell::Null)
    }
    pub fn opt_json(v: Option<Value>) -> Self {
        v.map(Cell::Json).unwrap_or(Cell::Null)
    }
}

/// A timestamp as the import reads it back (seconds, and the fraction when there is one).
pub fn timestamp(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.f").to_string()
}

/// [`sanitize::csv_cell`] for multi-line text: the same sanitising
/// (line breaks kept), formula protection and quoting.
pub fn csv_text_cell(s: &str) -> String {
    let s = sanitize::multiline(s);
    if !s.contains('\n') {
        return sanitize::csv_cell(&s);
    }
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.into_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv(cell: &Cell) -> String {
    match cell {
        Cell::Line(s) => sanitize::csv_cell(s),
        Cell::Text(s) => csv_text_cell(s),
        Cell::Null => String::new(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(n) => n.to_string(),
        Cell::Time(t) => timestamp(t),
        Cell::Json(v) => sanitize::csv_cell(&v.to_string()),
    }
}

/// A JSON value with every string (and key) sanitised for a terminal.
pub fn clean_json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(sanitize::line(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(clean_json).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (sanitize::line(k).into_owned(), clean_json(v))).collect())
        }
        other => other.clone(),
    }
}

fn json(cell: &Cell) -> Value {
    match cell {
        Cell::Line(s) => Value::String(sanitize::line(s).into_owned()),
        Cell::Text(s) => Value::String(sanitize::multiline(s).into_owned()),
        Cell::Null => Value::Null,
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Int(n) => Value::from(*n),
        Cell::Time(t) => Value::String(timestamp(t)),
        Cell::Json(v) => clean_json(v),
    }
}

/// Writes rows as they come: CSV with a header row, or a JSON array with
/// one object per line.
pub struct RowWriter<W: Write> {
    out: W,
    format: Format,
    header: &'static [&'static str],
    rows: u64,
}

impl<W: Write> RowWriter<W> {
    pub fn new(mut out: W, format: Format, header: &'static [&'static str]) -> io::Result<Self> {
        match format {
            Format::Csv => writeln!(out, "{}", header.join(","))?,
            Format::Json => out.write_all(b"[")?,
        }
        Ok(Self { out, format, header, rows: 0 })
    }

    pub fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        debug_assert_eq!(cells.len(), self.header.len());
        match self.format {
            Format::Csv => {
                let line: Vec<String> = cells.iter().map(csv).collect();
                writeln!(self.out, "{}", line.join(","))?;
            }
            Format::Json => {
                // Written by hand to keep the columns in template order.
                self.out.write_all(if self.rows == 0 { b"\n{" } else { b",\n{" })?;
                for (i, (k, c)) in self.header.iter().zip(cells).enumerate() {
                    if i > 0 {
                        self.out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut self.out, k)?;
                    self.out.write_all(b":")?;
                    serde_json::to_writer(&mut self.out, &json(c))?;
                }
                self.out.write_all(b"}")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            self.out.write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(timestamp(&t("2026-03-01 09:30:00")), "2026-03-01 09:30:00");
        assert_eq!(timestamp(&t("2026-03-01 09:30:00.123456")), "2026-03-01 09:30:00.123456");
    }

    #[test]
    fn text_cells() {
        assert_eq!(csv_text_cell("one line"), "one line");
        assert_eq!(csv_text_cell("a\r\nb \"q\""), "\"a\nb \"\"q\"\"\"");
        assert_eq!(csv_text_cell("=1+1\nx"), "\"'=1+1\nx\"");
        assert_eq!(csv_text_cell("\u{1b}[31mred\nx"), "\"red\nx\"");
    }

    #[test]
    fn csv_and_json_rows() {
        let header: &'static [&'static str] = &["a", "b", "c", "d"];
        let cells = [Cell::Line("=cmd".into()), Cell::Null, Cell::Bool(true), Cell::Json(serde_json::json!(["x"]))];
        let mut w = RowWriter::new(Vec::new(), Format::Csv, header).unwrap();
        w.row(&cells).unwrap();
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "a,b,c,d\n'=cmd,,true,\"[\"\"x\"\"]\"\n");
        let mut w = RowWriter::new(Vec::new(), Format::Json, header).unwrap();
        w.row(&cells).unwrap();
        w.row(&[Cell::Line("\u{202e}x".into()), Cell::Int(1), Cell::Null, Cell::Null]).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["a"], "=cmd");
        assert_eq!(v[1]["a"], "x");
        assert_eq!(v[0]["d"], serde_json::json!(["x"]));
        let empty = RowWriter::new(Vec::new(), Format::Json, header).unwrap().finish().unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "[]\n");
    }
}
