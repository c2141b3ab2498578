//! Export: the round trip into an empty database, and the list's filters
//! applied to a file that is safe to open.

use closer::db::export::ExportFilter;
use closer::db::prospects::ProspectFilter;
use closer::db::Db;
use closer::export::{ExportEntity, Format};
use closer::import::Entity;

use super::{count, counts, import_bytes, opts};
use crate::support::{self};

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
