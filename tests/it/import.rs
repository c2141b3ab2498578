//! CSV import and export against a real database: messy files, dry runs
//! and failures that change nothing, de-duplication, updates, the
//! round trip, the command line, and the TUI flow (state-level and in a
//! pseudo-terminal).
//!
//! By topic: `rows` (importing files), `export`, `cli_tui` (the command
//! line and the TUI); the helpers they share are here.

use std::io::Cursor;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use closer::db::Db;
use closer::import::{Entity, Input, Options, Summary};

mod cli_tui;
mod export;
mod rows;

async fn import_bytes(db: &Db, bytes: &[u8], options: Options) -> color_eyre::Result<Summary> {
    let input = Input::Reader(Box::new(Cursor::new(bytes.to_vec())));
    closer::import::run(db, input, &options, None, Arc::new(AtomicBool::new(false))).await
}

fn opts(entity: Entity, dry_run: bool) -> Options {
    Options { dry_run, ..Options::new(entity) }
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&db.pool).await.unwrap()
}

async fn counts(db: &Db) -> [i64; 5] {
    [
        count(db, "prospects").await,
        count(db, "companies").await,
        count(db, "industries").await,
        count(db, "interactions").await,
        count(db, "events").await,
    ]
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("closer-it-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn reasons(s: &Summary) -> Vec<(u64, String)> {
    s.rejections.iter().map(|r| (r.line, r.reason.clone())).collect()
}

/// A BOM, CRLF, `;` delimiters, a quoted delimiter and quotes, a quoted
/// newline, a duplicate differing in case and spaces, a blank line, an
/// over-long value, formula cells, and one row for each rejection reason.
fn messy_prospects() -> Vec<u8> {
    let long = "x".repeat(300);
    let rows = [
        "\u{feff}Full Name;E-Mail;Company;Industry;Status;LinkedIn;Phone",
        "Ana Lima;ana@example.com;Acme;Software;contacted;https://linkedin.com/in/ana;+1 555",
        "\"Bob \"\"The Builder\"\"\";bob@example.com;\"Acme; Inc\";;QUALIFIED;;",
        "\"Cara\r\nMulti\";cara@example.com;Beta;Retail;;;",
        "Dup Ana;  ANA@Example.COM ;Acme;;;;",
        "",
        &format!("Long;long@example.com;{long};;;;"),
        "'@Evil;evil@example.com;'=cmd;;;;",
        "Hot;hot@example.com;Acme;;Hot;;",
        "Nobody;not-an-email;Acme;;;;",
        "NoCo;noco@example.com;;;;;",
        ";noname@example.com;Acme;;;;",
        "Too;many@example.com;Acme;;;;;extra",
    ];
    rows.join("\r\n").into_bytes()
}
