mod regs {
    twinreg_macros::register_file!("rdl/syntax_error.rdl", tops = "x");
}

fn main() {}
