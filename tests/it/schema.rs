//! The migrated schema matches the seed document column by column. The
//! document is parsed here, independently of Closer's own schema table.

use std::collections::{BTreeMap, BTreeSet};

use crate::support;

#[derive(Debug, Clone, PartialEq, Eq)]
struct DocColumn {
    ty: String,
    not_null: bool,
    pk: bool,
    fk: Option<(String, String)>,
}

/// table, column, data_type, udt_name, character_maximum_length, is_nullable, column_default
type ColumnRow = (String, String, String, String, Option<i32>, String, Option<String>);

fn seed_document() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    for p in [format!("{root}/../shared/seed-schema.md"), format!("{root}/tests/fixtures/seed-schema.md")] {
        if let Ok(s) = std::fs::read_to_string(&p) {
            return s;
        }
    }
    panic!("seed-schema.md not found");
}

/// table -> column -> spec, in document order.
fn parse_document(doc: &str) -> BTreeMap<String, Vec<(String, DocColumn)>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            current = Some(name.trim().to_string());
            tables.insert(name.trim().to_string(), Vec::new());
            continue;
        }
        let Some(table) = &current else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || cells[1] == "Column" || cells[1].starts_with("---") {
            continue;
        }
        let (col, ty, cons) = (cells[1], cells[2], cells[3]);
        let fk = cons.split(',').map(str::trim).find_map(|c| {
            let target = c.strip_prefix("FK → ")?;
            let (t, c) = target.split_once('.')?;
            Some((t.to_string(), c.to_string()))
        });
        let spec = DocColumn {
            ty: ty.to_string(),
            not_null: cons.contains("NOT NULL") || cons.contains("PRIMARY KEY"),
            pk: cons.contains("PRIMARY KEY"),
            fk,
        };
        tables.get_mut(table).unwrap().push((col.to_string(), spec));
    }
    tables.retain(|_, cols| !cols.is_empty());
    tables
}

/// The document's type written as information_schema reports it.
fn expected_type(doc_ty: &str) -> (String, Option<i32>) {
    if let Some(n) = doc_ty.strip_prefix("VARCHAR(").and_then(|s| s.strip_suffix(')')) {
        return ("character varying".into(), Some(n.parse().unwrap()));
    }
    let t = match doc_ty {
        "SERIAL" | "INTEGER" => "integer",
        "TEXT" => "text",
        "TIMESTAMP" => "timestamp without time zone",
        "BOOLEAN" => "boolean",
        "JSONB" => "jsonb",
        "DOUBLE PRECISION" => "double precision",
        other => return (format!("USER-DEFINED:{other}"), None),
    };
    (t.into(), None)
}

#[tokio::test]
async fn migrated_schema_matches_the_seed_document() {
    let doc = parse_document(&seed_document());
    assert_eq!(doc.len(), 11, "the document describes eleven tables: {:?}", doc.keys());
    let (db, _) = support::fresh_db().await;

    let columns: Vec<ColumnRow> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, udt_name::text, character_maximum_length,
                is_nullable::text, column_default::text
           FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();

    let db_tables: BTreeSet<&str> = columns.iter().map(|c| c.0.as_str()).filter(|t| *t != "_sqlx_migrations").collect();
    let doc_tables: BTreeSet<&str> = doc.keys().map(String::as_str).collect();
    assert_eq!(db_tables, doc_tables, "same set of tables");

    for (table, cols) in &doc {
        let db_cols: BTreeSet<&str> = columns.iter().filter(|c| &c.0 == table).map(|c| c.1.as_str()).collect();
        let doc_cols: BTreeSet<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(db_cols, doc_cols, "columns of {table}: no column added, renamed or missing");
        for (col, spec) in cols {
            let c = columns.iter().find(|c| &c.0 == table && &c.1 == col).unwrap();
            let (ty, len) = expected_type(&spec.ty);
            if let Some(enum_name) = ty.strip_prefix("USER-DEFINED:") {
                assert_eq!((c.2.as_str(), c.3.as_str()), ("USER-DEFINED", enum_name), "{table}.{col}");
            } else {
                assert_eq!(c.2, ty, "type of {table}.{col}");
                assert_eq!(c.4, len, "length of {table}.{col}");
            }
            assert_eq!(c.5 == "NO", spec.not_null, "nullability of {table}.{col}");
            if spec.ty == "SERIAL" {
                assert!(
                    c.6.as_deref().unwrap_or("").starts_with("nextval("),
                    "{table}.{col} is SERIAL (sequence default), got {:?}",
                    c.6
                );
            } else {
                assert_eq!(c.6, None, "{table}.{col} has no default (only id columns do)");
            }
        }
    }

    // Primary keys, from pg_constraint.
    let pks: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text,
                array_agg(a.attname::text ORDER BY a.attname)
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace
          GROUP BY c.oid, c.conrelid",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for (table, cols) in &doc {
        let mut want: Vec<String> = cols.iter().filter(|c| c.1.pk).map(|c| c.0.clone()).collect();
        want.sort();
        let have = pks.iter().find(|(t, _)| t == table).map(|(_, c)| c.clone()).unwrap_or_default();
        assert_eq!(have, want, "primary key of {table}");
    }

    // Foreign keys, from pg_constraint.
    let fks: BTreeSet<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, af.attname::text
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
          WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let want_fks: BTreeSet<(String, String, String, String)> = doc
        .iter()
        .flat_map(|(t, cols)| {
            cols.iter().filter_map(move |(c, s)| s.fk.clone().map(|(ft, fc)| (t.clone(), c.clone(), ft, fc)))
        })
        .collect();
    assert_eq!(fks, want_fks, "foreign keys");

    // The three enum types, with the original system's labels.
    let enums: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT t.typname::text, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
           FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let names: Vec<&str> = enums.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["interaction_types", "pricing_models", "prospect_status"]);
    assert_eq!(enums[2].1, ["NEW", "RESEARCHED", "CONTACTED", "ENGAGED", "QUALIFIED", "INACTIVE"]);
    assert_eq!(enums[0].1, ["EMAIL", "MEETING", "CALL", "EVENT", "LINKEDIN"]);
}

#[test]
fn closers_own_schema_table_agrees_with_the_document() {
    let doc = parse_document(&seed_document());
    for (table, cols) in closer::db::schema::SEED_TABLES {
        let d = doc.get(*table).unwrap_or_else(|| panic!("{table} is in the document"));
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let doc_names: Vec<&str> = d.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, doc_names, "{table}");
        for ((name, _, nullable), (_, spec)) in cols.iter().zip(d) {
            assert_eq!(!nullable, spec.not_null, "{table}.{name}");
        }
    }
    assert_eq!(closer::db::schema::SEED_TABLES.len(), doc.len());
}
