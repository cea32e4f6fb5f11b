//! `Headers`: a request's or response's header list, case-insensitive.
//!
//! As in workers-rs, every method takes `&self` (a JS `Headers` object is
//! shared and mutable), so the list sits in a `RefCell`; a clone is a
//! copy, as `new Headers(other)` is.

use std::cell::RefCell;
use std::fmt;

use super::error::Result;

/// HTTP headers; names are kept lower case.
#[derive(Default)]
pub struct Headers(RefCell<Vec<(String, String)>>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.borrow().iter().cloned())
            .finish()
    }
}

impl Clone for Headers {
    fn clone(&self) -> Self {
        Headers(RefCell::new(self.0.borrow().clone()))
    }
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers::default()
    }

    /// The value of `name` (values given more than once joined by `, `).
    pub fn get(&self, name: &str) -> Result<Option<String>> {
        let all = self.get_all(name)?;
        Ok((!all.is_empty()).then(|| all.join(", ")))
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Whether `name` is set.
    pub fn has(&self, name: &str) -> Result<bool> {
        Ok(!self.get_all(name)?.is_empty())
    }

    /// Adds a value to `name`.
    pub fn append(&self, name: &str, value: &str) -> Result<()> {
        self.0
            .borrow_mut()
            .push((name.to_ascii_lowercase(), value.to_string()));
        Ok(())
    }

    /// Replaces the values of `name` with `value`.
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        self.delete(name)?;
        self.append(name, value)
    }

    /// Removes `name`.
    pub fn delete(&self, name: &str) -> Result<()> {
        self.0
            .borrow_mut()
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        Ok(())
    }

    /// Every `(name, value)` pair, in order.
    pub fn entries(&self) -> impl Iterator<Item = (String, String)> {
        self.0.borrow().clone().into_iter()
    }

    /// Every name, in order.
    pub fn keys(&self) -> impl Iterator<Item = String> {
        self.entries().map(|(n, _)| n)
    }

    /// Every value, in order.
    pub fn values(&self) -> impl Iterator<Item = String> {
        self.entries().map(|(_, v)| v)
    }

    /// Every value of `name`.
    pub fn get_all(&self, name: &str) -> Result<Vec<String>> {
        Ok(self
            .0
            .borrow()
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect())
    }
}

impl<T: AsRef<str>> FromIterator<(T, T)> for Headers {
    fn from_iter<U: IntoIterator<Item = (T, T)>>(iter: U) -> Self {
        let headers = Headers::new();
        for (name, value) in iter {
            let _ = headers.append(name.as_ref(), value.as_ref());
        }
        headers
    }
}
