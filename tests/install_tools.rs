//! `.ci/install-tools` run against stand-ins for `id`, `sudo` and `apt-get` on a PATH
//! without the simulators: what it would install, how, and what it says when it
//! cannot.
#![cfg(unix)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Output};

/// A PATH holding the real programs the script needs and the stand-ins, which log
/// their arguments to `log`. `apt-get` fails, so the script stops before the venv.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        for real in [
            "bash", "dirname", "cmp", "cut", "head", "cp", "cat", "python3",
        ] {
            let found = Command::new("bash")
                .args(["-c", &format!("command -v {real}")])
                .output()
                .unwrap();
            let path = String::from_utf8(found.stdout).unwrap();
            symlink(path.trim(), bin.join(real)).unwrap();
        }
        let log = dir.path().join("log");
        let fake = |name: &str, body: &str| {
            let p = bin.join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        fake("id", "echo \"$FAKE_UID\"");
        fake(
            "sudo",
            &format!(
                "if [ \"$1 $2\" = '-n true' ]; then exit \"$FAKE_SUDO\"; fi\n\
                 echo \"sudo $*\" >> {log}\nshift\nexec \"$@\"",
                log = log.display()
            ),
        );
        fake(
            "apt-get",
            &format!("echo \"apt-get $*\" >> {}\nexit 1", log.display()),
        );
        Sandbox { dir }
    }

    fn run(&self, uid: u32, sudo_ok: bool) -> (Output, Vec<String>) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/install-tools");
        let o = Command::new(self.dir.path().join("bin/bash"))
            .arg(&script)
            .env_clear()
            .env("PATH", self.dir.path().join("bin"))
            .env("FAKE_UID", uid.to_string())
            .env("FAKE_SUDO", if sudo_ok { "0" } else { "1" })
            .output()
            .unwrap();
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        let _ = std::fs::remove_file(self.dir.path().join("log"));
        (o, log.lines().map(str::to_string).collect())
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_plain_installs(log: &[String], prefix: &str) {
    assert!(!log.is_empty());
    for line in log {
        assert!(line.starts_with(prefix), "{line}");
        assert!(
            line.contains(" --no-install-recommends ")
                && line.contains(" -o DPkg::Lock::Timeout=300 ")
                && line.contains(" -y "),
            "{line}"
        );
    }
    let install = log.iter().find(|l| l.contains(" install ")).unwrap();
    for package in ["verilator", "iverilog", "yosys", "gcc", "g++"] {
        assert!(
            install.split(' ').any(|w| w == package),
            "{package}: {install}"
        );
    }
}

#[test]
fn as_root_it_installs_only_the_packages_named_and_waits_for_the_dpkg_lock() {
    let (o, log) = Sandbox::new().run(0, false);
    // The stand-in apt-get fails: install, then update, which fails too: stop there,
    // and say so.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("apt-get could not install verilator"));
    assert_eq!(log.len(), 2, "{log:?}");
    assert_plain_installs(&log, "apt-get ");
    assert!(log[1].ends_with(" update"), "{log:?}");
}

#[test]
fn a_user_with_passwordless_sudo_installs_through_it() {
    let (o, log) = Sandbox::new().run(1000, true);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Every apt-get ran through sudo (the stand-in logs itself, then apt-get).
    let (through_sudo, apt): (Vec<String>, Vec<String>) =
        log.into_iter().partition(|l| l.starts_with("sudo "));
    assert_eq!(through_sudo.len(), apt.len(), "{through_sudo:?} {apt:?}");
    assert_plain_installs(&through_sudo, "sudo -n apt-get ");
}

#[test]
fn without_root_or_sudo_it_says_what_to_run() {
    let (o, log) = Sandbox::new().run(1000, false);
    assert_eq!(o.status.code(), Some(1));
    assert!(log.is_empty(), "{log:?}");
    let e = stderr(&o);
    assert!(
        e.contains("needs root or passwordless sudo")
            && e.contains("sudo apt-get install --no-install-recommends verilator iverilog yosys"),
        "{e}"
    );
}
