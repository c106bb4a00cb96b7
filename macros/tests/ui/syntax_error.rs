mod regs {
    twinreg_macros::register_file!("rdl/syntax_error.rdl");
}

fn main() {}
