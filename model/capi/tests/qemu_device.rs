//! The QEMU device (`model/qemu/`): QEMU built by `model/qemu/build.sh` with
//! `-machine virt,iommu=smmuv3-twinreg`, driven through QEMU's qtest protocol (MMIO
//! from the system bus, no guest), against the model behind the C ABI in this
//! process with the same configuration: what QEMU's device answers must be what the
//! model answers. Migration goes through QMP (`migrate` to a file, `-incoming`).
//!
//! The QEMU build is cached (`build.sh` prints the binary in seconds once built; a
//! first build takes 15-30 min, which `make qemu` does before the tests). When it
//! cannot be built here (no root/sudo for apt, no network) the tests print `SKIP`,
//! and fail under `TWINREG_REQUIRE_TOOLS=1`. `TWINREG_QEMU=<path>` names a binary and
//! skips the build.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::OnceLock;
use std::time::Duration;

use common::{last_error, mmio_read, mmio_write, Host, CALLBACKS};
use smmu::regfile::Reg;
use smmu::SecSid;
use twinreg::*;

/// Where QEMU's `virt` board maps its SMMU (the board's memory map, `VIRT_SMMU`).
const SMMU_BASE: u64 = 0x0905_0000;
/// How long one qtest or QMP answer may take.
const ANSWER: Duration = Duration::from_secs(60);
const NS: SecSid = SecSid::NonSecure;

/// The QEMU binary, built once per test run (or `None` after a SKIP).
fn qemu(test: &str) -> Option<PathBuf> {
    static QEMU: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = QEMU.get_or_init(|| {
        if let Some(path) = std::env::var_os("TWINREG_QEMU") {
            return Ok(PathBuf::from(path));
        }
        let script = testkit::workspace_root().join("model/qemu/build.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .map(PathBuf::from)
                .ok_or_else(|| "build.sh printed no path".to_string()),
            Some(77) => Err(format!("QEMU could not be built here: {}", stderr.trim())),
            _ => panic!("model/qemu/build.sh failed:\n{stderr}"),
        }
    });
    match found {
        Ok(path) => Some(path.clone()),
        Err(why) => {
            testkit::missing(test, why);
            None
        }
    }
}

/// A running QEMU under qtest (`-qtest stdio`), killed on drop.
struct Qemu {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Qemu {
    /// QEMU's `virt` with twinreg's SMMU, plus `extra` arguments.
    fn start(qemu: &Path, extra: &[&str]) -> Result<Qemu, String> {
        let mut child = Command::new(qemu)
            .args([
                "-machine",
                "virt,iommu=smmuv3-twinreg",
                "-accel",
                "qtest",
                "-qtest",
                "stdio",
                "-display",
                "none",
                "-nodefaults",
                "-monitor",
                "none",
                "-serial",
                "none",
            ])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", qemu.display()))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut q = Qemu {
            child,
            stdin,
            lines,
        };
        // A first command proves the machine came up (a bad property ends QEMU here).
        if let Err(e) = q.try_command("endianness") {
            // QEMU ends by itself on a refused configuration; otherwise end it.
            let mut status = None;
            for _ in 0..100 {
                status = q.child.try_wait().ok().flatten();
                if status.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if status.is_none() {
                let _ = q.child.kill();
                status = q.child.wait().ok();
            }
            let mut stderr = String::new();
            if let Some(mut err) = q.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
            }
            return Err(format!("{e}; exit {status:?}; stderr: {stderr}"));
        }
        Ok(q)
    }

    fn try_command(&mut self, line: &str) -> Result<String, String> {
        writeln!(self.stdin, "{line}").map_err(|e| format!("qtest `{line}`: {e}"))?;
        loop {
            let answer = self
                .lines
                .recv_timeout(ANSWER)
                .map_err(|e| format!("qtest `{line}`: no answer ({e})"))?;
            // Interrupt notifications are asynchronous; this test does not intercept.
            if answer.starts_with("IRQ") {
                continue;
            }
            return if answer.starts_with("OK") {
                Ok(answer)
            } else {
                Err(format!("qtest `{line}`: {answer}"))
            };
        }
    }

    fn command(&mut self, line: &str) -> String {
        self.try_command(line).unwrap_or_else(|e| panic!("{e}"))
    }

    fn read(&mut self, offset: u64, size: u32) -> u64 {
        let op = if size == 8 { "readq" } else { "readl" };
        let answer = self.command(&format!("{op} 0x{:x}", SMMU_BASE + offset));
        let hex = answer.trim_start_matches("OK ").trim_start_matches("0x");
        u64::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("`{answer}`: {e}"))
    }

    fn write(&mut self, offset: u64, size: u32, value: u64) {
        let op = if size == 8 { "writeq" } else { "writel" };
        self.command(&format!("{op} 0x{:x} 0x{value:x}", SMMU_BASE + offset));
    }

    /// Ends QEMU with SIGTERM (a clean shutdown: exit notifiers run) and waits.
    fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A QMP client on a Unix socket.
struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    fn connect(path: &Path) -> Qmp {
        let mut stream = None;
        for _ in 0..200 {
            if let Ok(s) = UnixStream::connect(path) {
                stream = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let stream = stream.expect("QMP socket");
        stream.set_read_timeout(Some(ANSWER)).expect("timeout");
        let mut qmp = Qmp {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
        };
        let greeting = qmp.line();
        assert!(greeting.contains("QMP"), "{greeting}");
        qmp.execute(r#"{"execute":"qmp_capabilities"}"#);
        qmp
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("QMP answer");
        line
    }

    /// Sends `command`, returns its `return` or `error` line (events are skipped).
    fn execute(&mut self, command: &str) -> String {
        writeln!(self.writer, "{command}").expect("QMP write");
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "QMP closed on {command}");
            if line.contains("\"return\"") || line.contains("\"error\"") {
                return line;
            }
        }
    }
}

/// The model in this process with `preset` and `knobs`, as QEMU's device makes it.
struct Model {
    smmu: *mut TwinregSmmu,
    _host: Box<Host>,
}

impl Model {
    fn new(preset: &str, knobs: &[(&str, &str)]) -> Model {
        let mut host = Host::new();
        let preset = std::ffi::CString::new(preset).expect("preset");
        let texts: Vec<(std::ffi::CString, std::ffi::CString)> = knobs
            .iter()
            .map(|(k, v)| {
                (
                    std::ffi::CString::new(*k).expect("key"),
                    std::ffi::CString::new(*v).expect("value"),
                )
            })
            .collect();
        let knobs: Vec<TwinregKnob> = texts
            .iter()
            .map(|(k, v)| TwinregKnob {
                key: k.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        // SAFETY: NUL-terminated strings and knobs that outlive the call; a live host.
        let smmu = unsafe {
            twinreg_smmu_new(
                preset.as_ptr(),
                knobs.as_ptr(),
                knobs.len(),
                &CALLBACKS,
                host.opaque(),
            )
        };
        assert!(!smmu.is_null(), "{}", last_error(std::ptr::null()));
        Model { smmu, _host: host }
    }

    fn read(&self, reg: Reg) -> u64 {
        mmio_read(self.smmu, reg.address(), 4, reg.bank() == SecSid::Secure)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: a live handle, freed once.
        unsafe { twinreg_smmu_free(self.smmu) };
    }
}

/// The identification registers a driver reads first (Linux: IDR0, IDR1, IDR3, IDR5,
/// IIDR; AIDR for the version).
const ID_REGS: [Reg; 7] = [
    Reg::Idr0,
    Reg::Idr1,
    Reg::Idr2,
    Reg::Idr3,
    Reg::Idr5,
    Reg::Iidr,
    Reg::Aidr,
];

fn id_registers(q: &mut Qemu) -> Vec<u64> {
    ID_REGS.iter().map(|r| q.read(r.address(), 4)).collect()
}

fn model_id_registers(m: &Model) -> Vec<u64> {
    ID_REGS.iter().map(|r| m.read(*r)).collect()
}

#[test]
fn qemu_device_reads_the_models_id_registers_for_each_preset_and_knob() {
    let test = "qemu_device_reads_the_models_id_registers_for_each_preset_and_knob";
    let Some(qemu) = qemu(test) else { return };

    let mut q = Qemu::start(&qemu, &[]).expect("QEMU with the default preset");
    let default = id_registers(&mut q);
    assert_eq!(default, model_id_registers(&Model::new("default", &[])));
    drop(q);

    let mut q = Qemu::start(&qemu, &["-global", "arm-smmuv3-twinreg.preset=qemu-7.2"])
        .expect("QEMU with preset qemu-7.2");
    let qemu72 = id_registers(&mut q);
    assert_eq!(qemu72, model_id_registers(&Model::new("qemu-7.2", &[])));
    // IHI0070 6.3.1: QEMU 7.2's SMMU has no stage 2 (IDR0.S2P), the default has.
    assert_ne!(qemu72[0], default[0], "the preset reached the model");
    assert_eq!(qemu72[0] & 1, 0, "qemu-7.2: IDR0.S2P = 0");
    drop(q);

    // A knob as a property ('_' -> '-'): a 44-bit OAS is IDR5.OAS = 0b100.
    let mut q = Qemu::start(
        &qemu,
        &[
            "-global",
            "arm-smmuv3-twinreg.oas=44",
            "-global",
            "arm-smmuv3-twinreg.stage2=off",
        ],
    )
    .expect("QEMU with knobs");
    let knobbed = id_registers(&mut q);
    let model = Model::new("default", &[("oas", "44"), ("stage2", "off")]);
    assert_eq!(knobbed, model_id_registers(&model));
    assert_eq!(knobbed[4] & 0b111, 0b100, "IDR5.OAS = 44 bits");
}

#[test]
fn qemu_device_secure_bank_is_invisible_to_non_secure_accesses() {
    let test = "qemu_device_secure_bank_is_invisible_to_non_secure_accesses";
    let Some(qemu) = qemu(test) else { return };
    let mut q = Qemu::start(&qemu, &[]).expect("QEMU");
    let model = Model::new("default", &[]);
    // qtest accesses are Non-secure (MEMTXATTRS_UNSPECIFIED): S_IDR1 reads as zero
    // through QEMU, while the model's Secure read shows SECURE_IMPL (IHI0070 6.3.38).
    let secure_idr1 = mmio_read(model.smmu, Reg::SIdr1.address(), 4, true);
    assert_ne!(secure_idr1 >> 31, 0, "the model has Secure state");
    assert_eq!(q.read(Reg::SIdr1.address(), 4), 0);
    assert_eq!(
        q.read(Reg::SIdr1.address(), 4),
        mmio_read(model.smmu, Reg::SIdr1.address(), 4, false)
    );
}

#[test]
fn qemu_device_acknowledges_cr0_and_keeps_64_bit_registers() {
    let test = "qemu_device_acknowledges_cr0_and_keeps_64_bit_registers";
    let Some(qemu) = qemu(test) else { return };
    let mut q = Qemu::start(&qemu, &[]).expect("QEMU");
    let model = Model::new("default", &[]);

    // Linux's probe: the Command queue base (64-bit), then CR0.CMDQEN, polling CR0ACK
    // (IHI0070 6.3.9-6.3.10). The model in this process does the same.
    let cmdq_base = 0x4000_0000_u64 | 8; // LOG2SIZE 8 in guest RAM
    for (reg, size, value) in [
        (Reg::CmdqBase(NS), 8, cmdq_base),
        (Reg::Cr1(NS), 4, 0xd75),
        (Reg::Cr0(NS), 4, 0x8),
    ] {
        q.write(reg.address(), size, value);
        mmio_write(model.smmu, reg.address(), size, value, false);
    }
    let ack = q.read(Reg::Cr0ack(NS).address(), 4);
    assert_eq!(ack, 0x8, "CR0ACK.CMDQEN follows CR0");
    assert_eq!(ack, model.read(Reg::Cr0ack(NS)));
    assert_eq!(q.read(Reg::CmdqBase(NS).address(), 8), cmdq_base);
    assert_eq!(q.read(Reg::Cr1(NS).address(), 4), 0xd75);
    // 32-bit halves of a 64-bit register.
    assert_eq!(q.read(Reg::CmdqBase(NS).address() + 4, 4), cmdq_base >> 32);
}

#[test]
fn qemu_device_refuses_a_bad_configuration_with_the_models_reason() {
    let test = "qemu_device_refuses_a_bad_configuration_with_the_models_reason";
    let Some(qemu) = qemu(test) else { return };
    let err = Qemu::start(&qemu, &["-global", "arm-smmuv3-twinreg.preset=no-such"])
        .err()
        .expect("an unknown preset must stop QEMU");
    assert!(err.contains("arm-smmuv3-twinreg"), "{err}");
    assert!(err.contains("no-such"), "{err}");

    let err = Qemu::start(
        &qemu,
        &[
            "-global",
            "arm-smmuv3-twinreg.secure-impl=off",
            "-global",
            "arm-smmuv3-twinreg.secure-streams=0x10",
        ],
    )
    .err()
    .expect("Secure streams without Secure state must stop QEMU");
    assert!(err.contains("secure-streams"), "{err}");

    let err = Qemu::start(&qemu, &["-global", "arm-smmuv3-twinreg.secure-streams=8-x"])
        .err()
        .expect("a malformed StreamID list must stop QEMU");
    assert!(err.contains("'8-x'"), "{err}");
}

#[test]
fn qemu_device_migrates_the_models_state_and_refuses_a_corrupt_one() {
    let test = "qemu_device_migrates_the_models_state_and_refuses_a_corrupt_one";
    let Some(qemu) = qemu(test) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let sock = dir.path().join("qmp.sock");
    let stream = dir.path().join("state.bin");
    let qmp_arg = format!("unix:{},server=on,wait=off", sock.display());

    let mut source = Qemu::start(&qemu, &["-qmp", &qmp_arg]).expect("source QEMU");
    let strtab = 0x4010_0000_u64 | 1 << 62; // RA, in guest RAM
    source.write(Reg::StrtabBase(NS).address(), 8, strtab);
    source.write(Reg::StrtabBaseCfg(NS).address(), 4, 0x10210);
    source.write(Reg::Cr2(NS).address(), 4, 0x6);
    // CR2.PTM may be RES0 here (the model decides); the destination must read back
    // whatever the source reads.
    let cr2 = source.read(Reg::Cr2(NS).address(), 4);
    assert_ne!(cr2, 0, "CR2.RECINVSID at least was written");
    let mut qmp = Qmp::connect(&sock);
    let started = qmp.execute(&format!(
        r#"{{"execute":"migrate","arguments":{{"uri":"exec:cat > {}"}}}}"#,
        stream.display()
    ));
    assert!(started.contains("return"), "{started}");
    let mut done = false;
    for _ in 0..600 {
        let status = qmp.execute(r#"{"execute":"query-migrate"}"#);
        if status.contains("\"completed\"") {
            done = true;
            break;
        }
        assert!(!status.contains("\"failed\""), "{status}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(done, "migration did not complete");
    drop(source);

    let incoming = format!("exec:cat {}", stream.display());
    let mut dest = Qemu::start(&qemu, &["-incoming", &incoming]).expect("destination QEMU");
    // The state arrives with the incoming stream; wait for it (the machine starts paused).
    let mut seen = 0;
    for _ in 0..600 {
        seen = dest.read(Reg::StrtabBase(NS).address(), 8);
        if seen == strtab {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(seen, strtab);
    assert_eq!(dest.read(Reg::StrtabBaseCfg(NS).address(), 4), 0x10210);
    assert_eq!(dest.read(Reg::Cr2(NS).address(), 4), cr2);
    assert_eq!(dest.read(Reg::Cr0(NS).address(), 4), 0);
    dest.terminate();

    // One flipped byte inside the model's snapshot: its checksum refuses it, and QEMU
    // fails the load with the model's reason instead of running a wrong SMMU.
    let mut bytes = std::fs::read(&stream).expect("migration stream");
    let name = b"arm-smmuv3-twinreg";
    let at = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("the device's section in the stream");
    // Section header, then snapshot_len (u32 BE), then the snapshot: flip inside it.
    let flip = at + name.len() + 4 + 4 + 4 + 24;
    bytes[flip] ^= 0x40;
    let corrupt = dir.path().join("corrupt.bin");
    std::fs::write(&corrupt, &bytes).expect("write");
    let out = Command::new(&qemu)
        .args([
            "-machine",
            "virt,iommu=smmuv3-twinreg",
            "-accel",
            "qtest",
            "-display",
            "none",
            "-nodefaults",
            "-monitor",
            "none",
            "-serial",
            "none",
            "-incoming",
            &format!("exec:cat {}", corrupt.display()),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run QEMU");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a corrupt state must fail the load");
    assert!(stderr.contains("incoming state refused"), "{stderr}");
}

#[test]
fn qemu_device_writes_the_models_counters_to_the_stats_file_at_exit() {
    let test = "qemu_device_writes_the_models_counters_to_the_stats_file_at_exit";
    let Some(qemu) = qemu(test) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = dir.path().join("stats.json");
    let prop = format!("arm-smmuv3-twinreg.stats-file={}", stats.display());
    let mut q = Qemu::start(&qemu, &["-global", &prop]).expect("QEMU");
    // Two commands: CMD_SYNC twice through an enabled Command queue in guest RAM
    // (0x4000_0000 is virt's RAM base; qtest writes it directly).
    let queue = 0x4000_0000_u64;
    q.command(&format!("writeq 0x{queue:x} 0x46")); // CMD_SYNC, CS = 0 (no signal)
    q.command(&format!("writeq 0x{:x} 0x0", queue + 8));
    q.command(&format!("writeq 0x{:x} 0x46", queue + 16));
    q.command(&format!("writeq 0x{:x} 0x0", queue + 24));
    q.write(Reg::CmdqBase(NS).address(), 8, queue | 4);
    q.write(Reg::Cr0(NS).address(), 4, 0x8);
    q.write(Reg::CmdqProd(NS).address(), 4, 2);
    assert_eq!(q.read(Reg::CmdqCons(NS).address(), 4), 2, "both consumed");
    q.terminate();
    let text = std::fs::read_to_string(&stats).expect("stats file written at exit");
    assert!(text.contains("\"commands\": 2,"), "{text}");
    assert!(
        text.contains("\"device\": \"arm-smmuv3-twinreg\""),
        "{text}"
    );
}
