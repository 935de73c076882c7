//! SQL functions diesel does not declare itself.

use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// `lower(text)`: for case-insensitive matches on emails and names (backed by
    /// `lower(...)` unique indexes).
    fn lower(x: Text) -> Text;
}
