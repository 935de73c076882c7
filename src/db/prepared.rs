//! Hand-written SQL that PostgreSQL parses and plans once per connection.
//!
//! diesel never keeps a prepared statement for `sql_query` (nor for any UPDATE): each
//! run is parsed and planned again. For a statement over tables with row-level security
//! planning costs more than running it (the policies' subqueries are planned too), so a
//! hot path of hand-written SQL spends most of the database's time planning: under
//! `make bench` PostgreSQL took 70 % of both cores for `setCapacity`, most of it
//! parsing and planning the same five statements. [`prepared`] builds a query diesel
//! *does* keep per connection, keyed by its text, exactly as it keeps its own
//! statements.
//!
//! The SQL names its parameters `$1`, `$2`, … once each, in order (diesel numbers the
//! binds as it writes them); a value needed twice is bound twice. Dollar signs are read
//! only as placeholders, so the text must hold no dollar-quoted strings.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// A statement of fixed text with its binds so far; run it as any diesel query
/// (`execute`, `load`, `get_result` with a `QueryableByName` row).
#[must_use = "a query runs only when executed or loaded"]
pub struct Prepared<B> {
    sql: &'static str,
    binds: B,
}

/// The statement `sql`, to be given one bind per placeholder with [`Prepared::bind`].
pub fn prepared(sql: &'static str) -> Prepared<()> {
    Prepared { sql, binds: () }
}

/// One bound value of SQL type `ST`.
pub struct Bind<ST, T> {
    value: T,
    sql_type: PhantomData<fn() -> ST>,
}

impl<B: Binds> Prepared<B> {
    /// Binds the next placeholder (`$n` for the `n`th call) to `value` as SQL type `ST`.
    pub fn bind<ST, T>(self, value: T) -> Prepared<(B, Bind<ST, T>)>
    where
        Pg: HasSqlType<ST>,
        T: ToSql<ST, Pg>,
    {
        Prepared { sql: self.sql, binds: (self.binds, Bind { value, sql_type: PhantomData }) }
    }
}

/// The binds of a [`Prepared`] statement: nothing, or earlier binds and one more.
pub trait Binds {
    /// How many values are bound.
    const COUNT: usize;
    /// Writes the text before each bound placeholder, then the bind (diesel writes `$n`).
    fn walk<'b>(&'b self, pieces: &[&'static str], out: AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

impl Binds for () {
    const COUNT: usize = 0;
    fn walk<'b>(&'b self, pieces: &[&'static str], mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(pieces[0]);
        Ok(())
    }
}

impl<B, ST, T> Binds for (B, Bind<ST, T>)
where
    B: Binds,
    Pg: HasSqlType<ST>,
    T: ToSql<ST, Pg>,
{
    const COUNT: usize = B::COUNT + 1;
    fn walk<'b>(&'b self, pieces: &[&'static str], mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk(pieces, out.reborrow())?;
        out.push_bind_param::<ST, T>(&self.1.value)?;
        out.push_sql(pieces[Self::COUNT]);
        Ok(())
    }
}

/// `sql` cut at its placeholders; an error unless they are `$1` to `$count`, once each,
/// in order.
fn pieces(sql: &'static str, count: usize) -> QueryResult<Vec<&'static str>> {
    let mut pieces = Vec::with_capacity(count + 1);
    let (mut start, mut at) = (0, 0);
    let bytes = sql.as_bytes();
    while let Some(offset) = sql[at..].find('$') {
        let dollar = at + offset;
        let digits = bytes[dollar + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let number: usize = sql[dollar + 1..dollar + 1 + digits].parse().map_err(|_| misplaced(sql))?;
        if number != pieces.len() + 1 {
            return Err(misplaced(sql));
        }
        pieces.push(&sql[start..dollar]);
        start = dollar + 1 + digits;
        at = start;
    }
    pieces.push(&sql[start..]);
    if pieces.len() != count + 1 {
        return Err(misplaced(sql));
    }
    Ok(pieces)
}

fn misplaced(sql: &str) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(
        format!("prepared statement: placeholders must be $1..$n in order, one bind each: {sql}").into(),
    )
}

impl<B: Binds> QueryFragment<Pg> for Prepared<B> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.binds.walk(&pieces(self.sql, B::COUNT)?, out)
    }
}

/// No static id: diesel keys the kept statement by its text (and bind types).
impl<B> QueryId for Prepared<B> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<B> Query for Prepared<B> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_cut_the_text_in_order() {
        assert_eq!(pieces("SELECT $1, $2 FROM t", 2).expect("in order"), vec!["SELECT ", ", ", " FROM t"]);
        assert_eq!(pieces("SELECT 1", 0).expect("none"), vec!["SELECT 1"]);
        assert_eq!(pieces("SELECT $10", 1).ok(), None, "not the first");
        assert_eq!(pieces("SELECT $1 = $1", 2).ok(), None, "reused");
        assert_eq!(pieces("SELECT $2, $1", 2).ok(), None, "out of order");
        assert_eq!(pieces("SELECT $1", 2).ok(), None, "a bind without a placeholder");
        assert_eq!(pieces("SELECT $$x$$", 0).ok(), None, "no dollar quoting");
    }

    #[test]
    fn the_statement_text_is_the_sql_given() {
        let q = prepared("SELECT $1::int + $2 AS n")
            .bind::<diesel::sql_types::Integer, _>(1)
            .bind::<diesel::sql_types::Integer, _>(2);
        assert_eq!(
            diesel::debug_query::<Pg, _>(&q).to_string().lines().next(),
            Some("SELECT $1::int + $2 AS n -- binds: [1, 2]")
        );
    }
}
