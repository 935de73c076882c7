//! The FUTURES action-plan template, written once: a goal, the steps to reach it, the
//! organizations engaged and what each is responsible for, a timeline, next steps and the
//! resources needed. A county worksheet's action items (`worksheets`) and an
//! organization's capacity goals (`standards::checklist`) are both filled in on it, so
//! what may be written into it is checked here, for both.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::validate;

/// Longest goal, in characters.
pub const MAX_GOAL: usize = 2_000;
/// Longest text of the other fields (steps, timeline, next steps, resources needed).
pub const MAX_TEXT: usize = 10_000;
/// Longest name of an engaged organization.
pub const MAX_ORGANIZATION: usize = 300;
/// Longest statement of an engaged organization's responsibilities.
pub const MAX_RESPONSIBILITIES: usize = 5_000;

/// An organization engaged in a plan's goal (by name: it need not be in the network), and
/// what it is responsible for. Stored as JSON beside the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub organization: String,
    pub responsibilities: String,
}

/// The template's fields as a caller gives them: `None` leaves a field as it is; an empty
/// text clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct PlanInput {
    pub goal: Option<String>,
    pub action_steps: Option<String>,
    pub organizations_engaged: Option<Vec<Engagement>>,
    pub timeline: Option<String>,
    pub next_steps: Option<String>,
    pub resources_needed: Option<String>,
}

/// The template's fields as checked, ready to store: `None` leaves a field as it is,
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanEdit {
    pub goal: Option<String>,
    pub action_steps: Option<Option<String>>,
    pub organizations_engaged: Option<Vec<Engagement>>,
    pub timeline: Option<Option<String>>,
    pub next_steps: Option<Option<String>>,
    pub resources_needed: Option<Option<String>>,
}

impl PlanEdit {
    /// The organizations engaged as stored (JSON), when the edit sets them.
    pub fn organizations_engaged_json(&self) -> Option<serde_json::Value> {
        self.organizations_engaged.as_deref().map(engaged_to_db)
    }

    /// The API names of the fields this edit sets, in the template's order (for an edit
    /// history).
    pub fn fields(&self) -> Vec<String> {
        [
            ("goal", self.goal.is_some()),
            ("actionSteps", self.action_steps.is_some()),
            ("organizationsEngaged", self.organizations_engaged.is_some()),
            ("timeline", self.timeline.is_some()),
            ("nextSteps", self.next_steps.is_some()),
            ("resourcesNeeded", self.resources_needed.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name.to_owned())
        .collect()
    }

    /// The goal a new plan item starts with: required when creating.
    pub fn goal_to_create(&self) -> AppResult<String> {
        self.goal.clone().ok_or_else(|| AppError::bad_input("input.goal", "input.goal must not be empty"))
    }
}

/// Checks a plan's fields; a failure names the field under `input`. `operation` is the API
/// operation, whose cap on the number of organizations engaged applies.
pub fn check(input: PlanInput, operation: &str) -> AppResult<PlanEdit> {
    let text = |v: &Option<String>, field: &str| {
        v.as_deref().map(|t| validate::optional_text(Some(t), field, MAX_TEXT)).transpose()
    };
    let organizations_engaged = match input.organizations_engaged {
        None => None,
        Some(list) => {
            validate::list_len(list.len(), operation, "input.organizationsEngaged")?;
            let mut clean = Vec::with_capacity(list.len());
            for e in list {
                clean.push(Engagement {
                    organization: validate::text(
                        &e.organization,
                        "input.organizationsEngaged.organization",
                        MAX_ORGANIZATION,
                    )?,
                    responsibilities: validate::optional_text(
                        Some(&e.responsibilities),
                        "input.organizationsEngaged.responsibilities",
                        MAX_RESPONSIBILITIES,
                    )?
                    .unwrap_or_default(),
                });
            }
            Some(clean)
        }
    };
    Ok(PlanEdit {
        goal: input.goal.as_deref().map(|g| validate::text(g, "input.goal", MAX_GOAL)).transpose()?,
        action_steps: text(&input.action_steps, "input.actionSteps")?,
        organizations_engaged,
        timeline: text(&input.timeline, "input.timeline")?,
        next_steps: text(&input.next_steps, "input.nextSteps")?,
        resources_needed: text(&input.resources_needed, "input.resourcesNeeded")?,
    })
}

/// The organizations engaged as stored.
pub fn engaged_to_db(list: &[Engagement]) -> serde_json::Value {
    // A list of two strings per item always serializes.
    serde_json::to_value(list).unwrap_or_default()
}

/// The organizations engaged as read back; a shape this module never writes is an error,
/// not an empty list.
pub fn engaged_from_db(value: serde_json::Value) -> AppResult<Vec<Engagement>> {
    serde_json::from_value(value).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engaged(organization: &str, responsibilities: &str) -> Engagement {
        Engagement { organization: organization.into(), responsibilities: responsibilities.into() }
    }

    #[test]
    fn fields_left_out_stay_as_they_are_and_empty_ones_clear() {
        let edit = check(
            PlanInput {
                goal: Some(" Open a second shelter ".into()),
                timeline: Some("  ".into()),
                ..Default::default()
            },
            "createActionItem",
        )
        .unwrap();
        assert_eq!(edit.goal.as_deref(), Some("Open a second shelter"));
        assert_eq!(edit.timeline, Some(None));
        assert_eq!(edit.action_steps, None);
        assert_eq!(edit.fields(), ["goal", "timeline"]);
    }

    #[test]
    fn every_text_is_bounded_and_named_in_the_refusal() {
        let long = |n: usize| "x".repeat(n + 1);
        let cases = [
            (PlanInput { goal: Some(long(MAX_GOAL)), ..Default::default() }, "input.goal"),
            (PlanInput { next_steps: Some(long(MAX_TEXT)), ..Default::default() }, "input.nextSteps"),
            (
                PlanInput {
                    organizations_engaged: Some(vec![engaged(&long(MAX_ORGANIZATION), "")]),
                    ..Default::default()
                },
                "input.organizationsEngaged.organization",
            ),
            (
                PlanInput {
                    organizations_engaged: Some(vec![engaged("County DSS", &long(MAX_RESPONSIBILITIES))]),
                    ..Default::default()
                },
                "input.organizationsEngaged.responsibilities",
            ),
            (
                PlanInput {
                    organizations_engaged: Some(vec![engaged("County DSS", "Intake"); 31]),
                    ..Default::default()
                },
                "input.organizationsEngaged",
            ),
        ];
        for (input, field) in cases {
            match check(input, "updateActionItem") {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_organizations_engaged_round_trip_and_a_foreign_shape_is_an_error() {
        let list = vec![engaged("County DSS", "Intake"), engaged("Legal Aid", "")];
        assert_eq!(engaged_from_db(engaged_to_db(&list)).unwrap(), list);
        assert!(engaged_from_db(serde_json::json!({ "not": "a list" })).is_err());
    }
}
