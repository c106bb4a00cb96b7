//! A bounded map with CLOCK (second-chance) replacement, shared by the configuration
//! cache and the IOTLB.
//!
//! Storage is allocated once, at construction, for `capacity` entries: neither a hit
//! nor an insertion allocates. A hit sets the entry's reference bit; an insertion
//! into a full cache sweeps the clock hand, clearing reference bits, and evicts the
//! first entry not referenced since the previous sweep (at most two sweeps).

use std::hash::Hash;

use hashbrown::HashMap;

#[derive(Clone, Debug)]
struct Slot<K, V> {
    entry: Option<(K, V)>,
    referenced: bool,
}

/// A bounded key-value cache with CLOCK replacement.
#[derive(Clone, Debug)]
pub(crate) struct ClockCache<K, V> {
    map: HashMap<K, u32>,
    slots: Vec<Slot<K, V>>,
    free: Vec<u32>,
    hand: usize,
    capacity: usize,
}

impl<K: Copy + Eq + Hash, V> ClockCache<K, V> {
    /// A cache for at most `capacity` entries (at least 1).
    pub(crate) fn new(capacity: usize) -> ClockCache<K, V> {
        let capacity = capacity.clamp(1, u32::MAX as usize);
        ClockCache {
            map: HashMap::with_capacity(capacity),
            slots: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
            hand: 0,
            capacity,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Looks `key` up and marks it referenced.
    pub(crate) fn get(&mut self, key: &K) -> Option<&V> {
        let index = self.find(key)?;
        self.value(index)
    }

    /// The slot holding `key`, marked referenced.
    pub(crate) fn find(&mut self, key: &K) -> Option<u32> {
        let index = *self.map.get(key)?;
        let slot = self.slots.get_mut(index as usize)?;
        slot.referenced = true;
        Some(index)
    }

    /// The value in a slot returned by [`find`](ClockCache::find).
    pub(crate) fn value(&self, index: u32) -> Option<&V> {
        self.slots
            .get(index as usize)?
            .entry
            .as_ref()
            .map(|(_, v)| v)
    }

    /// Inserts or replaces `key`, evicting one entry if the cache is full.
    /// Returns the slot now holding it.
    pub(crate) fn insert(&mut self, key: K, value: V) -> u32 {
        if let Some(&index) = self.map.get(&key) {
            let slot = &mut self.slots[index as usize];
            slot.entry = Some((key, value));
            slot.referenced = true;
            return index;
        }
        let index = if let Some(index) = self.free.pop() {
            index as usize
        } else if self.slots.len() < self.capacity {
            self.slots.push(Slot {
                entry: None,
                referenced: false,
            });
            self.slots.len() - 1
        } else {
            self.evict()
        };
        self.slots[index] = Slot {
            entry: Some((key, value)),
            referenced: false,
        };
        self.map.insert(key, index as u32);
        index as u32
    }

    /// Frees one slot of a full cache and returns its index.
    fn evict(&mut self) -> usize {
        let n = self.slots.len();
        // Two sweeps always find a victim: the first clears every reference bit.
        for _ in 0..2 * n {
            let index = self.hand;
            self.hand = (self.hand + 1) % n;
            let slot = &mut self.slots[index];
            if slot.referenced {
                slot.referenced = false;
                continue;
            }
            if let Some((key, _)) = slot.entry.take() {
                self.map.remove(&key);
            }
            return index;
        }
        let index = self.hand;
        if let Some((key, _)) = self.slots[index].entry.take() {
            self.map.remove(&key);
        }
        index
    }

    /// Removes every entry for which `remove` is true; returns how many.
    pub(crate) fn remove_where(&mut self, mut remove: impl FnMut(&K, &V) -> bool) -> usize {
        // An empty cache is the common case of invalidation commands at bring-up.
        if self.map.is_empty() {
            return 0;
        }
        let mut removed = 0;
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let drop_it = matches!(&slot.entry, Some((k, v)) if remove(k, v));
            if drop_it {
                if let Some((key, _)) = slot.entry.take() {
                    self.map.remove(&key);
                }
                slot.referenced = false;
                self.free.push(index as u32);
                removed += 1;
            }
        }
        removed
    }

    /// Removes everything, keeping the storage (no allocation on later inserts).
    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.slots.clear();
        self.free.clear();
        self.hand = 0;
    }

    /// Every entry.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.slots
            .iter()
            .filter_map(|s| s.entry.as_ref().map(|(k, v)| (k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_with_second_chance() {
        let mut c = ClockCache::new(3);
        for k in 0..3u32 {
            c.insert(k, k * 10);
        }
        assert_eq!(c.get(&0), Some(&0));
        c.insert(3, 30); // 0 was referenced: 1 is the victim.
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&1), None);
        assert_eq!(c.get(&0), Some(&0));
        assert_eq!(c.get(&3), Some(&30));
        assert_eq!(c.remove_where(|k, _| *k == 3), 1);
        assert_eq!(c.len(), 2);
        c.insert(4, 40);
        c.insert(5, 50);
        assert_eq!(c.len(), 3);
        for k in 10..100 {
            c.insert(k, k);
            assert!(c.len() <= 3);
        }
        c.clear();
        assert_eq!(c.len(), 0);
        assert_eq!(c.iter().count(), 0);
    }
}
