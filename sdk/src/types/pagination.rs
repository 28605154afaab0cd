use serde::{Deserialize, Serialize};

/// Default number of items in a page when `limit` is not given.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// Largest accepted `limit`.
pub const MAX_PAGE_LIMIT: u32 = 200;

/// One page of a list, in a stable order. Pass `next_cursor` back as `cursor` to get the
/// next page; it is absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page, at most `limit` of them.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Paging parameters shared by every list operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A list sent as one comma-separated query parameter (`modality=car_t,nk`), typed: the
/// values are closed-set values (or country codes) rather than a string to assemble.
///
/// Decoding is as strict as each value's own (an unknown closed-set value is an error
/// naming the parameter), and an empty list is refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommaSeparated<T>(pub Vec<T>);

impl<T> From<Vec<T>> for CommaSeparated<T> {
    fn from(values: Vec<T>) -> Self {
        Self(values)
    }
}

impl<T> FromIterator<T> for CommaSeparated<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        Self(values.into_iter().collect())
    }
}

impl<T: std::fmt::Display> Serialize for CommaSeparated<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        serializer.serialize_str(&joined.join(","))
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for CommaSeparated<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{Error, IntoDeserializer};
        let text = String::deserialize(deserializer)?;
        let values = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| T::deserialize(item.into_deserializer()))
            .collect::<Result<Vec<T>, D::Error>>()?;
        if values.is_empty() {
            return Err(D::Error::custom("must list at least one value"));
        }
        Ok(Self(values))
    }
}

impl<T: serde::de::DeserializeOwned> std::str::FromStr for CommaSeparated<T> {
    type Err = serde::de::value::Error;

    /// Parses `car_t,nk` as the server does.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use serde::de::IntoDeserializer;
        let deserializer: serde::de::value::StrDeserializer<'_, Self::Err> =
            text.into_deserializer();
        Self::deserialize(deserializer)
    }
}
