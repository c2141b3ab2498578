//! Prospects: lists that page, filter, sort and search, and prospect and
//! company writes.

use closer::db::companies::CompanyInput;
use closer::db::interactions::InteractionInput;
use closer::db::prospects::{ProspectFilter, ProspectInput, ProspectSort};
use closer::db::EnumKind;

use crate::support;

#[tokio::test]
async fn prospect_lists_page_filter_sort_and_search() {
    let (db, _) = support::demo_db(300).await;
    let all = ProspectFilter::default();
    let total = db.count_prospects(&all).await.unwrap();
    assert_eq!(total, 300);

    // Paging visits every prospect exactly once, in the sort order.
    for sort in ProspectSort::ALL {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = db.list_prospects(&all, sort, offset, 64).await.unwrap();
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            seen.extend(page);
        }
        assert_eq!(seen.len(), 300, "{sort:?}");
        let mut ids: Vec<i32> = seen.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 300, "{sort:?}: no duplicates");
        let expected: Vec<i32> = sqlx::query_scalar(match sort {
            ProspectSort::LastContacted => "SELECT id FROM prospects ORDER BY last_contacted_at DESC NULLS LAST, id",
            ProspectSort::LeastRecent => "SELECT id FROM prospects ORDER BY last_contacted_at ASC NULLS FIRST, id DESC",
            ProspectSort::Name => "SELECT id FROM prospects ORDER BY full_name, id",
            ProspectSort::Status => "SELECT id FROM prospects ORDER BY status, last_contacted_at DESC NULLS LAST, id",
            ProspectSort::Company => {
                "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id ORDER BY c.name, p.id"
            }
        })
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(seen.iter().map(|p| p.id).collect::<Vec<_>>(), expected, "{sort:?}");
        // Pages read from the end are the same pages.
        for offset in [0, 64, 150, 200, 256, 290] {
            let from_end = db.list_prospects_in(&all, sort, offset, 64, 300).await.unwrap();
            let ids: Vec<i32> = from_end.iter().map(|p| p.id).collect();
            let end = (offset as usize + 64).min(300);
            assert_eq!(ids, expected[offset as usize..end], "{sort:?} offset {offset}");
        }
    }

    // Filters agree with plain SQL.
    let status = db.enums.labels(EnumKind::ProspectStatus)[2].clone();
    let industry: i32 =
        sqlx::query_scalar("SELECT industry_id FROM companies ORDER BY id LIMIT 1").fetch_one(&db.pool).await.unwrap();
    let f = ProspectFilter {
        status: Some(status.clone()),
        active: Some(true),
        industry_id: Some(industry),
        ..Default::default()
    };
    let want: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
          WHERE p.status::text = $1 AND p.is_active AND c.industry_id = $2",
    )
    .bind(&status)
    .bind(industry)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(db.count_prospects(&f).await.unwrap(), want);
    let rows = db.list_prospects(&f, ProspectSort::Name, 0, 500).await.unwrap();
    assert_eq!(rows.len() as i64, want);
    assert!(rows.iter().all(|r| r.status == status && r.is_active));

    // Search: case-insensitive substring of name, email or company; wildcards are literal.
    for term in ["ALICE", "wang", "acme", "王", "li.na1", "%", "_"] {
        let want: Vec<i32> = sqlx::query_scalar(
            "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id
              WHERE strpos(lower(p.full_name), lower($1)) > 0 OR strpos(lower(p.email), lower($1)) > 0
                 OR strpos(lower(c.name), lower($1)) > 0
              ORDER BY p.last_contacted_at DESC NULLS LAST, p.id",
        )
        .bind(term)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let f = ProspectFilter { search: term.into(), ..Default::default() };
        assert_eq!(db.count_prospects(&f).await.unwrap(), want.len() as i64, "count for {term:?}");
        for limit in [5, 1000] {
            let got: Vec<i32> = db
                .list_prospects(&f, ProspectSort::LastContacted, 0, limit)
                .await
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            let n = want.len().min(limit as usize);
            assert_eq!(got, want[..n], "search {term:?} limit {limit}");
        }
    }
}

#[tokio::test]
async fn prospect_and_company_writes() {
    let (db, _) = support::demo_db(20).await;
    let industry = db.create_industry("Space").await.unwrap();
    let bad = CompanyInput { name: " ".into(), industry_id: industry.id, size: "10".into(), website: None };
    assert!(db.create_company(&bad).await.unwrap_err().to_string().starts_with("name:"));
    let company = db
        .create_company(&CompanyInput {
            name: "Orbital".into(),
            industry_id: industry.id,
            size: "11-50".into(),
            website: None,
        })
        .await
        .unwrap();
    assert_eq!(company.created_at, company.updated_at);
    let status = db.enums.labels(EnumKind::ProspectStatus)[0].clone();
    let mut input = ProspectInput {
        full_name: "Ада Лавлейс".into(),
        email: "no-at-sign".into(),
        company_id: company.id,
        is_active: true,
        status: status.clone(),
        ..Default::default()
    };
    let err = db.create_prospect(&input).await.unwrap_err().to_string();
    assert!(err.starts_with("email:"), "{err}");
    input.email = "ada@example.com".into();
    let p = db.create_prospect(&input).await.unwrap();
    assert_eq!(p.full_name, "Ада Лавлейс");
    assert_eq!(p.status, status);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let q = db.set_prospect_active(p.id, false).await.unwrap();
    assert!(!q.is_active);
    assert!(q.updated_at > p.updated_at, "every write sets updated_at");
    assert_eq!(q.created_at, p.created_at);
    assert!(db.set_prospect_status(p.id, "NO_SUCH_LABEL").await.is_err());

    let detail = db.prospect_detail(p.id).await.unwrap().unwrap();
    assert_eq!(detail.company.name, "Orbital");
    assert_eq!(detail.industry.name, "Space");
    let renamed = db
        .update_company(
            company.id,
            &CompanyInput {
                name: "Orbital Ltd".into(),
                ..CompanyInput {
                    name: String::new(),
                    industry_id: industry.id,
                    size: "51-200".into(),
                    website: Some("https://orbital.example".into()),
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.size, "51-200");
    assert!(renamed.updated_at >= company.updated_at);

    // Logging an interaction moves last_contacted_at forward, in one transaction.
    // PostgreSQL keeps microseconds.
    let micros = chrono::Utc::now().timestamp_micros() - 3_600_000_000;
    let when = chrono::DateTime::from_timestamp_micros(micros).unwrap().naive_utc();
    let itype = db.enums.labels(EnumKind::InteractionTypes)[1].clone();
    let x = db
        .create_interaction(&InteractionInput {
            prospect_id: p.id,
            event_id: None,
            interaction_type: itype.clone(),
            interaction_date: when,
            subject: "Kick-off".into(),
            content: "Notes\nwith lines".into(),
            sentiment: Some("positive".into()),
            outcome: None,
        })
        .await
        .unwrap();
    assert_eq!(x.interaction_type, itype);
    let p2 = db.prospect(p.id).await.unwrap().unwrap();
    assert_eq!(p2.last_contacted_at, Some(when));
    let timeline = db.timeline(p.id, 0, 10).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(db.count_interactions(p.id).await.unwrap(), 1);

    assert!(db.delete_prospect(p.id).await.unwrap());
    assert!(db.prospect(p.id).await.unwrap().is_none());
    assert!(db.interaction(x.id).await.unwrap().is_none());
}
