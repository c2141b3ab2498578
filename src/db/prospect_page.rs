//! The prospects list's SQL, shaped to be as fast as the database allows
//! with or without Closer's indexes (issue 15, item 3):
//!
//! - a page first picks its 50 ids (the sort index, or one top-N sort of
//!   the prospects table without it), and only those 50 rows are joined to
//!   their company, industry and research mark. The research mark is a
//!   semi-join the planner answers with index probes or one hash of
//!   prospect_research, never a scan per row;
//! - a search keystroke is one statement that returns the page and, when
//!   it is cheap to know, the number of matches: the first rows in sort
//!   order are tested (a common term fills the page from them); otherwise
//!   every match is found by one query per column joined by UNION (each
//!   can use its trigram index), sorted, and counted. When the page filled
//!   from the first rows the count is only "at least", and the exact count
//!   is asked for when the list is scrolled that far.

use sqlx::{Postgres, QueryBuilder};

use super::models::ProspectListItem;
use super::prospects::{ProspectFilter, ProspectSort};
use super::{like_pattern, Db};

use color_eyre::eyre::Result;

/// The list's columns, read from `page` (ids) joined back.
const DECORATED: &str = "p.id, p.full_name, p.email, p.status::text AS status, p.is_active, p.last_contacted_at, \
     p.company_id, c.name AS company_name, i.name AS industry_name, r.prospect_id IS NOT NULL AS has_research";

/// `page` (a CTE of ids) joined to what the list shows.
const DECORATE_FROM: &str = " FROM page JOIN prospects p ON p.id = page.id JOIN companies c ON c.id = p.company_id \
     JOIN industries i ON i.id = c.industry_id \
     LEFT JOIN (SELECT DISTINCT prospect_id FROM prospect_research WHERE prospect_id IN (SELECT id FROM page)) r \
     ON r.prospect_id = p.id";

/// The plain page's statement (binds: limit, offset, after the filter's).
pub fn plain_query(
    filter: &ProspectFilter,
    sort: ProspectSort,
    reversed: bool,
    offset: i64,
    limit: i64,
) -> QueryBuilder<'static, Postgres> {
    let order = if reversed { sort.order_by_reversed() } else { sort.order_by() };
    let mut qb = QueryBuilder::new(format!("WITH page AS MATERIALIZED (SELECT p.id{}", from(filter, sort)));
    filter.push_where_with(&mut qb, false);
    qb.push(" ORDER BY ").push(order);
    qb.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    qb.push(format!(") SELECT {DECORATED}{DECORATE_FROM} ORDER BY {order}"));
    qb
}

/// The search statement. Without status, active or industry filters its
/// binds are [`search_args`] (the benchmark runs it in psql with those).
pub fn search_query(
    filter: &ProspectFilter,
    sort: ProspectSort,
    offset: i64,
    limit: i64,
) -> QueryBuilder<'static, Postgres> {
    let pat = like_pattern(filter.search.trim());
    let need = offset + limit;
    let window = search_window(need);
    let (keys, order, from) = (keys(filter, sort), key_order(sort), from(filter, sort));
    let mut qb: QueryBuilder<'static, Postgres> =
        QueryBuilder::new("WITH mc AS MATERIALIZED (SELECT id FROM companies WHERE name ILIKE ");
    qb.push_bind(pat.clone());
    // The first rows in sort order, tested as they stream from the sort
    // index: a common term stops the walk after a few hundred rows.
    qb.push(format!(
        "), walk AS MATERIALIZED (SELECT id, last_contacted_at, full_name, status, cname FROM \
         (SELECT {keys}, p.email, p.company_id{from}"
    ));
    filter.push_where_with(&mut qb, false);
    qb.push(" ORDER BY ").push(sort.order_by()).push(" LIMIT ").push_bind(window);
    qb.push(") win WHERE full_name ILIKE ")
        .push_bind(pat.clone())
        .push(" OR email ILIKE ")
        .push_bind(pat.clone())
        .push(" OR company_id IN (SELECT id FROM mc) ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .push_bind(need);
    // Enough from them, or every match by the (trigram-indexable) columns.
    qb.push("), hits AS MATERIALIZED (SELECT * FROM walk WHERE (SELECT count(*) FROM walk) >= ")
        .push_bind(need)
        .push(format!(" UNION ALL SELECT {keys}{from}"));
    filter.push_where_with(&mut qb, false);
    qb.push(" AND (SELECT count(*) FROM walk) < ")
        .push_bind(need)
        .push(" AND p.id IN (SELECT id FROM prospects WHERE full_name ILIKE ")
        .push_bind(pat.clone())
        .push(" UNION SELECT id FROM prospects WHERE email ILIKE ")
        .push_bind(pat)
        .push(" UNION SELECT id FROM prospects WHERE company_id IN (SELECT id FROM mc)))");
    qb.push(format!(", page AS MATERIALIZED (SELECT id FROM hits ORDER BY {order} LIMIT "))
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    qb.push(") SELECT ")
        .push(DECORATED)
        .push(", CASE WHEN (SELECT count(*) FROM walk) >= ")
        .push_bind(need)
        .push(" THEN NULL ELSE (SELECT count(*) FROM hits) END AS total")
        .push(DECORATE_FROM)
        .push(" ORDER BY ")
        .push(sort.order_by());
    qb
}

/// How many candidate ids a search reads per column before sorting, for a
/// page ending at row `need` (the query and the benchmark's psql share it).
fn search_window(need: i64) -> i64 {
    (need * 40).clamp(1000, 20_000)
}

/// [`search_query`]'s binds as SQL literals, in order (no other filter).
pub fn search_args(search: &str, offset: i64, limit: i64) -> Vec<String> {
    let pat = format!("'{}'", like_pattern(search.trim()).replace('\'', "''"));
    let need = offset + limit;
    let window = search_window(need);
    [&pat, &window.to_string(), &pat, &pat, &need.to_string(), &need.to_string(), &need.to_string(), &pat, &pat]
        .into_iter()
        .cloned()
        .chain([limit.to_string(), offset.to_string(), need.to_string()])
        .collect()
}

/// How many matches a search counts, at most, before it says "at least".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Exact(i64),
    AtLeast(i64),
}

/// A search page and what is known of the number of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub rows: Vec<ProspectListItem>,
    pub total: Total,
}

fn needs_company(filter: &ProspectFilter, sort: ProspectSort) -> bool {
    filter.industry_id.is_some() || sort == ProspectSort::Company
}

/// `FROM prospects p` (joined to companies when the filter or sort needs it).
fn from(filter: &ProspectFilter, sort: ProspectSort) -> &'static str {
    if needs_company(filter, sort) {
        " FROM prospects p JOIN companies c ON c.id = p.company_id"
    } else {
        " FROM prospects p"
    }
}

/// The sort keys a search carries between its steps (`cname`: the company name).
fn keys(filter: &ProspectFilter, sort: ProspectSort) -> &'static str {
    if needs_company(filter, sort) {
        "p.id, p.last_contacted_at, p.full_name, p.status, c.name AS cname"
    } else {
        "p.id, p.last_contacted_at, p.full_name, p.status, NULL::text AS cname"
    }
}

/// [`ProspectSort`]'s order over the carried keys.
fn key_order(sort: ProspectSort) -> &'static str {
    match sort {
        ProspectSort::LastContacted => "last_contacted_at DESC NULLS LAST, id",
        ProspectSort::LeastRecent => "last_contacted_at ASC NULLS FIRST, id DESC",
        ProspectSort::Name => "full_name, id",
        ProspectSort::Status => "status, last_contacted_at DESC NULLS LAST, id",
        ProspectSort::Company => "cname, id",
    }
}

impl Db {
    /// One page of the list without a search, in `order` (the sort, or its
    /// exact reverse for a page read from the end).
    pub(super) async fn plain_page(
        &self,
        filter: &ProspectFilter,
        sort: ProspectSort,
        reversed: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ProspectListItem>> {
        Ok(plain_query(filter, sort, reversed, offset, limit).build_query_as().fetch_all(&self.pool).await?)
    }

    /// One page of a search, with the number of matches, in one statement.
    pub async fn search_page(
        &self,
        filter: &ProspectFilter,
        sort: ProspectSort,
        offset: i64,
        limit: i64,
    ) -> Result<SearchPage> {
        let need = offset + limit;
        let mut qb = search_query(filter, sort, offset, limit);
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            item: ProspectListItem,
            total: Option<i64>,
        }
        let rows: Vec<Row> = qb.build_query_as().fetch_all(&self.pool).await?;
        let total = match rows.first().map(|r| r.total) {
            Some(Some(n)) => Total::Exact(n),
            Some(None) => Total::AtLeast(need),
            // No row on this page: the count is not known from it.
            None if offset == 0 => Total::Exact(0),
            None => Total::AtLeast(0),
        };
        Ok(SearchPage { rows: rows.into_iter().map(|r| r.item).collect(), total })
    }
}
