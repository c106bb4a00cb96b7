//! A host for the ABI written in Rust, as a C host would be: guest memory in an
//! `InMemoryGuest` behind the `opaque` pointer, and logs of what the callbacks saw.

#![allow(dead_code)]

use std::ffi::c_void;

use smmu::{GuestMemory, InMemoryGuest, Pas};
use twinreg::*;

/// Non-secure RAM base and size.
pub const NS_RAM: u64 = 0x4000_0000;
pub const NS_SIZE: u64 = 0x100_0000;
/// Secure RAM base and size.
pub const S_RAM: u64 = 0x0E00_0000;
pub const S_SIZE: u64 = 0x10_0000;

pub struct Host {
    pub memory: InMemoryGuest,
    pub pulses: Vec<TwinregIrqLine>,
    pub msis: Vec<(TwinregPas, u64, u32)>,
    pub invalidations: Vec<TwinregInvalidation>,
}

impl Host {
    pub fn new() -> Box<Host> {
        Box::new(Host {
            memory: InMemoryGuest::new()
                .with_region(Pas::NonSecure, NS_RAM, NS_SIZE)
                .with_region(Pas::Secure, S_RAM, S_SIZE),
            pulses: Vec::new(),
            msis: Vec::new(),
            invalidations: Vec::new(),
        })
    }

    pub fn opaque(&mut self) -> *mut c_void {
        (self as *mut Host).cast()
    }
}

fn pas(pas: TwinregPas) -> Pas {
    match pas {
        TwinregPas::NonSecure => Pas::NonSecure,
        TwinregPas::Secure => Pas::Secure,
    }
}

unsafe fn host<'a>(opaque: *mut c_void) -> &'a mut Host {
    // SAFETY: every handle in these tests is created with a live `Host`.
    unsafe { &mut *opaque.cast::<Host>() }
}

unsafe extern "C" fn mem_read(
    opaque: *mut c_void,
    space: TwinregPas,
    addr: u64,
    buf: *mut u8,
    len: usize,
) -> bool {
    // SAFETY: the ABI passes a buffer of `len` bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    unsafe { host(opaque) }
        .memory
        .read(pas(space), addr, buf)
        .is_ok()
}

unsafe extern "C" fn mem_write(
    opaque: *mut c_void,
    space: TwinregPas,
    addr: u64,
    data: *const u8,
    len: usize,
) -> bool {
    // SAFETY: the ABI passes `len` bytes.
    let data = unsafe { std::slice::from_raw_parts(data, len) };
    unsafe { host(opaque) }
        .memory
        .write(pas(space), addr, data)
        .is_ok()
}

unsafe extern "C" fn irq_pulse(opaque: *mut c_void, line: TwinregIrqLine) {
    unsafe { host(opaque) }.pulses.push(line);
}

unsafe extern "C" fn msi_write(
    opaque: *mut c_void,
    space: TwinregPas,
    addr: u64,
    data: u32,
) -> TwinregMsiResult {
    unsafe { host(opaque) }.msis.push((space, addr, data));
    TWINREG_MSI_MEMORY
}

unsafe extern "C" fn invalidated(opaque: *mut c_void, invalidation: *const TwinregInvalidation) {
    // SAFETY: valid for the call.
    let invalidation = unsafe { *invalidation };
    unsafe { host(opaque) }.invalidations.push(invalidation);
}

pub const CALLBACKS: TwinregHostCallbacks = TwinregHostCallbacks {
    mem_read: Some(mem_read),
    mem_write: Some(mem_write),
    irq_pulse: Some(irq_pulse),
    msi_write: Some(msi_write),
    invalidated: Some(invalidated),
};

/// A default SMMU on `host`.
pub fn smmu(host: &mut Host) -> *mut TwinregSmmu {
    // SAFETY: valid callbacks and host.
    let smmu = unsafe {
        twinreg_smmu_new(
            std::ptr::null(),
            std::ptr::null(),
            0,
            &CALLBACKS,
            host.opaque(),
        )
    };
    assert!(!smmu.is_null(), "{}", last_error(std::ptr::null()));
    smmu
}

/// The last error of `smmu` (or of the thread) as a Rust string.
pub fn last_error(smmu: *const TwinregSmmu) -> String {
    // SAFETY: NULL or a live handle; the result is a NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(twinreg_smmu_last_error(smmu)) }
        .to_string_lossy()
        .into_owned()
}

pub fn mmio_read(smmu: *mut TwinregSmmu, offset: u64, size: u32, secure: bool) -> u64 {
    let mut value = 0;
    // SAFETY: a live handle and a valid out-pointer.
    let status = unsafe { twinreg_smmu_mmio_read(smmu, offset, size, secure, &mut value) };
    assert_eq!(status, TwinregStatus::Ok, "{}", last_error(smmu));
    value
}

pub fn mmio_write(smmu: *mut TwinregSmmu, offset: u64, size: u32, value: u64, secure: bool) {
    // SAFETY: a live handle.
    let status = unsafe { twinreg_smmu_mmio_write(smmu, offset, size, value, secure) };
    assert_eq!(status, TwinregStatus::Ok, "{}", last_error(smmu));
}

/// The snapshot bytes of `smmu`.
pub fn snapshot(smmu: *mut TwinregSmmu) -> Vec<u8> {
    let mut length = 0;
    // SAFETY: a live handle; asking for the size with no buffer.
    let status = unsafe { twinreg_smmu_snapshot(smmu, std::ptr::null_mut(), 0, &mut length) };
    assert_eq!(status, TwinregStatus::BufferTooSmall);
    let mut bytes = vec![0u8; length];
    // SAFETY: a buffer of `length` bytes.
    let status = unsafe { twinreg_smmu_snapshot(smmu, bytes.as_mut_ptr(), length, &mut length) };
    assert_eq!(status, TwinregStatus::Ok, "{}", last_error(smmu));
    assert_eq!(length, bytes.len());
    bytes
}

pub fn restore(smmu: *mut TwinregSmmu, bytes: &[u8]) -> TwinregStatus {
    // SAFETY: a live handle and `bytes.len()` bytes.
    unsafe { twinreg_smmu_restore(smmu, bytes.as_ptr(), bytes.len()) }
}

/// The IOVA of page 0 of [`map_stage1`].
pub const IOVA: u64 = 0x80_0000_0000;
/// The StreamID of [`map_stage1`].
pub const SID: u32 = 1;

/// Stream [`SID`] of the Non-secure Stream table at `NS_RAM` (256 linear STEs):
/// stage 1, 4 KB granule, `pages` pages from [`IOVA`] mapped read/write to
/// `NS_RAM + 0x80_0000` on.
pub fn map_stage1(memory: &mut InMemoryGuest, pages: u64) {
    use smmu::builders::{desc, CdBuilder, PageTable, SteBuilder};
    use smmu::walk::{Granule, WalkGeometry};
    let geometry = WalkGeometry::stage1(Granule::K4, 16).expect("48-bit VA");
    let mut tables =
        PageTable::new(Pas::NonSecure, NS_RAM + 0x10_0000, 0x40_0000, geometry).expect("pool");
    for page in 0..pages {
        tables
            .map(
                memory,
                IOVA + (page << 12),
                NS_RAM + 0x80_0000 + (page << 12),
                3,
                desc::S1_PAGE_RW | desc::S1_NG,
            )
            .expect("map");
    }
    CdBuilder::new(tables.root())
        .asid(1)
        .write(memory, Pas::NonSecure, NS_RAM + 0x1_0000)
        .expect("CD");
    SteBuilder::stage1(NS_RAM + 0x1_0000)
        .write_linear(memory, Pas::NonSecure, NS_RAM, SID)
        .expect("STE");
}

/// The Non-secure bank's MMIO writes that point it at [`map_stage1`]'s Stream
/// table and enable translation: `(offset, size, value)`.
pub fn stage1_enable_writes() -> [(u64, u32, u64); 3] {
    use smmu::regfile::Reg;
    use smmu::SecSid;
    [
        (Reg::StrtabBase(SecSid::NonSecure).address(), 8, NS_RAM),
        (Reg::StrtabBaseCfg(SecSid::NonSecure).address(), 4, 8),
        (Reg::Cr0(SecSid::NonSecure).address(), 4, 1),
    ]
}

/// A read of `len` bytes at page `page` of [`map_stage1`].
pub fn stage1_request(page: u64) -> TwinregTranslationRequest {
    TwinregTranslationRequest {
        stream_id: SID,
        sec_sid: TWINREG_SEC_SID_NON_SECURE,
        iova: IOVA + (page << 12) + 0x10,
        size: 8,
        access: TWINREG_ACCESS_READ,
        ns: true,
        ..TwinregTranslationRequest::default()
    }
}

/// Guest memory with [`map_stage1`]'s `pages` pages, for the Rust paths.
pub fn stage1_memory(pages: u64) -> InMemoryGuest {
    let mut memory = InMemoryGuest::new()
        .with_region(Pas::NonSecure, NS_RAM, NS_SIZE)
        .with_region(Pas::Secure, S_RAM, S_SIZE);
    map_stage1(&mut memory, pages);
    memory
}

/// What `Translator::translate` reads of the two banks once
/// [`stage1_enable_writes`] are done.
pub fn stage1_banks() -> [smmu::BankRegisters; 2] {
    [
        smmu::BankRegisters {
            smmuen: true,
            strtab_base: NS_RAM,
            strtab_base_cfg: 8,
            ..smmu::BankRegisters::default()
        },
        smmu::BankRegisters::default(),
    ]
}

/// [`stage1_request`] as the Rust API's request.
pub fn stage1_rust_request(page: u64) -> smmu::TranslationRequest {
    let c = stage1_request(page);
    smmu::TranslationRequest::new(
        smmu::SecSid::NonSecure,
        c.stream_id,
        c.iova,
        smmu::walk::AccessKind::Read,
    )
    .with_size(c.size)
}

/// A Rust `Smmu` on [`stage1_memory`], enabled.
pub fn stage1_device(pages: u64) -> smmu::Smmu<InMemoryGuest, smmu::NoInterrupts> {
    let mut device = smmu::Smmu::new(
        smmu::SmmuConfig::default(),
        stage1_memory(pages),
        smmu::NoInterrupts,
    )
    .expect("the default configuration");
    for (offset, size, value) in stage1_enable_writes() {
        device.mmio_write(offset, size, value, smmu::SecSid::NonSecure);
    }
    device
}

/// An SMMU behind the ABI on `host`, with [`map_stage1`]'s pages, enabled.
pub fn stage1_abi(host: &mut Host, pages: u64) -> *mut TwinregSmmu {
    map_stage1(&mut host.memory, pages);
    let smmu = smmu(host);
    for (offset, size, value) in stage1_enable_writes() {
        mmio_write(smmu, offset, size, value, false);
    }
    smmu
}
