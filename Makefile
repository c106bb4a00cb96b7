# twinreg: the commands a developer and CI use. `make test` is the README's test
# command and what .ci/run calls.
CARGO ?= cargo

.PHONY: test tools check lint fmt generate bench soak fuzz-check qemu

## Install the external tools (apt: verilator iverilog yosys; .venv: systemrdl-compiler, PeakRDL), then run every test.
test: tools qemu
	$(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc --no-fail-fast

## Build QEMU with twinreg's SMMUv3 device (model/qemu/build.sh, cached in ~/.cache/twinreg;
## exit 77 = SKIP: tools cannot be installed here, fatal with TWINREG_REQUIRE_TOOLS=1).
qemu:
	@./model/qemu/build.sh || [ $$? -eq 77 ]

## Install the external tools only.
tools:
	./.ci/install-tools

## Formatting, lints and docs as CI checks them.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps
	$(MAKE) fuzz-check

## The cargo-fuzz targets (outside the workspace: they need libFuzzer) still compile.
fuzz-check:
	$(CARGO) check --locked --manifest-path regdef/fuzz/Cargo.toml --target-dir target/fuzz
	$(CARGO) check --locked --manifest-path model/fuzz/Cargo.toml --target-dir target/fuzz

fmt:
	$(CARGO) fmt --all

## The main job on the built-in default definition.
generate:
	$(CARGO) run --release -- generate
