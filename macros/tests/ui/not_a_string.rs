mod regs {
    twinreg_macros::register_file!(smmuv3);
}

fn main() {}
