//! Discovery in SQL: one statement per page, keyset-paginated, over either full-text engine.
//!
//! The full-text engines differ per backend and sit behind the [`FullText`] trait: FTS5 (an
//! `ad_space_fts` table kept by triggers, ranked by `bm25`) on SQLite, a weighted `tsvector`
//! column with a GIN index (kept by triggers, ranked by `ts_rank`) on Postgres. Both are
//! maintained by the database itself (migration `m0004_search`), so rows written by any code
//! path, including tests that insert rows directly, are searchable.
//!
//! A page is `SELECT … FROM (matching rows with their sort key) WHERE (key, id) after cursor
//! ORDER BY key, id LIMIT n`: never an OFFSET, so the 50th page costs what the first does.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryResult, Statement, Value};

use super::rows::to_ad_space;
use crate::domain::catalogue::AdSpace;
use crate::domain::catalogue::discovery::{Cursor, KeyValue, SearchFilter, SortKey};
use crate::domain::{DomainError, DomainResult};
use crate::store::entities::ad_space;
use crate::store::{Store, internal};

/// SQL text with its bound values, numbering placeholders the way the backend wants.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// An empty statement for `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Self { backend, text: String::with_capacity(1024), values: Vec::new() }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(?, ?, …)` bound to `values`.
    pub fn bind_list<T: Into<Value> + Clone>(&mut self, values: &[T]) -> &mut Self {
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self.push(")")
    }

    /// The finished statement.
    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// A backend's full-text engine, as the discovery query uses it.
pub trait FullText: Send + Sync {
    /// Pushes the `FROM` of a full-text query: `ad_spaces a`, joined to the index so that the
    /// index drives the query (the planner must not scan every space in sort order and match
    /// each one).
    fn push_from(&self, sql: &mut Sql);
    /// Pushes the condition that `a` matches every term.
    fn matches(&self, sql: &mut Sql, terms: &[String]);
    /// Pushes the relevance of `a` for the terms: a real number, higher is better.
    fn relevance(&self, sql: &mut Sql, terms: &[String]);
    /// The SQL type name of a double-precision real.
    fn real_type(&self) -> &'static str;
}

/// FTS5 on SQLite.
pub struct Fts5;

impl FullText for Fts5 {
    fn push_from(&self, sql: &mut Sql) {
        // In SQLite, CROSS JOIN fixes the join order: the FTS5 table is the outer loop.
        sql.push(" FROM ad_space_fts CROSS JOIN ad_spaces a ON a.id = ad_space_fts.rowid");
    }

    fn matches(&self, sql: &mut Sql, terms: &[String]) {
        // Every term quoted: a phrase of one word, so FTS5 operators in the input mean nothing.
        let query = terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ");
        sql.push("ad_space_fts MATCH ").bind(query);
    }

    fn relevance(&self, sql: &mut Sql, _terms: &[String]) {
        // Column weights: title, description, deliverables, influencer name, categories.
        sql.push("(-bm25(ad_space_fts, 8.0, 2.0, 2.0, 4.0, 3.0))");
    }

    fn real_type(&self) -> &'static str {
        "REAL"
    }
}

/// `tsvector` + GIN on Postgres.
pub struct TsVector;

impl FullText for TsVector {
    fn push_from(&self, sql: &mut Sql) {
        sql.push(" FROM ad_spaces a");
    }

    fn matches(&self, sql: &mut Sql, terms: &[String]) {
        sql.push("a.search @@ plainto_tsquery('english', ").bind(terms.join(" ")).push(")");
    }

    fn relevance(&self, sql: &mut Sql, terms: &[String]) {
        sql.push("CAST(ts_rank(a.search, plainto_tsquery('english', ").bind(terms.join(" ")).push(")) AS DOUBLE PRECISION)");
    }

    fn real_type(&self) -> &'static str {
        "DOUBLE PRECISION"
    }
}

const COLUMNS: &str = "a.id, a.influencer_id, a.channel_id, a.title, a.description, a.format, a.deliverables, a.price_minor, \
    a.currency, a.turnaround_days, a.revisions_included, a.categories, a.sample_links, a.archived_at, a.created_at, a.updated_at, \
    a.rating_sum, a.rating_count, a.rating_1, a.rating_2, a.rating_3, a.rating_4, a.rating_5";

impl Store {
    /// The full-text engine of the connected backend.
    pub fn full_text(&self) -> &'static dyn FullText {
        match self.backend() {
            DbBackend::Postgres => &TsVector,
            _ => &Fts5,
        }
    }
}

/// Pushes the sort key expression of `sort` (none for newest: the id alone orders it).
fn push_key(sql: &mut Sql, fts: &dyn FullText, sort: SortKey, terms: &[String]) -> bool {
    match sort {
        SortKey::Relevance => fts.relevance(sql, terms),
        SortKey::PriceAsc | SortKey::PriceDesc => {
            sql.push("a.price_minor");
        }
        SortKey::Followers => {
            sql.push("c.followers");
        }
        SortKey::Rating => {
            let real = fts.real_type();
            sql.push(&format!("CASE WHEN u.rating_count > 0 THEN CAST(u.rating_sum AS {real}) / u.rating_count ELSE 0.0 END"));
        }
        SortKey::Newest => return false,
    }
    true
}

fn push_filters(sql: &mut Sql, fts: &dyn FullText, f: &SearchFilter) {
    sql.push(" WHERE a.archived_at IS NULL");
    if !f.terms.is_empty() {
        sql.push(" AND ");
        fts.matches(sql, &f.terms);
    }
    if !f.platforms.is_empty() {
        let names: Vec<String> = f.platforms.iter().map(|p| p.as_str().to_owned()).collect();
        sql.push(" AND c.platform IN ").bind_list(&names);
    }
    if !f.formats.is_empty() {
        let names: Vec<String> = f.formats.iter().map(|p| p.as_str().to_owned()).collect();
        sql.push(" AND a.format IN ").bind_list(&names);
    }
    if !f.categories.is_empty() {
        sql.push(" AND (");
        for (i, c) in f.categories.iter().enumerate() {
            sql.push(if i > 0 { " OR " } else { "" }).push("a.categories LIKE ").bind(format!("%\"{}\"%", c.as_str()));
        }
        sql.push(")");
    }
    if let Some(p) = &f.price {
        sql.push(" AND a.currency = ").bind(p.currency.clone());
        if let Some(min) = p.min_minor {
            sql.push(" AND a.price_minor >= ").bind(min);
        }
        if let Some(max) = p.max_minor {
            sql.push(" AND a.price_minor <= ").bind(max);
        }
    }
    if let Some(min) = f.min_followers {
        sql.push(" AND c.followers >= ").bind(min);
    }
    if let Some(min) = f.min_rating {
        sql.push(" AND u.rating_count > 0 AND u.rating_sum >= u.rating_count * ").bind(min);
    }
    if let Some(country) = &f.country {
        sql.push(" AND u.country = ").bind(country.clone());
    }
    if let Some(language) = &f.language {
        sql.push(" AND u.languages LIKE ").bind(format!("%\"{language}\"%"));
    }
    if let Some(id) = f.influencer_id {
        sql.push(" AND a.influencer_id = ").bind(id);
    }
}

fn push_keyset(sql: &mut Sql, sort: SortKey, has_key: bool, after: Option<&Cursor>) {
    let Some(cursor) = after else { return };
    let op = if sort.ascending() { ">" } else { "<" };
    let key: Option<Value> = match cursor.key {
        KeyValue::Int(v) => Some(v.into()),
        KeyValue::Float(v) => Some(v.into()),
        KeyValue::None => None,
    };
    match (has_key, key) {
        (true, Some(k)) => {
            sql.push(&format!(" WHERE (t.sort_key {op} ")).bind(k.clone());
            sql.push(" OR (t.sort_key = ").bind(k).push(&format!(" AND t.id {op} ")).bind(cursor.id).push("))");
        }
        _ => {
            sql.push(&format!(" WHERE t.id {op} ")).bind(cursor.id);
        }
    }
}

/// One page of live ad spaces matching `filter`, in `sort` order, after `after`: one statement.
pub async fn search(
    store: &Store,
    f: &SearchFilter,
    sort: SortKey,
    after: Option<&Cursor>,
    limit: usize,
) -> DomainResult<Vec<(AdSpace, KeyValue)>> {
    let fts = store.full_text();
    let mut sql = Sql::new(store.backend());
    sql.push("SELECT * FROM (SELECT ").push(COLUMNS).push(", ");
    let has_key = push_key(&mut sql, fts, sort, &f.terms);
    if !has_key {
        sql.push("0");
    }
    sql.push(" AS sort_key");
    if f.terms.is_empty() {
        sql.push(" FROM ad_spaces a");
    } else {
        fts.push_from(&mut sql);
    }
    sql.push(" JOIN channels c ON c.id = a.channel_id JOIN users u ON u.id = a.influencer_id");
    push_filters(&mut sql, fts, f);
    sql.push(") t");
    if after.is_some_and(|c| has_key && c.key == KeyValue::None) {
        return Err(DomainError::bad_input("after", "is not a valid cursor"));
    }
    push_keyset(&mut sql, sort, has_key, after);
    let dir = if sort.ascending() { "ASC" } else { "DESC" };
    if has_key {
        sql.push(&format!(" ORDER BY t.sort_key {dir}, t.id {dir}"));
    } else {
        sql.push(&format!(" ORDER BY t.id {dir}"));
    }
    sql.push(" LIMIT ").bind(limit as i64);
    let rows = store.db().query_all_raw(sql.build()).await.map_err(internal)?;
    rows.iter().map(|row| to_result(row, sort)).collect()
}

fn to_result(row: &QueryResult, sort: SortKey) -> DomainResult<(AdSpace, KeyValue)> {
    let model = ad_space::Model::from_query_result(row, "").map_err(internal)?;
    let key = match sort {
        SortKey::Newest => KeyValue::None,
        SortKey::PriceAsc | SortKey::PriceDesc | SortKey::Followers => KeyValue::Int(row.try_get::<i64>("", "sort_key").map_err(internal)?),
        SortKey::Relevance | SortKey::Rating => KeyValue::Float(row.try_get::<f64>("", "sort_key").map_err(internal)?),
    };
    Ok((to_ad_space(model)?, key))
}
