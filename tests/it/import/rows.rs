//! Importing files as they come: a messy file dry-run then imported then a
//! no-op, Latin-1 and tabs, failures and cancels that change nothing,
//! updates on duplicates, and events and interactions with references.

use std::io::Cursor;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use closer::import::{Encoding, Entity, Input, OnDuplicate, Options, Summary};

use super::{count, counts, import_bytes, messy_prospects, opts, reasons};
use crate::support::{self};

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

#[tokio::test]
async fn a_real_import_is_announced_like_every_write_and_a_dry_run_is_not() {
    let (db, _) = support::fresh_db().await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await.unwrap();
    listener.listen(closer::db::notify::CHANNEL).await.unwrap();
    let file = messy_prospects();
    import_bytes(&db, &file, opts(Entity::Prospects, true)).await.unwrap();
    import_bytes(&db, &file, opts(Entity::Prospects, false)).await.unwrap();
    let wait = std::time::Duration::from_secs(5);
    let n = tokio::time::timeout(wait, listener.recv()).await.expect("the import announced itself").unwrap();
    let change: closer::db::notify::Change = serde_json::from_str(n.payload()).unwrap();
    assert!(change.is_from(&db), "as this Closer's own write: {change:?}");
    assert!(change.touches("prospects") && change.touches("companies"), "{change:?}");
    // The dry run rolled back: its announcement never went out.
    let again = tokio::time::timeout(std::time::Duration::from_millis(500), listener.recv()).await;
    assert!(again.is_err(), "one announcement, not two");
}
