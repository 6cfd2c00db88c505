//! Read-side projection shared by GetItem, BatchGetItem, TransactGetItems, Query and Scan.

use crate::expr::{eval, Path};
use crate::value::Item;

/// What to return of each item read.
#[derive(Debug, Clone, Default)]
pub struct ReadPlan {
    /// Paths to keep (`None` = whole item).
    pub projection: Option<Vec<Path>>,
}

impl ReadPlan {
    /// Apply the projection.
    pub fn apply(&self, item: Item) -> Item {
        match &self.projection {
            Some(p) => eval::project(&item, p),
            None => item,
        }
    }
}
