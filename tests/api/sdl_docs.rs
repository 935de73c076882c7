//! The SDL is the API's documentation: production turns introspection off, so
//! `graphql/schema.graphql` is what a client developer reads. Every type, field, enum value
//! and input field carries a description (arguments are named for what they take, and
//! described where the name alone would mislead).

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// Every place in the SDL that has no description, as `Type`, `Type.field` or
/// `Enum.VALUE`.
fn undescribed(sdl: &str) -> Vec<String> {
    let document = parse_schema(sdl).expect("the SDL parses");
    let mut missing = Vec::new();
    let blank = |d: &Option<async_graphql::Positioned<String>>| d.as_ref().is_none_or(|d| d.node.trim().is_empty());
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        if blank(&ty.description) {
            missing.push(name.clone());
        }
        let fields = match &ty.kind {
            TypeKind::Object(o) => &o.fields,
            TypeKind::Interface(i) => &i.fields,
            TypeKind::Enum(e) => {
                for value in &e.values {
                    if blank(&value.node.description) {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
                continue;
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if blank(&field.node.description) {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
                continue;
            }
            TypeKind::Scalar | TypeKind::Union(_) => continue,
        };
        for field in fields {
            let field = &field.node;
            if blank(&field.description) {
                missing.push(format!("{name}.{}", field.name.node));
            }
        }
    }
    missing
}

#[test]
fn every_type_field_and_enum_value_of_the_sdl_is_described() {
    let missing = undescribed(&lantern::graphql::sdl());
    assert!(missing.is_empty(), "{} places in the SDL have no description:\n{}", missing.len(), missing.join("\n"));
}

#[test]
fn the_check_finds_what_is_undescribed() {
    let sdl = r#"
        "A thing." type Thing { "Its name." name: String! count(over: Int): Int! }
        "A kind." enum Kind { "The first." A B }
        input Filter { "By name." name: String kind: Kind }
        "Roots." type Query { "Things." things(first: Int): [Thing!]! }
    "#;
    assert_eq!(undescribed(sdl), ["Thing.count", "Kind.B", "Filter", "Filter.kind"]);
}
