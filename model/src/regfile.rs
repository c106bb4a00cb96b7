//! The banked register file of the SMMU, generated from `regdef/smmuv3.rdl` by
//! `twinreg_macros::register_file!`: typed registers, the MMIO decoder, every
//! software-visible access rule, the hardware update path and serde.
//!
//! The behaviour layer ([`crate::device`]) never restates an offset or a mask: it
//! reacts to the [`WriteEffect`] of each access and drives hardware-owned fields
//! through [`RegisterFile::bank_hw`] and [`RegisterFile::hw`].
//!
//! [`impl_defined`] turns a [`SmmuConfig`] into the register file's
//! IMPLEMENTATION DEFINED values, so the ID registers advertise exactly what the
//! model implements; [`check_config`] refuses a configuration that the register
//! definition cannot advertise (a field the `.rdl` fixes to another value).

use thiserror::Error;

use crate::config::SmmuConfig;

twinreg_macros::register_file!("../regdef/smmuv3.rdl");

/// The IMPLEMENTATION DEFINED register values that advertise `config`: IDR0.S1P,
/// S2P, Hyp and MSI; IDR1.SIDSIZE, SSIDSIZE, CMDQS and EVENTQS; IDR5.OAS and the
/// granules; S_IDR0.MSI; S_IDR1.S_SIDSIZE, SEL2 and SECURE_IMPL; and the reset
/// value of (S_)GBPA.ABORT. Everything else keeps the `.rdl`'s value.
pub fn impl_defined(config: &SmmuConfig) -> ImplDefined {
    let d = ImplDefined::DEFAULT;
    let abort = u8::from(config.gbpa_abort_at_reset);
    ImplDefined {
        idr0: d
            .idr0
            .with_s1p(config.stage1)
            .with_s2p(config.stage2)
            .with_hyp(config.hyp)
            .with_msi(config.msi),
        idr1: d
            .idr1
            .with_sidsize(config.sid_bits)
            .with_ssidsize(config.ssid_bits)
            .with_cmdqs(config.cmdq_log2_max)
            .with_eventqs(config.eventq_log2_max),
        idr5: d
            .idr5
            .with_oas_raw(config.oas.encoding())
            .with_gran4k(config.granules.k4)
            .with_gran16k(config.granules.k16)
            .with_gran64k(config.granules.k64),
        s_idr0: d.s_idr0.with_msi(config.msi),
        s_idr1: d
            .s_idr1
            .with_s_sidsize(if config.secure_impl {
                config.secure_sid_bits
            } else {
                0
            })
            .with_sel2(config.secure_stage2)
            .with_secure_impl(config.secure_impl),
        gbpa: d.gbpa.with_abort_raw(abort),
        s_gbpa: d.s_gbpa.with_abort_raw(abort),
        ..d
    }
}

/// A configuration value the register definition cannot advertise.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Error)]
#[error(
    "SmmuConfig.{field} = {config} cannot be advertised: {register} is {value} \
     in regdef/smmuv3.rdl"
)]
pub struct Unrepresentable {
    /// The `SmmuConfig` field.
    pub field: &'static str,
    /// The register field that would advertise it.
    pub register: &'static str,
    /// The configured value.
    pub config: u64,
    /// The value the register file holds.
    pub value: u64,
}

/// Checks that `regs` (built from [`impl_defined`]`(config)`) advertises `config`
/// exactly: every field the configuration sets, including those the `.rdl` fixes
/// as constants (VMID16, ASID16, ST_LEVEL, CD2L, STALL_MODEL, TERM_MODEL,
/// ATTR_*_OVR), must read back as configured. Fields that are irrelevant to
/// software without a feature (VMID16 without stage 2, ASID16 and CD2L without
/// stage 1, the Secure ID registers without Secure state) are not compared.
pub fn check_config(regs: &RegisterFile, config: &SmmuConfig) -> Result<(), Unrepresentable> {
    let idr0 = regs.idr0();
    let idr1 = regs.idr1();
    let idr5 = regs.idr5();
    let s_idr0 = regs.s_idr0();
    let s_idr1 = regs.s_idr1();
    let secure = config.secure_impl;
    let checks: [(bool, &'static str, &'static str, u64, u64); 23] = [
        (
            true,
            "stage1",
            "IDR0.S1P",
            config.stage1.into(),
            idr0.s1p().into(),
        ),
        (
            true,
            "stage2",
            "IDR0.S2P",
            config.stage2.into(),
            idr0.s2p().into(),
        ),
        (
            true,
            "hyp",
            "IDR0.Hyp",
            config.hyp.into(),
            idr0.hyp().into(),
        ),
        (
            true,
            "msi",
            "IDR0.MSI",
            config.msi.into(),
            idr0.msi().into(),
        ),
        (
            config.stage2,
            "vmid16",
            "IDR0.VMID16",
            config.vmid16.into(),
            idr0.vmid16().into(),
        ),
        (
            config.stage1,
            "asid16",
            "IDR0.ASID16",
            config.asid16.into(),
            idr0.asid16().into(),
        ),
        (
            true,
            "two_level_stream_table",
            "IDR0.ST_LEVEL",
            config.two_level_stream_table.into(),
            idr0.st_level_raw().into(),
        ),
        (
            config.stage1,
            "two_level_cd",
            "IDR0.CD2L",
            config.two_level_cd.into(),
            idr0.cd2l().into(),
        ),
        (
            true,
            "stall_model",
            "IDR0.STALL_MODEL",
            config.stall_model.encoding().into(),
            idr0.stall_model_raw().into(),
        ),
        (
            true,
            "term_model_abort_only",
            "IDR0.TERM_MODEL",
            config.term_model_abort_only.into(),
            idr0.term_model().into(),
        ),
        (
            true,
            "sid_bits",
            "IDR1.SIDSIZE",
            config.sid_bits.into(),
            idr1.sidsize().into(),
        ),
        (
            true,
            "ssid_bits",
            "IDR1.SSIDSIZE",
            config.ssid_bits.into(),
            idr1.ssidsize().into(),
        ),
        (
            true,
            "cmdq_log2_max",
            "IDR1.CMDQS",
            config.cmdq_log2_max.into(),
            idr1.cmdqs().into(),
        ),
        (
            true,
            "eventq_log2_max",
            "IDR1.EVENTQS",
            config.eventq_log2_max.into(),
            idr1.eventqs().into(),
        ),
        (
            true,
            "attr_perms_ovr",
            "IDR1.ATTR_PERMS_OVR",
            config.attr_perms_ovr.into(),
            idr1.attr_perms_ovr().into(),
        ),
        (
            true,
            "attr_types_ovr",
            "IDR1.ATTR_TYPES_OVR",
            config.attr_types_ovr.into(),
            idr1.attr_types_ovr().into(),
        ),
        (
            true,
            "oas",
            "IDR5.OAS",
            config.oas.encoding().into(),
            idr5.oas_raw().into(),
        ),
        (
            true,
            "granules.k4",
            "IDR5.GRAN4K",
            config.granules.k4.into(),
            idr5.gran4k().into(),
        ),
        (
            true,
            "granules.k16",
            "IDR5.GRAN16K",
            config.granules.k16.into(),
            idr5.gran16k().into(),
        ),
        (
            true,
            "granules.k64",
            "IDR5.GRAN64K",
            config.granules.k64.into(),
            idr5.gran64k().into(),
        ),
        (
            true,
            "secure_impl",
            "S_IDR1.SECURE_IMPL",
            config.secure_impl.into(),
            s_idr1.secure_impl().into(),
        ),
        (
            secure,
            "secure_sid_bits",
            "S_IDR1.S_SIDSIZE",
            config.secure_sid_bits.into(),
            s_idr1.s_sidsize().into(),
        ),
        (
            secure,
            "stall_model",
            "S_IDR0.STALL_MODEL",
            config.stall_model.encoding().into(),
            s_idr0.stall_model_raw().into(),
        ),
    ];
    let sel2 = (
        secure,
        "secure_stage2",
        "S_IDR1.SEL2",
        u64::from(config.secure_stage2),
        u64::from(s_idr1.sel2()),
    );
    let s_msi = (
        secure,
        "msi",
        "S_IDR0.MSI",
        u64::from(config.msi),
        u64::from(s_idr0.msi()),
    );
    for (relevant, field, register, config, value) in checks.into_iter().chain([sel2, s_msi]) {
        if relevant && config != value {
            return Err(Unrepresentable {
                field,
                register,
                config,
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AddressSize;
    use regdef::SecSid;

    #[test]
    fn id_registers_follow_the_config() {
        let config = SmmuConfig {
            secure_impl: false,
            secure_stage2: false,
            stage2: false,
            hyp: false,
            sid_bits: 8,
            ssid_bits: 5,
            cmdq_log2_max: 10,
            eventq_log2_max: 7,
            oas: AddressSize::Bits44,
            gbpa_abort_at_reset: true,
            ..SmmuConfig::default()
        };
        let regs = RegisterFile::new(&impl_defined(&config));
        assert_eq!(check_config(&regs, &config), Ok(()));
        let idr1 = regs.idr1();
        assert_eq!(
            (
                idr1.sidsize(),
                idr1.ssidsize(),
                idr1.cmdqs(),
                idr1.eventqs()
            ),
            (8, 5, 10, 7)
        );
        assert!(!regs.idr0().s2p() && regs.idr0().s1p());
        assert_eq!(regs.idr5().oas_raw(), 4);
        // Without Secure state the whole Secure bank reads as zero.
        assert!(!regs.s_idr1().secure_impl());
        let mut regs = regs;
        assert_eq!(regs.read(0x8004, 4, SecSid::Secure), 0);
        // GBPA.ABORT resets to the configured value: 0x0010_1000.
        assert_eq!(regs.read(0x44, 4, SecSid::NonSecure), 0x0010_1000);
    }

    #[test]
    fn constants_the_rdl_fixes_are_refused() {
        let config = SmmuConfig::qemu_7_2();
        let regs = RegisterFile::new(&impl_defined(&config));
        assert_eq!(
            check_config(&regs, &config),
            Err(Unrepresentable {
                field: "two_level_cd",
                register: "IDR0.CD2L",
                config: 0,
                value: 1
            })
        );
        let config = SmmuConfig {
            asid16: false,
            ..SmmuConfig::default()
        };
        let regs = RegisterFile::new(&impl_defined(&config));
        assert_eq!(
            check_config(&regs, &config).map_err(|e| e.register),
            Err("IDR0.ASID16")
        );
    }
}
