mod regs {
    twinreg_macros::register_file!("rdl/includes_a_bad_file.rdl");
}

fn main() {}
