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
/// S2P, COHACC, DORMHINT, Hyp, MSI, VMW, VMID16, ASID16, CD2L and TERM_MODEL;
/// IDR1.SIDSIZE, SSIDSIZE, CMDQS, EVENTQS, ATTR_PERMS_OVR and ATTR_TYPES_OVR;
/// IDR3.HAD, XNX, FWB, STT, RIL and BBML; IDR4; IDR5.OAS and the granules; IIDR
/// and the identity in PIDR0-4; AIDR.ArchMinorRev; S_IDR0.MSI; S_IDR1.S_SIDSIZE,
/// SEL2 and SECURE_IMPL; S_IDR4; and the reset value of (S_)GBPA.ABORT. Every
/// other field keeps the `.rdl`'s value.
///
/// IDR0.VMW and IDR3.XNX follow stage 2, IDR3.HAD stage 1: they are mandatory
/// with their stage from SMMUv3.1 and RES0 (VMW, XNX) or 0 (HAD) without it
/// (IHI0070 6.3.1, 6.3.4). IDR0.VMW = 0 also makes CR0.VMW and S_CR0.VMW RES0,
/// IDR0.HYP = 0 CR2.E2H, IDR0.DORMHINT = 0 STATUSR.DORMANT, IDR0.MSI = 0 the
/// GERROR MSI abort errors, and so on: the register file applies those field
/// conditions itself.
pub fn impl_defined(config: &SmmuConfig) -> ImplDefined {
    let d = ImplDefined::DEFAULT;
    let abort = u8::from(config.gbpa_abort_at_reset);
    let iidr = Iidr::from_bits(config.iidr);
    // The CoreSight identity shows IIDR's fields (IHI0070 6.3.7, 6.3.170).
    let (implementer, part) = (iidr.implementer(), iidr.productid());
    ImplDefined {
        idr0: d
            .idr0
            .with_s1p(config.stage1)
            .with_cohacc(config.coherent_access)
            .with_dormhint(config.dormant_hint)
            .with_s2p(config.stage2)
            .with_hyp(config.hyp)
            .with_msi(config.msi)
            .with_vmw(config.stage2)
            .with_vmid16(config.vmid16)
            .with_asid16(config.asid16)
            .with_cd2l(config.two_level_cd)
            .with_term_model(config.term_model_abort_only),
        idr1: d
            .idr1
            .with_sidsize(config.sid_bits)
            .with_ssidsize(config.ssid_bits)
            .with_cmdqs(config.cmdq_log2_max)
            .with_eventqs(config.eventq_log2_max)
            .with_attr_perms_ovr(config.attr_perms_ovr)
            .with_attr_types_ovr(config.attr_types_ovr),
        idr3: d
            .idr3
            .with_had(config.stage1)
            .with_xnx(config.stage2)
            .with_fwb(config.forced_write_back)
            .with_stt(config.small_translation_tables)
            .with_ril(config.range_invalidation)
            .with_bbml_raw(config.bbml.encoding()),
        idr4: Idr4::from_bits(config.idr4),
        iidr,
        aidr: d.aidr.with_archminorrev_raw(config.arch_version.minor()),
        pidr0: d.pidr0.with_part_0(part as u8),
        pidr1: d
            .pidr1
            .with_part_1((part >> 8) as u8)
            .with_des_0((implementer & 0xF) as u8),
        pidr2: d
            .pidr2
            .with_des_1(((implementer >> 4) & 0x7) as u8)
            .with_revision(iidr.variant()),
        pidr3: d.pidr3.with_revand(iidr.revision()),
        pidr4: d.pidr4.with_des_2((implementer >> 8) as u8),
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
        s_idr4: SIdr4::from_bits(config.s_idr4),
        gbpa: d.gbpa.with_abort_raw(abort),
        s_gbpa: d.s_gbpa.with_abort_raw(abort),
        // No `..d`: a register the `.rdl` makes implementation-defined must be
        // mapped here (or deliberately left at `d`), or this does not compile.
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

/// Checks that `regs` (built from [`impl_defined`]`(config)`) advertises `config`.
///
/// Every configuration value [`impl_defined`] maps is advertised by construction;
/// what remains are the values the `.rdl` fixes as constants although
/// `SmmuConfig` names them: IDR0.ST_LEVEL (fixed, see the `.rdl`'s header) and
/// STALL_MODEL (S_IDR0's too, with Secure state). A configuration that sets them
/// otherwise is refused.
pub fn check_config(regs: &RegisterFile, config: &SmmuConfig) -> Result<(), Unrepresentable> {
    let idr0 = regs.idr0();
    let s_idr0 = regs.s_idr0();
    let checks: [(bool, &'static str, &'static str, u64, u64); 3] = [
        (
            true,
            "two_level_stream_table",
            "IDR0.ST_LEVEL",
            config.two_level_stream_table.into(),
            idr0.st_level_raw().into(),
        ),
        (
            true,
            "stall_model",
            "IDR0.STALL_MODEL",
            config.stall_model.encoding().into(),
            idr0.stall_model_raw().into(),
        ),
        (
            config.secure_impl,
            "stall_model",
            "S_IDR0.STALL_MODEL",
            config.stall_model.encoding().into(),
            s_idr0.stall_model_raw().into(),
        ),
    ];
    for (relevant, field, register, config, value) in checks {
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
    fn qemu_7_2_is_advertised_exactly() {
        // QEMU 7.2's smmuv3_init_regs: IDR0 = S1P | TTF=AArch64 | COHACC | ASID16 |
        // TTENDIAN=LE | STALL_MODEL=1 | TERM_MODEL | ST_LEVEL=2-level; IDR1 = SIDSIZE 16,
        // EVENTQS = CMDQS = 19; IDR5 = OAS 44 bits and the three granules.
        let config = SmmuConfig::qemu_7_2();
        let mut regs = RegisterFile::new(&impl_defined(&config));
        assert_eq!(check_config(&regs, &config), Ok(()));
        // IDR3 = HAD | RIL | BBML level 2; an SMMUv3.1 without STATUSR.DORMANT.
        // (tests/presets.rs reads the same values through MMIO.)
        assert_eq!(regs.idr0().bits(), 0x0D40_101A);
        assert_eq!(regs.idr1().bits(), 0x0273_0010);
        assert_eq!(regs.idr3().bits(), 0x1404);
        assert_eq!(regs.idr5().bits(), 0x74);
        assert_eq!(regs.aidr().bits(), 0x01);
        assert!(!regs.idr3().xnx(), "no stage 2: XNX is RES0");
        // Without IDR0.VMW, HYP and MSI their dependent fields are RES0.
        let ns = SecSid::NonSecure;
        regs.write(0x20, 4, 0x1C0, ns);
        assert_eq!(regs.read(0x20, 4, ns), 0, "CR0.VMW");
        regs.write(0x2C, 4, 0b11, ns);
        assert_eq!(regs.read(0x2C, 4, ns), 0b10, "CR2.E2H");
        regs.write(0x64, 4, 0x1FF, ns);
        assert_eq!(regs.read(0x64, 4, ns), 0x105, "GERRORN.MSI_*_ABT_ERR");
    }

    #[test]
    fn constants_the_rdl_fixes_are_refused() {
        let config = SmmuConfig {
            two_level_stream_table: false,
            ..SmmuConfig::default()
        };
        let regs = RegisterFile::new(&impl_defined(&config));
        assert_eq!(
            check_config(&regs, &config),
            Err(Unrepresentable {
                field: "two_level_stream_table",
                register: "IDR0.ST_LEVEL",
                config: 0,
                value: 1
            })
        );
    }
}
