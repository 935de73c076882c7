//! A SQL statement assembled from fixed fragments, with numbered bind parameters: the one
//! builder of the hand-written searches (`providers::search::sql`, `hsds::repo`). No
//! caller text is ever spliced into the SQL; values always go through binds. Each user
//! adds its own clauses in an `impl Statement` block of its module.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};

/// A statement being built.
pub(crate) struct Statement<'a> {
    /// The statement so far, ready to run once built.
    pub(crate) query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    binds: usize,
}

impl<'a> Statement<'a> {
    /// A statement starting with `sql`.
    pub(crate) fn new(sql: &str) -> Self {
        Statement { query: diesel::sql_query(sql).into_boxed(), binds: 0 }
    }

    /// Appends a fixed fragment.
    pub(crate) fn sql(mut self, sql: &str) -> Self {
        self.query = self.query.sql(sql);
        self
    }

    /// Appends the next placeholder (`$n`) and binds `value` to it.
    pub(crate) fn bind<T, V>(mut self, value: V) -> Self
    where
        Pg: diesel::sql_types::HasSqlType<T>,
        V: diesel::serialize::ToSql<T, Pg> + Send + 'a,
        T: diesel::sql_types::SqlType + Send + 'a,
    {
        self.binds += 1;
        self.query = self.query.sql(format!("${}", self.binds)).bind::<T, V>(value);
        self
    }
}
