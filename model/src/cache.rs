//! A bounded map with CLOCK (second-chance) replacement, shared by the configuration
//! cache and the IOTLB.
//!
//! Storage is allocated once, at construction, for `capacity` entries: neither a hit
//! nor an insertion allocates. A hit sets the entry's reference bit; an insertion
//! into a full cache sweeps the clock hand, clearing reference bits, and evicts the
//! first entry not referenced since the previous sweep (at most two sweeps).
//!
//! Every occupancy of a slot gets a stamp no other occupancy of any slot of this
//! cache ever had (a counter, never reused; 0 is never a stamp): a slot index and a
//! stamp name one cached value for as long as it stays cached, so a reference kept
//! outside the cache (the translator's hit lines, `crate::hit_cache`) is proved
//! still valid by one comparison, whatever removed or replaced the value meanwhile
//! (invalidation, eviction, a new value for the same key, `clear`).

use std::hash::Hash;

use hashbrown::HashMap;

#[derive(Clone, Debug)]
struct Slot<K, V> {
    entry: Option<(K, V)>,
    referenced: bool,
    /// The stamp of the current occupancy; 0 while empty.
    stamp: u64,
}

/// A bounded key-value cache with CLOCK replacement.
#[derive(Clone, Debug)]
pub(crate) struct ClockCache<K, V> {
    map: HashMap<K, u32>,
    slots: Vec<Slot<K, V>>,
    free: Vec<u32>,
    hand: usize,
    capacity: usize,
    /// The stamp the next occupancy gets (starts at 1; `u64` never wraps).
    next_stamp: u64,
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
            next_stamp: 1,
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

    /// The stamp of the value in slot `index` (0 if the slot is empty or absent).
    pub(crate) fn stamp(&self, index: u32) -> u64 {
        self.slots.get(index as usize).map_or(0, |s| s.stamp)
    }

    /// The value in slot `index` if it is still the occupancy `stamp`, marked
    /// referenced exactly as [`find`](ClockCache::find) marks it.
    #[inline]
    pub(crate) fn revisit(&mut self, index: u32, stamp: u64) -> Option<&V> {
        let slot = self.slots.get_mut(index as usize)?;
        if slot.stamp != stamp {
            return None;
        }
        slot.referenced = true;
        slot.entry.as_ref().map(|(_, v)| v)
    }

    /// Whether slot `index` is still the occupancy `stamp` (then marked
    /// referenced), without reading the value.
    #[inline]
    pub(crate) fn touch(&mut self, index: u32, stamp: u64) -> bool {
        match self.slots.get_mut(index as usize) {
            Some(slot) if slot.stamp == stamp => {
                slot.referenced = true;
                true
            }
            _ => false,
        }
    }

    fn take_stamp(&mut self) -> u64 {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        stamp
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
            // A new value is a new occupancy: references to the old one lapse.
            let stamp = self.take_stamp();
            let slot = &mut self.slots[index as usize];
            slot.entry = Some((key, value));
            slot.referenced = true;
            slot.stamp = stamp;
            return index;
        }
        let index = if let Some(index) = self.free.pop() {
            index as usize
        } else if self.slots.len() < self.capacity {
            self.slots.push(Slot {
                entry: None,
                referenced: false,
                stamp: 0,
            });
            self.slots.len() - 1
        } else {
            self.evict()
        };
        let stamp = self.take_stamp();
        self.slots[index] = Slot {
            entry: Some((key, value)),
            referenced: false,
            stamp,
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
            slot.stamp = 0;
            if let Some((key, _)) = slot.entry.take() {
                self.map.remove(&key);
            }
            return index;
        }
        let index = self.hand;
        self.slots[index].stamp = 0;
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
                slot.stamp = 0;
                self.free.push(index as u32);
                removed += 1;
            }
        }
        removed
    }

    /// Removes everything, keeping the storage (no allocation on later inserts).
    /// Stamps are not reset: a slot refilled later has a stamp never seen before.
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
