//! Pure domain logic: validation into types that can only exist once valid, and rules.
//! No actix, no diesel here.

pub mod acceptability;
pub mod accounts;
pub mod capacity;
pub mod decisions;
pub mod geo;
pub mod input;
pub mod listing;
pub mod matching;
pub mod profiles;
pub mod programs;
pub mod reports;
pub mod reservations;
pub mod rfis;
pub mod share_links;
pub mod split;

/// The bit set of `values` among `all` (closed sets have fewer than 32 members).
pub fn mask_of<'a, T: PartialEq + 'a>(all: &[T], values: impl IntoIterator<Item = &'a T>) -> u32 {
    values.into_iter().fold(0, |mask, value| {
        mask | all.iter().position(|v| v == value).map_or(0, |i| 1 << i)
    })
}

/// One rule a request broke, naming the field by its path in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

/// Every rule a request broke: validation reports them all at once, not the first only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Violation {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps the value if valid, records the violation (under `field`) if not.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same violations, with field paths nested under `prefix` (e.g. `requirements`).
    pub fn within(self, prefix: &str) -> Self {
        Self(
            self.0
                .into_iter()
                .map(|v| Violation {
                    field: format!("{prefix}.{}", v.field),
                    message: v.message,
                })
                .collect(),
        )
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when nothing was violated.
    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Violations> {
        if self.0.is_empty()
            && let Some(value) = value()
        {
            return Ok(value);
        }
        Err(self)
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
