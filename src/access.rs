//! Who is asking, and what that lets them see. Decisions about visibility live here, in
//! the domain, not in resolvers.

use uuid::Uuid;

/// The caller of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// No credentials: the public directory only.
    Anonymous,
}

impl Viewer {
    /// Whether this viewer may see the exact address and coordinates of a confidential
    /// location of `provider`. Anonymous callers never may.
    pub fn may_see_confidential_location_of(&self, _provider: Uuid) -> bool {
        match self {
            Viewer::Anonymous => false,
        }
    }

    /// Whether searches for this viewer may rank by the exact position of every
    /// confidential location (placement roles); otherwise they use public positions only.
    pub fn may_locate_all_confidential_locations(&self) -> bool {
        match self {
            Viewer::Anonymous => false,
        }
    }
}
