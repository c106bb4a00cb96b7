mod regs {
    twinreg_macros::register_file!("rdl/narrow.rdl");
}

fn main() {}
