//! CSV import and export against a real database: messy files, dry runs
//! and failures that change nothing, de-duplication, updates, the
//! round trip, the command line, and the TUI flow (state-level and in a
//! pseudo-terminal).

use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use closer::app::io::Io;
use closer::app::popups::import::ImportStage;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use closer::db::export::ExportFilter;
use closer::db::prospects::ProspectFilter;
use closer::db::Db;
use closer::export::{ExportEntity, Format};
use closer::import::{Encoding, Entity, Input, OnDuplicate, Options, Summary};
use crossterm::event::KeyCode;

use crate::support::{self, ch, ctrl, key, press, screen, typed};

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

#[tokio::test]
async fn a_messy_file_dry_run_then_import_then_nothing_the_second_time() {
    let (db, _) = support::fresh_db().await;
    let file = messy_prospects();

    let dry = import_bytes(&db, &file, opts(Entity::Prospects, true)).await.unwrap();
    assert_eq!(counts(&db).await, [0; 5], "a dry run changes nothing");
    assert_eq!((dry.rows, dry.new, dry.duplicates_in_file, dry.rejected), (11, 4, 1, 6), "{dry:#?}");
    assert_eq!((dry.companies_created, dry.industries_created), (4, 3));
    assert_eq!(dry.delimiter, ';');
    assert_eq!(dry.ignored_columns, vec!["Phone".to_string()]);
    let r = reasons(&dry);
    let lines: Vec<u64> = r.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![8, 10, 11, 12, 13, 14], "{r:?}");
    assert!(r[0].1.contains("company is 300 characters long (at most 255)"), "{r:?}");
    assert!(r[1].1.contains("unknown status \"Hot\"") && r[1].1.contains("QUALIFIED"), "{r:?}");
    assert!(r[2].1.contains("invalid email \"not-an-email\""), "{r:?}");
    assert!(r[3].1.contains("missing required field: company"), "{r:?}");
    assert!(r[4].1.contains("missing required field: name"), "{r:?}");
    assert!(r[5].1.contains("has 8 fields but the header has 7"), "{r:?}");

    let real = import_bytes(&db, &file, opts(Entity::Prospects, false)).await.unwrap();
    let strip = |s: &Summary| Summary { dry_run: false, elapsed: Default::default(), ..s.clone() };
    assert_eq!(strip(&real), strip(&dry), "the dry run said exactly what the real run did");
    assert_eq!(counts(&db).await[..3], [4, 4, 3]);

    let rows: Vec<(String, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT p.full_name, p.email, p.status::text, c.name, p.linkedin_url, i.name
           FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
          ORDER BY p.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let s = |x: &str| x.to_string();
    assert_eq!(
        rows,
        vec![
            (
                s("Ana Lima"),
                s("ana@example.com"),
                s("CONTACTED"),
                s("Acme"),
                Some(s("https://linkedin.com/in/ana")),
                s("Software")
            ),
            (s("Bob \"The Builder\""), s("bob@example.com"), s("QUALIFIED"), s("Acme; Inc"), None, s("Unknown")),
            (s("Cara Multi"), s("cara@example.com"), s("NEW"), s("Beta"), None, s("Retail")),
            (s("@Evil"), s("evil@example.com"), s("NEW"), s("=cmd"), None, s("Unknown")),
        ]
    );
    let timestamps_set: bool = sqlx::query_scalar(
        "SELECT bool_and(created_at IS NOT NULL AND updated_at IS NOT NULL) FROM (
            SELECT created_at, updated_at FROM prospects UNION ALL SELECT created_at, updated_at FROM companies
            UNION ALL SELECT created_at, updated_at FROM industries) t",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(timestamps_set);

    let again = import_bytes(&db, &file, opts(Entity::Prospects, false)).await.unwrap();
    assert_eq!((again.new, again.duplicates_in_db, again.duplicates_in_file, again.rejected), (0, 4, 1, 6));
    assert_eq!((again.companies_created, again.industries_created), (0, 0));
    assert_eq!(counts(&db).await[..3], [4, 4, 3], "the second import adds nothing");
}

#[tokio::test]
async fn latin1_tabs_and_files_that_cannot_be_imported() {
    let (db, _) = support::fresh_db().await;
    let latin1 = b"name\temail\tcompany\nJos\xe9 \x80uro\tjose@example.com\tCaf\xe9 S.A.\n".to_vec();
    let e = import_bytes(&db, &latin1, opts(Entity::Prospects, false)).await.unwrap_err().to_string();
    assert!(e.contains("not valid UTF-8") && e.contains("--encoding latin1"), "{e}");
    assert_eq!(counts(&db).await, [0; 5]);

    let o = Options { encoding: Encoding::Latin1, ..opts(Entity::Prospects, false) };
    let s = import_bytes(&db, &latin1, o).await.unwrap();
    assert_eq!((s.new, s.delimiter), (1, '\t'));
    let (name, company): (String, String) =
        sqlx::query_as("SELECT p.full_name, c.name FROM prospects p JOIN companies c ON c.id = p.company_id")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), company.as_str()), ("José €uro", "Café S.A."));

    let before = counts(&db).await;
    let cases: [(&[u8], &str); 6] = [
        (b"PK\x03\x04\x14\x00\x06\x00binary", "ZIP archive"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"[{\"name\": \"Ana\", \"email\": \"a@x.com\"}]", "looks like JSON"),
        (b"name,phone\nAna,555\n", "no email column"),
        (b"phone,city\n555,Lisbon\n", "no full_name or email column"),
        (b"", "empty"),
    ];
    for (bytes, want) in cases {
        let e = import_bytes(&db, bytes, opts(Entity::Prospects, false)).await.unwrap_err().to_string();
        assert!(e.contains(want), "{want}: {e}");
    }
    assert_eq!(counts(&db).await, before, "nothing changed");
}

#[tokio::test]
async fn a_failure_or_a_cancel_mid_file_changes_nothing() {
    let (db, _) = support::fresh_db().await;
    // Far beyond the first look at the file, so rows are already staged
    // when the bad byte comes.
    let mut file = b"full_name,email,company\n".to_vec();
    for i in 0..12_000 {
        file.extend_from_slice(format!("Person {i},p{i}@example.com,Company {}\n", i % 50).as_bytes());
    }
    let mut broken = file.clone();
    broken.extend_from_slice(b"Bad \xff byte,bad@example.com,Acme\n");
    let e = import_bytes(&db, &broken, opts(Entity::Prospects, false)).await.unwrap_err().to_string();
    assert!(e.contains("line 12002") && e.contains("not valid UTF-8"), "{e}");
    assert_eq!(counts(&db).await, [0; 5]);

    let input = Input::Reader(Box::new(Cursor::new(file.clone())));
    let cancel = Arc::new(AtomicBool::new(true));
    let e = closer::import::run(&db, input, &opts(Entity::Prospects, false), None, cancel).await.unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
    assert_eq!(counts(&db).await, [0; 5]);

    // A first load this large builds the indexes after the insert: they
    // must all be back, as they were.
    let indexes = "SELECT indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index
                    WHERE indrelid IN ('prospects'::regclass, 'companies'::regclass) ORDER BY 1";
    let before: Vec<String> = sqlx::query_scalar(indexes).fetch_all(&db.pool).await.unwrap();
    assert!(before.len() >= 3, "{before:?}");
    let s = import_bytes(&db, &file, opts(Entity::Prospects, false)).await.unwrap();
    assert_eq!((s.new, s.companies_created), (12_000, 50));
    let after: Vec<String> = sqlx::query_scalar(indexes).fetch_all(&db.pool).await.unwrap();
    assert_eq!(before, after);
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE full_name ILIKE '%son 11999%'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(found, 1);
}

#[tokio::test]
async fn on_duplicate_update_fills_only_the_columns_the_file_gives() {
    let (db, _) = support::fresh_db().await;
    let first = b"full_name,email,company,location,status,linkedin_url\n\
        Ana,ana@x.com,Acme,Lisbon,NEW,https://li.example/ana\n\
        Ben,ben@x.com,Acme,Porto,NEW,\n";
    import_bytes(&db, first, opts(Entity::Prospects, false)).await.unwrap();
    let file = b"email,full_name,status,location,company\n\
        ANA@x.com,,qualified,,\n\
        ben@x.com,Ben,NEW,Porto,ACME\n\
        new@x.com,Newbie,,,\n";

    let skip = import_bytes(&db, file, opts(Entity::Prospects, false)).await.unwrap();
    assert_eq!((skip.new, skip.updated, skip.duplicates_in_db, skip.rejected), (0, 0, 2, 1));

    let update = |dry_run| Options { dry_run, on_duplicate: OnDuplicate::Update, ..Options::new(Entity::Prospects) };
    let before: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT full_name, status::text, location, linkedin_url FROM prospects ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let dry = import_bytes(&db, file, update(true)).await.unwrap();
    assert_eq!((dry.updated, dry.unchanged, dry.rejected), (1, 1, 1), "{dry:#?}");
    let after_dry: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT full_name, status::text, location, linkedin_url FROM prospects ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(before, after_dry);

    let real = import_bytes(&db, file, update(false)).await.unwrap();
    assert_eq!((real.new, real.updated, real.unchanged, real.rejected), (0, 1, 1, 1));
    assert!(real.rejections[0].reason.contains("company"), "{:?}", real.rejections);
    let rows: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT full_name, status::text, location, linkedin_url FROM prospects ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        rows[0],
        ("Ana".into(), "QUALIFIED".into(), Some("Lisbon".into()), Some("https://li.example/ana".into()))
    );
    assert_eq!(rows[1], before[1], "an unchanged duplicate is left alone");
    assert_eq!(count(&db, "companies").await, 1, "ACME is Acme");
}

#[tokio::test]
async fn events_and_interactions_with_references_duplicates_and_huge_cells() {
    let (db, _) = support::fresh_db().await;
    import_bytes(&db, b"name,email,company\nAna,ana@x.com,Acme\nBen,ben@x.com,Acme\n", opts(Entity::Prospects, false))
        .await
        .unwrap();
    let events = "type,date,location,description,status,target_industries,target_roles,solutions_featured\n\
        Conference,2026-03-01 09:00,Berlin,\"Big one, with commas\",planned,\"[\"\"Software\"\",\"\"Retail\"\"]\",CTO; VP Sales,\"[{\"\"solution\"\":\"\"EC2\"\"}]\"\n\
        Webinar,2026-04-02,Online,,,,,\n\
        conference,2026-03-01 09:00, BERLIN ,again,,,,\n\
        Meetup,next tuesday,Paris,,,,,\n";
    let s = import_bytes(&db, events.as_bytes(), opts(Entity::Events, false)).await.unwrap();
    assert_eq!((s.new, s.duplicates_in_file, s.rejected), (2, 1, 1), "{s:#?}");
    assert!(s.rejections[0].reason.contains("date \"next tuesday\""));
    let (ti, tr, sf, status): (serde_json::Value, serde_json::Value, serde_json::Value, String) = sqlx::query_as(
        "SELECT target_industries, target_roles, solutions_featured, status FROM events WHERE event_type = 'Conference'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(ti, serde_json::json!(["Software", "Retail"]));
    assert_eq!(tr, serde_json::json!(["CTO", "VP Sales"]));
    assert_eq!(sf, serde_json::json!([{"solution": "EC2"}]));
    assert_eq!(status, "planned");
    let webinar: i32 =
        sqlx::query_scalar("SELECT id FROM events WHERE event_type = 'Webinar'").fetch_one(&db.pool).await.unwrap();

    let huge = "lorem ipsum ".repeat(35_000); // ~420 KB in one cell
    let hostile = "\u{1b}]0;pwned\u{7}\u{202e}";
    let file = format!(
        "email,type,date,subject,content,sentiment,outcome,event\n\
         ana@x.com,email,2026-03-02 10:00,Hello,\"Line 1\nLine 2\",positive,,\n\
         ANA@X.COM,EMAIL,2026-03-02 10:00, hello ,dup content,,,\n\
         ben@x.com,meeting,2026-03-01 09:30,At the booth,Met,,next step,Conference | 2026-03-01 09:00 | berlin\n\
         ben@x.com,call,2026-03-05,Follow-up,,,,#{webinar}\n\
         ghost@x.com,call,2026-03-05,Who{hostile},,,,\n\
         ben@x.com,call,2026-03-06,X,,,,Gala | 2026-01-01 | Rome\n\
         ben@x.com,smoke signal{hostile},2026-03-06,X,,,,\n\
         ana@x.com,email,2026-03-07,Long one,\"{huge}\",,,\n\
         ana@x.com,email,2026-03-08,{long_subject},,,,\n",
        long_subject = "s".repeat(400_000),
    );
    let s = import_bytes(&db, file.as_bytes(), opts(Entity::Interactions, false)).await.unwrap();
    assert_eq!((s.rows, s.new, s.duplicates_in_file, s.rejected), (9, 4, 1, 4), "{:#?}", reasons(&s));
    let r = reasons(&s);
    assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![7, 8, 9, 11]);
    assert!(r[0].1.contains("no prospect has the email \"ghost@x.com\""), "{r:?}");
    assert!(r[1].1.contains("no event matches \"Gala | 2026-01-01 | Rome\""), "{r:?}");
    assert!(r[2].1.contains("unknown type \"smoke signal\"") && r[2].1.contains("MEETING"), "{r:?}");
    assert!(r[3].1.contains("subject is 400000 characters long") && r[3].1.len() < 200, "{r:?}");
    let printed = closer::import::report::render(&s);
    assert!(!printed.contains('\u{1b}') && !printed.contains('\u{202e}') && printed.len() < 2000);

    let stored: Vec<(String, String, Option<i32>, String)> = sqlx::query_as(
        "SELECT p.email, x.subject, x.event_id, x.content FROM interactions x JOIN prospects p ON p.id = x.prospect_id
          ORDER BY x.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let conference: i32 =
        sqlx::query_scalar("SELECT id FROM events WHERE event_type = 'Conference'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored.len(), 4);
    assert_eq!((stored[0].1.as_str(), stored[0].3.as_str()), ("Hello", "Line 1\nLine 2"));
    assert_eq!(stored[1].2, Some(conference));
    assert_eq!(stored[2].2, Some(webinar));
    assert_eq!(stored[3].3, huge, "a 420 KB cell arrives whole");
    let last: Vec<(String, Option<chrono::NaiveDateTime>)> =
        sqlx::query_as("SELECT email, last_contacted_at FROM prospects ORDER BY id").fetch_all(&db.pool).await.unwrap();
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0);
    assert_eq!(last[0].1, day("2026-03-07"));
    assert_eq!(last[1].1, day("2026-03-05"));

    let again = import_bytes(&db, file.as_bytes(), opts(Entity::Interactions, false)).await.unwrap();
    assert_eq!((again.new, again.duplicates_in_db, again.duplicates_in_file), (0, 4, 1));
    assert_eq!(count(&db, "interactions").await, 4);
}

async fn export(db: &Db, entity: ExportEntity, filter: &ExportFilter, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    closer::export::write(db, entity, filter, format, &mut out).await.unwrap();
    out
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_round_trips() {
    let (src, _) = support::demo_db(150).await;
    let (dst, _) = support::fresh_db().await;
    let all = ExportFilter::default();
    let mut files = Vec::new();
    for (export_as, import_as) in [
        (ExportEntity::Prospects, Entity::Prospects),
        (ExportEntity::Events, Entity::Events),
        (ExportEntity::Interactions, Entity::Interactions),
    ] {
        let file = export(&src, export_as, &all, Format::Csv).await;
        let s = import_bytes(&dst, &file, opts(import_as, false)).await.unwrap();
        assert_eq!(s.rejected, 0, "{:?}", s.rejections.first());
        assert_eq!(s.new + s.skipped(), s.rows);
        files.push((export_as, file));
    }
    let (a, b) = (counts(&src).await, counts(&dst).await);
    assert_eq!((a[0], a[3], a[4]), (b[0], b[3], b[4]), "every prospect, interaction and event");
    // Companies are reused by case-insensitive name: two stored companies
    // sharing a name become one, so those rows keep the first's details.
    let shared: Vec<String> = sqlx::query_scalar("SELECT lower(name) FROM companies GROUP BY 1 HAVING count(*) > 1")
        .fetch_all(&src.pool)
        .await
        .unwrap();
    for (entity, before) in files {
        let after = export(&dst, entity, &all, Format::Csv).await;
        let (before, after) = (String::from_utf8(before).unwrap(), String::from_utf8(after).unwrap());
        if entity == ExportEntity::Prospects && !shared.is_empty() {
            let read = |s: &str| -> Vec<csv::StringRecord> {
                csv::Reader::from_reader(s.as_bytes()).records().map(|r| r.unwrap()).collect()
            };
            for (x, y) in read(&before).iter().zip(read(&after).iter()) {
                if shared.contains(&x[2].to_lowercase()) {
                    assert_eq!((&x[0], &x[1], &x[8]), (&y[0], &y[1], &y[8]));
                } else {
                    assert_eq!(x, y);
                }
            }
        } else {
            assert_eq!(before, after, "{entity:?} round-trips");
        }
    }
    // Hostile text was sanitised on the way out, so the copy holds none.
    let escapes: i64 = sqlx::query_scalar("SELECT count(*) FROM interactions WHERE content LIKE '%' || chr(27) || '%'")
        .fetch_one(&dst.pool)
        .await
        .unwrap();
    assert_eq!(escapes, 0);
}

#[tokio::test]
async fn export_uses_the_list_filters_and_is_safe_to_open() {
    let (db, _) = support::demo_db(200).await;
    let status = db.enums.labels(closer::db::EnumKind::ProspectStatus)[1].clone();
    let filters = [
        ProspectFilter::default(),
        ProspectFilter { status: Some(status.clone()), ..Default::default() },
        ProspectFilter { active: Some(false), ..Default::default() },
        ProspectFilter { industry_id: Some(2), search: "a".into(), ..Default::default() },
    ];
    for f in filters {
        let want = db.count_prospects(&f).await.unwrap();
        let filter = ExportFilter { prospects: f.clone(), ..Default::default() };
        let csv_out = export(&db, ExportEntity::Prospects, &filter, Format::Csv).await;
        let rows = csv::Reader::from_reader(csv_out.as_slice()).records().count() as i64;
        assert_eq!(rows, want, "{f:?}");
        let json: serde_json::Value =
            serde_json::from_slice(&export(&db, ExportEntity::Prospects, &filter, Format::Json).await).unwrap();
        assert_eq!(json.as_array().unwrap().len() as i64, want);
    }
    for entity in [ExportEntity::Interactions, ExportEntity::Drafts, ExportEntity::Events] {
        for format in [Format::Csv, Format::Json] {
            let out = String::from_utf8(export(&db, entity, &ExportFilter::default(), format).await).unwrap();
            assert!(!out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{202e}'), "{entity:?}");
            if format == Format::Csv {
                for rec in csv::Reader::from_reader(out.as_bytes()).records() {
                    for cell in rec.unwrap().iter() {
                        assert!(!cell.starts_with(['=', '+', '-', '@']), "formula cell {cell:?}");
                    }
                }
            }
        }
    }
    let drafts = export(&db, ExportEntity::Drafts, &ExportFilter::default(), Format::Json).await;
    let n = serde_json::from_slice::<serde_json::Value>(&drafts).unwrap().as_array().unwrap().len() as i64;
    assert_eq!(n, count(&db, "outreach_drafts").await);
}

fn closer_cmd(url: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_closer"));
    c.args(["--database-url", url]).env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-import-it.log"));
    c
}

#[tokio::test]
async fn the_command_line_prints_templates_summaries_and_private_files() {
    let (db, url) = support::fresh_db().await;
    let out = closer_cmd(&url).args(["import", "--template", "prospects"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("full_name,email,company,industry,size,website,"));

    let dir = temp_dir("cli");
    let path = dir.join("leads.csv");
    std::fs::write(&path, messy_prospects()).unwrap();
    let out = closer_cmd(&url).args(["import", "prospects", path.to_str().unwrap(), "--dry-run"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "rows were rejected: {stdout}");
    assert!(stdout.contains("nothing was changed") && stdout.contains("line 14: has 8 fields"), "{stdout}");
    assert_eq!(count(&db, "prospects").await, 0);

    let mut child = closer_cmd(&url)
        .args(["import", "prospects", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"name,email,company\nAna,ana@x.com,Acme\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(count(&db, "prospects").await, 1);

    std::fs::write(dir.join("book.xlsx"), b"PK\x03\x04rest").unwrap();
    let out = closer_cmd(&url).args(["import", "prospects", dir.join("book.xlsx").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("save the sheet as CSV"));

    let target = dir.join("out.json");
    let out = closer_cmd(&url)
        .args([
            "export",
            "prospects",
            "--format",
            "json",
            "--status",
            "new",
            "--active",
            "-o",
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(v[0]["email"], "ana@x.com");
    let out = closer_cmd(&url).args(["export", "prospects", "--status", "won"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown status \"won\""));
    std::fs::remove_dir_all(dir).ok();
}

fn import_popup(app: &App) -> &closer::app::popups::import::ImportPopup {
    match &app.state.popup {
        Some(Popup::Import(p)) => p,
        other => panic!("expected the import popup, got {other:?}"),
    }
}

#[tokio::test]
async fn the_import_popup_completes_checks_imports_and_e_exports() {
    let (db, _) = support::demo_db(20).await;
    let dir = temp_dir("tui");
    std::fs::write(dir.join("new-leads.csv"), messy_prospects()).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.join("data"));
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;

    press(&mut app, &io, [ch('I')]).await;
    press(&mut app, &io, typed(&format!("{}/new", dir.display()))).await;
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    assert_eq!(import_popup(&app).path, format!("{}/new-leads.csv", dir.display()));
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(matches!(import_popup(&app).stage, ImportStage::Review(_)));
    let text = screen(&app);
    assert!(text.contains("A real run would") && text.contains("add as new"), "{text}");
    assert!(text.contains("line 8: company is 300 characters long"), "{text}");
    assert_eq!(count(&db, "prospects").await, 20, "the dry run changed nothing");

    press(&mut app, &io, [ch('y')]).await;
    assert!(matches!(import_popup(&app).stage, ImportStage::Done(_)));
    assert_eq!(count(&db, "prospects").await, 24);
    assert!(screen(&app).contains("new"));
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(app.state.popup.is_none());
    assert_eq!(app.state.prospects.total, Some(24), "the list reloaded");

    // E: the list as filtered, to a private file under the data directory.
    press(&mut app, &io, [ch('a')]).await;
    let active = app.state.prospects.total.unwrap();
    press(&mut app, &io, [ch('E')]).await;
    let message = app.state.status.message.clone().unwrap_or_default();
    assert!(message.starts_with(&format!("exported {active} prospects to ")), "{message}");
    let file = std::fs::read_dir(dir.join("data/exports")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&file).unwrap().records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as i64, active);
    assert_eq!(&rows[0][1], app.state.prospects.row(0).unwrap().email.as_str(), "in the list's order");

    // Esc backs out of each stage; Ctrl-U clears the path.
    press(&mut app, &io, [ch('I'), ch('x'), ctrl('u')]).await;
    assert_eq!(import_popup(&app).path, "");
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(import_popup(&app).error.is_some());
    press(&mut app, &io, [key(KeyCode::Esc)]).await;
    assert!(app.state.popup.is_none());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_binary_imports_with_a_progress_and_exports() {
    let (db, url) = support::fresh_db().await;
    let dir = temp_dir("e2e-import");
    let mut file = String::from("full_name,email,company\n");
    for i in 0..3000 {
        file.push_str(&format!("Person {i},p{i}@example.com,Company {}\n", i % 30));
    }
    std::fs::write(dir.join("leads.csv"), file).unwrap();
    let mut pty = crate::e2e::Pty::spawn(
        &["--database-url", &url],
        &[("CLOSER_DATA_DIR", dir.join("data").to_str().unwrap()), ("NO_COLOR", "1")],
        30,
        // Wide enough for the export's message after the test database's long URL.
        220,
    );
    pty.wait_for("the empty list", |s| s.contains("Prospects"));
    pty.send("I");
    pty.wait_for("the popup", |s| s.contains("Import prospects from CSV"));
    pty.send(&format!("{}/le", dir.display()));
    pty.send("\t");
    pty.wait_for("the completed path", |s| s.contains("leads.csv"));
    pty.send("\r");
    pty.wait_for("the dry run", |s| s.contains("A real run would") && s.contains("3,000  add as new"));
    pty.send("y");
    pty.wait_for("the summary", |s| s.contains("Read 3,000 rows of prospects") && s.contains("Enter or Esc close"));
    pty.send("\r");
    pty.wait_for("the list", |s| s.contains("Prospects 1/3000"));
    pty.send("E");
    pty.wait_for("the export", |s| s.contains("exported 3000 prospects to"));
    pty.send("q");
    assert!(pty.wait_exit().success());
    assert_eq!(count(&db, "prospects").await, 3000);
    assert_eq!(count(&db, "companies").await, 30);
    let exported = std::fs::read_dir(dir.join("data/exports")).unwrap().count();
    assert_eq!(exported, 1);
    std::fs::remove_dir_all(dir).ok();
}
