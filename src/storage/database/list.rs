//! `list()` of the KV API: turning its options into one SQL key range.
//!
//! workerd lists `_cf_KV` by a key range plus a direction and a limit; every
//! option (`start`, `start_after`, `end`, `prefix`) only narrows that range,
//! and `reverse`/`limit` never change it. Keeping the range computation in
//! one pure place is what lets list match workerd case for case, including
//! its error texts and the order it checks them in.
//!
//! Invariant: the SQL bounds select exactly the keys in the intersection of
//! the options' ranges, compared in UTF-8 byte order (SQLite's BINARY
//! collation on TEXT), so no LIKE/GLOB, case folding or UTF-16 order creeps in.

use std::borrow::Cow;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::StorageError;

/// Options of `Storage::list` (and of the database underneath), mirroring the
/// KV API's `list()` options.
///
/// The range is `[start, end)` (or `(start_after, end)`) intersected with the
/// keys that begin with `prefix`; `reverse` and `limit` only decide which end
/// of that range is read first and how much of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOptions {
    /// First key of the range, inclusive.
    pub start: Option<String>,
    /// Key just before the range, exclusive; an error together with `start`.
    pub start_after: Option<String>,
    /// Key just after the range, exclusive.
    pub end: Option<String>,
    /// Only keys beginning with this; `""` means every key.
    pub prefix: Option<String>,
    /// Read from the largest key down; the range stays the same.
    pub reverse: bool,
    /// At most this many entries, counted from the end read first; must be > 0.
    pub limit: Option<i64>,
}

/// Runs `list()` on `conn`; `kv_table_exists` says whether `_cf_KV` is there
/// to read (options are validated either way).
pub(super) fn list(
    conn: &Connection,
    kv_table_exists: bool,
    opts: &ListOptions,
) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
    // Validate first: a bad option is an error even on an empty database.
    let Some(range) = KeyRange::from_options(opts)? else {
        return Ok(Vec::new());
    };
    if !kv_table_exists {
        return Ok(Vec::new());
    }
    // Validated positive above; a limit past usize is no limit.
    let limit = opts.limit.map_or(usize::MAX, |limit| {
        usize::try_from(limit).unwrap_or(usize::MAX)
    });
    let mut stmt = conn.prepare_cached(range.sql(opts.reverse))?;
    let read = |row: &rusqlite::Row<'_>| Ok((row.get(0)?, row.get(1)?));
    let rows = match &range.upper {
        Some(upper) => stmt.query_map([range.lower.as_ref(), upper.as_ref()], read)?,
        None => stmt.query_map([range.lower.as_ref()], read)?,
    };
    Ok(rows.take(limit).collect::<Result<Vec<_>, _>>()?)
}

/// The key range a [`ListOptions`] selects, as SQL bounds.
#[derive(Debug, PartialEq, Eq)]
struct KeyRange<'a> {
    lower: Cow<'a, str>,
    lower_exclusive: bool,
    upper: Option<Cow<'a, str>>,
}

impl<'a> KeyRange<'a> {
    /// `Ok(None)` when the range is empty, so no query is needed.
    fn from_options(opts: &'a ListOptions) -> Result<Option<KeyRange<'a>>, StorageError> {
        if opts.start.is_some() && opts.start_after.is_some() {
            return Err(StorageError::ListStartAndStartAfter);
        }
        if opts.limit.is_some_and(|limit| limit <= 0) {
            return Err(StorageError::ListLimitNotPositive);
        }
        let mut range = match (&opts.start, &opts.start_after) {
            (_, Some(after)) => KeyRange::from(after, true),
            (Some(start), None) => KeyRange::from(start, false),
            (None, None) => KeyRange::from("", false),
        };
        range.upper = opts.end.as_deref().map(Cow::Borrowed);
        if let Some(prefix) = opts.prefix.as_deref().filter(|p| !p.is_empty()) {
            range.intersect_prefix(prefix);
        }
        let empty = range
            .upper
            .as_deref()
            .is_some_and(|upper| upper <= range.lower.as_ref());
        Ok(if empty { None } else { Some(range) })
    }

    fn from(lower: &'a str, lower_exclusive: bool) -> KeyRange<'a> {
        KeyRange {
            lower: Cow::Borrowed(lower),
            lower_exclusive,
            upper: None,
        }
    }

    /// The keys beginning with `prefix` are exactly `[prefix, successor)`.
    fn intersect_prefix(&mut self, prefix: &'a str) {
        // On a tie the current bound is at least as strict (it may be exclusive).
        if prefix > self.lower.as_ref() {
            self.lower = Cow::Borrowed(prefix);
            self.lower_exclusive = false;
        }
        if let Some(successor) = prefix_successor(prefix) {
            if self
                .upper
                .as_deref()
                .is_none_or(|upper| successor.as_str() < upper)
            {
                self.upper = Some(Cow::Owned(successor));
            }
        }
    }

    // No `LIMIT ?`: this SQLite is built with SQLITE_ENABLE_STAT4, which marks a
    // bound LIMIT as plan-relevant, so every re-bind expires the statement and
    // forces a full re-prepare (about 6x slower). The caller stops stepping
    // instead, which costs the same since rows stream straight off the index.
    fn sql(&self, reverse: bool) -> &'static str {
        macro_rules! list {
            ($range:literal) => {
                [
                    concat!(
                        "SELECT key, value FROM _cf_KV WHERE ",
                        $range,
                        " ORDER BY key ASC"
                    ),
                    concat!(
                        "SELECT key, value FROM _cf_KV WHERE ",
                        $range,
                        " ORDER BY key DESC"
                    ),
                ]
            };
        }
        let by_order = match (self.lower_exclusive, self.upper.is_some()) {
            (false, false) => list!("key >= ?1"),
            (true, false) => list!("key > ?1"),
            (false, true) => list!("key >= ?1 AND key < ?2"),
            (true, true) => list!("key > ?1 AND key < ?2"),
        };
        by_order[usize::from(reverse)]
    }
}

/// The smallest string greater than every string that starts with `prefix`,
/// or `None` if no string is (the prefix is all U+10FFFF).
///
/// UTF-8 byte order is code point order, so bumping the last code point gives
/// the same bound as workerd's "increment the last byte that is not 0xFF",
/// while staying valid UTF-8: it binds as TEXT and so keeps the primary-key
/// index usable (a CAST to BLOB would force a full scan).
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'), // skip the surrogates, which are not chars
            _ => char::from_u32(u32::from(last) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(opts: &ListOptions) -> Option<(String, bool, Option<String>)> {
        let range = KeyRange::from_options(opts).unwrap()?;
        let upper = range.upper.map(Cow::into_owned);
        Some((range.lower.into_owned(), range.lower_exclusive, upper))
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn prefix_successor_bumps_the_last_code_point() {
        assert_eq!(prefix_successor("a").as_deref(), Some("b"));
        assert_eq!(prefix_successor("a\u{7F}").as_deref(), Some("a\u{80}"));
        assert_eq!(prefix_successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{10FFFF}\u{10FFFF}"), None);
        assert_eq!(prefix_successor(""), None);
    }

    #[test]
    fn prefix_narrows_but_never_widens_the_range() {
        let opts = ListOptions {
            prefix: s("ab"),
            ..Default::default()
        };
        assert_eq!(range(&opts), Some(("ab".into(), false, s("ac"))));
        let opts = ListOptions {
            prefix: s("ab"),
            start_after: s("ab"),
            end: s("abz"),
            ..Default::default()
        };
        assert_eq!(range(&opts), Some(("ab".into(), true, s("abz"))));
        let opts = ListOptions {
            prefix: s("ab"),
            start: s("a"),
            end: s("b"),
            ..Default::default()
        };
        assert_eq!(range(&opts), Some(("ab".into(), false, s("ac"))));
        let opts = ListOptions {
            prefix: s("ab"),
            end: s("ab"),
            ..Default::default()
        };
        assert_eq!(range(&opts), None);
        let opts = ListOptions {
            prefix: s("\u{10FFFF}"),
            ..Default::default()
        };
        assert_eq!(range(&opts), Some(("\u{10FFFF}".into(), false, None)));
    }

    #[test]
    fn reverse_and_limit_leave_the_range_alone() {
        let forward = ListOptions {
            start_after: s("b"),
            ..Default::default()
        };
        let reverse = ListOptions {
            reverse: true,
            limit: Some(1),
            ..forward.clone()
        };
        assert_eq!(range(&forward), range(&reverse));
    }
}
