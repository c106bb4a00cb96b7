//! The configuration cache: decoded STE + CD per (SEC_SID, StreamID, SubstreamID).
//!
//! IHI0070 3.3.2 / 5.2.1: cached STEs are identified by (SEC_SID, StreamID) and CDs
//! by (SEC_SID, StreamID, SubstreamID); index X of the Secure stream table is
//! unrelated to index X of the Non-secure one. Only successful lookups are cached:
//! a fetch abort or an invalid structure is re-evaluated on the next transaction
//! (IHI0070 3.21: invalid structures are not cached).

use regdef::SecSid;

use crate::cache::ClockCache;
use crate::context_descriptor::Stage1Config;
use crate::stream_table::{Stage2Config, StreamAttributes, StreamWorld};

/// The resolved configuration of a translating stream.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TranslationContext {
    /// STE attribute overrides.
    pub attributes: StreamAttributes,
    /// Effective StreamWorld.
    pub world: StreamWorld,
    /// VMID tag (0 when not VMID-tagged).
    pub vmid: u16,
    /// Stage 1 from the CD; `None` when stage 1 is bypassed (STE.Config 0b110, or
    /// S1DSS == 0b01 for traffic without a SubstreamID).
    pub stage1: Option<Stage1Config>,
    /// Stage 2 from the STE.
    pub stage2: Option<Stage2Config>,
    /// The CD index used (for CMD_CFGI_CD), if a CD was used.
    pub cd_index: Option<u32>,
}

/// What a stream's configuration says, once resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StreamContext {
    /// STE.Config 0b0xx: abort without an event.
    Abort,
    /// STE.Config 0b100 (or stage-1-only with S1DSS bypass): bypass.
    Bypass(StreamAttributes),
    /// At least one stage translates.
    Translate(TranslationContext),
}

/// The key of a configuration cache entry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConfigKey {
    /// The stream's Security state (selects the stream table).
    pub sec_sid: SecSid,
    /// StreamID.
    pub stream_id: u32,
    /// SubstreamID of the transaction, if any.
    pub substream_id: Option<u32>,
}

/// The bounded configuration cache.
#[derive(Clone, Debug)]
pub struct ConfigCache {
    entries: ClockCache<ConfigKey, StreamContext>,
}

impl ConfigCache {
    /// An empty cache for `capacity` entries.
    pub fn new(capacity: usize) -> ConfigCache {
        ConfigCache {
            entries: ClockCache::new(capacity),
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Looks a stream up. Does not allocate.
    pub fn lookup(&mut self, key: &ConfigKey) -> Option<&StreamContext> {
        self.entries.get(key)
    }

    /// Caches a resolved configuration.
    pub fn insert(&mut self, key: ConfigKey, context: StreamContext) {
        self.entries.insert(key, context);
    }

    /// The slot of `key`, marked referenced (hit path without a second probe).
    pub(crate) fn find(&mut self, key: &ConfigKey) -> Option<u32> {
        self.entries.find(key)
    }

    /// Inserts and returns the slot.
    pub(crate) fn insert_slot(&mut self, key: ConfigKey, context: StreamContext) -> u32 {
        self.entries.insert(key, context)
    }

    /// The context in a slot.
    pub(crate) fn slot(&self, index: u32) -> Option<&StreamContext> {
        self.entries.value(index)
    }

    /// The stamp of the context in a slot (see `crate::cache`).
    pub(crate) fn stamp(&self, index: u32) -> u64 {
        self.entries.stamp(index)
    }

    /// Whether slot `index` still holds the occupancy `stamp`; if so it is marked
    /// referenced like [`find`](ConfigCache::find) marks it.
    #[inline]
    pub(crate) fn touch(&mut self, index: u32, stamp: u64) -> bool {
        self.entries.touch(index, stamp)
    }

    /// Every entry (for inspection and tests).
    pub fn entries(&self) -> impl Iterator<Item = (&ConfigKey, &StreamContext)> {
        self.entries.iter()
    }

    /// Removes everything (S_INIT.INV_ALL).
    pub fn invalidate_all(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        n
    }

    /// Removes every entry of one Security state's stream table
    /// (CMD_CFGI_ALL with that SSec).
    pub fn invalidate_sec_sid(&mut self, sec_sid: SecSid) -> usize {
        self.entries.remove_where(|k, _| k.sec_sid == sec_sid)
    }

    /// Removes the STE of one stream and every CD cached through it
    /// (CMD_CFGI_STE, CMD_CFGI_CD_ALL).
    pub fn invalidate_stream(&mut self, sec_sid: SecSid, stream_id: u32) -> usize {
        self.invalidate_stream_range(sec_sid, stream_id, stream_id)
    }

    /// Removes the streams `first..=last` (CMD_CFGI_STE_RANGE: 2^(Range+1)
    /// StreamIDs aligned to their size).
    pub fn invalidate_stream_range(&mut self, sec_sid: SecSid, first: u32, last: u32) -> usize {
        self.entries
            .remove_where(|k, _| k.sec_sid == sec_sid && (first..=last).contains(&k.stream_id))
    }

    /// Removes what depends on CD `substream_id` of one stream (CMD_CFGI_CD):
    /// entries that used that CD, including no-SubstreamID traffic that uses CD 0
    /// through S1DSS == 0b10.
    pub fn invalidate_substream(
        &mut self,
        sec_sid: SecSid,
        stream_id: u32,
        substream_id: u32,
    ) -> usize {
        self.entries.remove_where(|k, v| {
            k.sec_sid == sec_sid
                && k.stream_id == stream_id
                && (k.substream_id == Some(substream_id)
                    || matches!(v, StreamContext::Translate(t) if t.cd_index == Some(substream_id)))
        })
    }
}
