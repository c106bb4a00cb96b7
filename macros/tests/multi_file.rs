//! `register_file!` with several files, include directories, defines and a top:
//! the preprocessor fixtures of the front end (`regdef/tests/corpus/preprocess`).

mod soc {
    twinreg_macros::register_file!(
        "../regdef/tests/corpus/preprocess/udps.rdl",
        "../regdef/tests/corpus/preprocess/soc.rdl",
        top = "soc",
    );
}

mod with_debug {
    twinreg_macros::register_file!(
        "../regdef/tests/corpus/preprocess/main.rdl",
        include_dirs = ["../regdef/tests/corpus/preprocess/inc"],
        defines = ["WITH_DEBUG", "UNUSED=1"],
    );
}

mod without_debug {
    twinreg_macros::register_file!(
        "../regdef/tests/corpus/preprocess/main.rdl",
        include_dirs = [
            "../regdef/tests/corpus/preprocess/inc2",
            "../regdef/tests/corpus/preprocess/inc",
        ],
    );
}

const NS: soc::SecSid = soc::SecSid::NonSecure;

#[test]
fn a_file_list_with_a_top() {
    let mut r = soc::RegisterFile::default();
    // soc.p1.a, defined by the first file, instantiated by the second.
    assert_eq!(r.read(0x1000, 4, NS), 0x5A);
    assert_eq!(soc::MAP.top, "soc");
}

#[test]
fn include_dirs_and_defines() {
    let mut with = with_debug::RegisterFile::default();
    assert_eq!(with_debug::MAP.registers.len(), 7, "main.dbg exists");
    // main.pick from inc/pick.rdl: reset 1.
    assert_eq!(with.read(0xA00, 4, with_debug::SecSid::NonSecure), 1);
    let mut without = without_debug::RegisterFile::default();
    assert_eq!(without_debug::MAP.registers.len(), 6, "no main.dbg");
    // inc2 first: inc2/pick.rdl, reset 2.
    assert_eq!(without.read(0xA00, 4, without_debug::SecSid::NonSecure), 2);
}
