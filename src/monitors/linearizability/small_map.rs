//! The maps inside the key-value models: a sorted vector of entries.
//!
//! The checker stores every distinct state it meets, and a partitioned
//! store's state holds one key, so what a state costs is what its map
//! allocates: a vector allocates exactly its entries, where a `BTreeMap`
//! allocates a node of eleven. Entries stay sorted and unique by key, so
//! equal maps are equal vectors and hash alike.

use std::borrow::Borrow;
use std::mem::size_of;

/// A map kept as a sorted vector of (key, value) entries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// Where `key` is, or would go.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: K, value: V) {
        match self.find(&key) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// The value of `key`, made from `make` if it is absent.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Removes `key`.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        if let Ok(i) = self.find(key) {
            self.entries.remove(i);
        }
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        self.entries.iter()
    }

    /// The bytes the entries' vector allocated (not what they own).
    pub fn vec_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<(K, V)>()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    /// The last value given for a key wins, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = SmallMap::default();
        for (k, v) in entries {
            map.insert(k, v);
        }
        map
    }
}
