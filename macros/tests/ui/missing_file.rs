mod regs {
    twinreg_macros::register_file!("rdl/does_not_exist.rdl");
}

fn main() {}
