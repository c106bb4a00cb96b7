mod regs {
    twinreg_macros::register_file!("rdl/overlap.rdl");
}

fn main() {}
