//! SQL functions diesel does not declare itself.

use diesel::sql_types::{Bool, Text};

diesel::define_sql_function! {
    /// `lower(text)`: for case-insensitive matches on emails and names (backed by
    /// `lower(...)` unique indexes).
    fn lower(x: Text) -> Text;
}

diesel::define_sql_function! {
    /// `set_config(name, value, is_local)`: sets a run-time setting, for the rest of the
    /// transaction when `is_local`. Declared rather than written as raw SQL so the
    /// statement is prepared once per connection and reused.
    fn set_config(name: Text, value: Text, is_local: Bool) -> Text;
}
