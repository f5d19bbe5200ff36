//! Small hand-written types the generated models refer to (`x-rust-type`).

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

/// A list in an answer: RCABench sends `null` where it means "no items", and
/// this reads that (and a missing field) as an empty list.
///
/// It derefs to `Vec<T>`, so `len()`, `iter()`, indexing and `for x in &list`
/// work as on a vector; [`List::into_vec`] gives the vector itself.
///
/// ```
/// use container_registry_client::List;
/// let l: List<u8> = serde_json::from_str("null").unwrap();
/// assert!(l.is_empty());
/// let l: List<u8> = serde_json::from_str("[1,2]").unwrap();
/// assert_eq!(l.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct List<T>(Vec<T>);

impl<T> List<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The items as a vector.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Deref for List<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(value: Vec<T>) -> Self {
        Self(value)
    }
}

impl<T> From<List<T>> for Vec<T> {
    fn from(value: List<T>) -> Self {
        value.0
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<Vec<T>>::deserialize(deserializer).map(|v| Self(v.unwrap_or_default()))
    }
}

impl<T: api_client_transport::Validate> api_client_transport::Validate for List<T> {
    fn validate_at(&self, path: &str) -> api_client_transport::Result<()> {
        self.0.validate_at(path)
    }
}

/// Items per page of the container list: the spec defines exactly these
/// three sizes there, so no other value can be written. (The version and
/// task lists take any size.)
///
/// ```
/// use container_registry_client::PageSize;
/// assert_eq!(PageSize::Fifty.get(), 50);
/// assert_eq!(PageSize::try_from(20).unwrap(), PageSize::Twenty);
/// assert!(PageSize::try_from(25).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum PageSize {
    /// 10 items.
    Ten,
    /// 20 items, the server's default.
    #[default]
    Twenty,
    /// 50 items.
    Fifty,
}

impl PageSize {
    /// The number of items.
    pub const fn get(self) -> u32 {
        match self {
            PageSize::Ten => 10,
            PageSize::Twenty => 20,
            PageSize::Fifty => 50,
        }
    }
}

impl TryFrom<u32> for PageSize {
    type Error = api_client_transport::Error;

    /// Accepts 10, 20 or 50; any other size is an [`api_client_transport::Error::InvalidInput`] naming `size`.
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match value {
            10 => Ok(PageSize::Ten),
            20 => Ok(PageSize::Twenty),
            50 => Ok(PageSize::Fifty),
            other => Err(api_client_transport::Error::invalid(
                "size",
                format!("page size must be 10, 20 or 50, not {other}"),
            )),
        }
    }
}

impl From<PageSize> for u32 {
    fn from(value: PageSize) -> Self {
        value.get()
    }
}

impl fmt::Display for PageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

impl Serialize for PageSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.get())
    }
}

impl<'de> Deserialize<'de> for PageSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(deserializer)?;
        PageSize::try_from(n).map_err(|_| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(n.into()),
                &"10, 20 or 50",
            )
        })
    }
}
