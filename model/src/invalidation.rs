//! Cache invalidations and their notification to the embedder.
//!
//! Every invalidation the SMMU performs (a CMD_CFGI_* or CMD_TLBI_* command, or
//! SMMU_S_INIT.INV_ALL) is one [`Invalidation`]: what it covers, tagged with the
//! Security state whose caches it affects. The device applies it to the
//! [`Translator`]'s caches through their scoped entry points and then hands it to the
//! [`InvalidationListener`], if any, so that an embedder caching translations itself
//! (an IOMMU notifier, a vhost device) can drop them. Both happen while the command
//! executes, so before any later CMD_SYNC completes (IHI0070 4.7.3).

use regdef::SecSid;

use crate::tlb::TlbScope;
use crate::translate::Translator;

/// Configuration cache entries to invalidate (CMD_CFGI_*, IHI0070 4.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConfigScope {
    /// Streams `first..=last` of one Security state's Stream table, with every CD
    /// cached through them (CMD_CFGI_STE, CMD_CFGI_STE_RANGE, CMD_CFGI_CD_ALL).
    Streams {
        /// The Stream table's Security state.
        sec_sid: SecSid,
        /// First StreamID.
        first: u32,
        /// Last StreamID (inclusive).
        last: u32,
    },
    /// Every stream of one Security state (CMD_CFGI_ALL).
    AllStreams {
        /// The Stream table's Security state.
        sec_sid: SecSid,
    },
    /// The CD at one CD table index of one stream (CMD_CFGI_CD).
    Substream {
        /// The Stream table's Security state.
        sec_sid: SecSid,
        /// StreamID.
        stream_id: u32,
        /// CD table index (SubstreamID).
        substream_id: u32,
    },
}

impl ConfigScope {
    /// The Security state whose Stream table the scope names.
    pub const fn sec_sid(&self) -> SecSid {
        match *self {
            ConfigScope::Streams { sec_sid, .. }
            | ConfigScope::AllStreams { sec_sid }
            | ConfigScope::Substream { sec_sid, .. } => sec_sid,
        }
    }
}

/// One invalidation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Invalidation {
    /// Configuration cache entries.
    Config(ConfigScope),
    /// IOTLB entries (the scope names its Security state in `sec_sid`).
    Tlb(TlbScope),
    /// Every configuration and TLB entry of every Security state
    /// (SMMU_S_INIT.INV_ALL, IHI0070 6.3.62).
    All,
}

impl Invalidation {
    /// The Security state whose entries are invalidated; `None` for all states.
    pub const fn sec_sid(&self) -> Option<SecSid> {
        match self {
            Invalidation::Config(scope) => Some(scope.sec_sid()),
            Invalidation::Tlb(scope) => scope.sec_sid,
            Invalidation::All => None,
        }
    }

    /// Removes the entries in scope from the translator's caches; returns how many.
    pub fn apply(&self, translator: &mut Translator) -> usize {
        match *self {
            Invalidation::Config(ConfigScope::Streams {
                sec_sid,
                first,
                last,
            }) => translator
                .config_cache_mut()
                .invalidate_stream_range(sec_sid, first, last),
            Invalidation::Config(ConfigScope::AllStreams { sec_sid }) => {
                translator.config_cache_mut().invalidate_sec_sid(sec_sid)
            }
            Invalidation::Config(ConfigScope::Substream {
                sec_sid,
                stream_id,
                substream_id,
            }) => {
                translator
                    .config_cache_mut()
                    .invalidate_substream(sec_sid, stream_id, substream_id)
            }
            Invalidation::Tlb(ref scope) => translator.tlb_mut().invalidate(scope),
            Invalidation::All => {
                let n = translator.config_cache().len() + translator.tlb().len();
                translator.invalidate_all();
                n
            }
        }
    }
}

/// Receives every invalidation the SMMU performs, after it was applied to the
/// SMMU's own caches and before any later CMD_SYNC completes.
pub trait InvalidationListener {
    /// One invalidation.
    fn invalidated(&mut self, invalidation: &Invalidation);
}

impl<F: FnMut(&Invalidation)> InvalidationListener for F {
    fn invalidated(&mut self, invalidation: &Invalidation) {
        self(invalidation);
    }
}
