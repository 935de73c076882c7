//! The input gate: every string and list in an operation's arguments passes
//! [`validate::characters`] and [`validate::list_len`] before the operation runs. It walks
//! the parsed document (every operation and fragment, every field's arguments), with
//! variables and their defaults put in place, so no text input — a name, a note, an ID,
//! an idempotency key, a password, a cursor — reaches a resolver, the database or a log
//! unchecked, whichever resolver forgets to look.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value as ConstValue, Variables};

use crate::error::AppResult;
use crate::validate;

/// Checks every argument of every field in `doc`; the first failure names its field
/// (`input.name`, `filter.needs`, `note`).
pub fn check(doc: &ExecutableDocument, variables: &Variables) -> AppResult<()> {
    let defaults: Vec<(&Name, &ConstValue)> = doc
        .operations
        .iter()
        .flat_map(|(_, op)| op.node.variable_definitions.iter())
        .filter_map(|d| d.node.default_value.as_ref().map(|v| (&d.node.name.node, &v.node)))
        .collect();
    let variable = |name: Name| -> Result<ConstValue, std::convert::Infallible> {
        Ok(variables
            .get(&name)
            .cloned()
            .or_else(|| defaults.iter().find(|(n, _)| **n == name).map(|(_, v)| (*v).clone()))
            .unwrap_or(ConstValue::Null))
    };
    let mut sets: Vec<&SelectionSet> = doc.operations.iter().map(|(_, op)| &op.node.selection_set.node).collect();
    sets.extend(doc.fragments.values().map(|f| &f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let operation = field.node.name.node.as_str();
                    for (name, value) in &field.node.arguments {
                        let value: ConstValue =
                            value.node.clone().into_const_with(variable).unwrap_or_else(|never| match never {});
                        check_value(operation, name.node.as_str(), &value)?;
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => sets.push(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    Ok(())
}

/// One argument value at `path` (list positions are not part of the path).
fn check_value(operation: &str, path: &str, value: &ConstValue) -> AppResult<()> {
    match value {
        ConstValue::String(s) => validate::characters(s, path, validate::lines_of(operation, path)),
        ConstValue::List(items) => {
            validate::list_len(items.len(), operation, path)?;
            items.iter().try_for_each(|item| check_value(operation, path, item))
        }
        ConstValue::Object(fields) => {
            fields.iter().try_for_each(|(key, v)| check_value(operation, &format!("{path}.{key}"), v))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn run(query: &str, variables: serde_json::Value) -> Result<(), String> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        check(&doc, &variables).map_err(|e| match e {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn strings_are_checked_wherever_they_come_from() {
        assert_eq!(
            run("mutation { createOrganization(input: { name: \"a\\u0000b\" }) { id } }", json!({})),
            Err("input.name".into())
        );
        let by_variable = "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }";
        assert_eq!(run(by_variable, json!({ "i": { "name": "a\u{0}" } })), Err("input.name".into()));
        assert_eq!(run(by_variable, json!({ "i": { "name": "Harbor House" } })), Ok(()));
        let by_default = "mutation($n: String = \"x\\u0001\") { createOrganization(input: { name: $n }) { id } }";
        assert_eq!(run(by_default, json!({})), Err("input.name".into()));
        let in_fragment = "query { ...F } fragment F on Query { provider(id: \"\\u0000\") { id } }";
        assert_eq!(run(in_fragment, json!({})), Err("id".into()));
        let in_list = "mutation($i: MouInput!) { createMou(input: $i) { id } }";
        assert_eq!(
            run(in_list, json!({ "i": { "parties": [{ "countyFips": "37\n183" }] } })),
            Err("input.parties.countyFips".into())
        );
    }

    #[test]
    fn line_breaks_only_in_multi_line_fields() {
        let q = "mutation($id: ID!, $n: String) { transitionReferral(id: $id, to: CANCELLED, note: $n) { id } }";
        assert_eq!(run(q, json!({ "id": "x", "n": "first line\nsecond line\ttabbed" })), Ok(()));
        assert_eq!(run(q, json!({ "id": "x\n", "n": "ok" })), Err("id".into()));
    }

    #[test]
    fn lists_beyond_their_cap_are_refused() {
        let q = "query($f: ProviderFilter) { searchProviders(filter: $f) { nodes { cursor } } }";
        let langs = |n: usize| json!({ "f": { "languages": vec!["es"; n] } });
        assert_eq!(run(q, langs(20)), Ok(()));
        assert_eq!(run(q, langs(21)), Err("filter.languages".into()));
    }

    use serde_json::json;
}
