# twinreg: the commands a developer and CI use. `make test` is the README's test
# command and what .ci/run calls.
CARGO ?= cargo

.PHONY: test tools check lint fmt generate bench soak fuzz-check qemu linux-boot linux-bench peakrdl-compare

## Install the external tools (apt: verilator iverilog yosys; .venv: systemrdl-compiler, PeakRDL),
## build QEMU with twinreg's SMMU, then run every test, the Linux boot last.
test: tools qemu
	$(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc --no-fail-fast
	$(MAKE) peakrdl-compare PEAKRDL_BUDGET=120
	$(MAKE) linux-boot

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

## The real client: Debian's arm64 Linux in QEMU's virt with twinreg's SMMUv3 (default and
## qemu-7.2 configs) and QEMU's own (baseline): DMA through both disks, a fault, a migration.
## Builds or reuses QEMU (model/qemu/build.sh); the guest is cached under $TWINREG_CACHE.
linux-boot:
	python3 verif/linux/linux_boot.py

## DMA throughput through each SMMU in the booted guest (a benchmark; docs/performance.md).
linux-bench:
	python3 verif/linux/bench.py

## twinreg's RTL against peakrdl-regblock's, side by side in Verilator on the corpus maps both generate (bounded: PEAKRDL_BUDGET seconds). SKIPs without verilator/PeakRDL unless TWINREG_REQUIRE_TOOLS=1.
PEAKRDL_BUDGET ?= 300
PEAKRDL_TRANSACTIONS ?= 2000
peakrdl-compare:
	$(CARGO) build --quiet --bin twinreg
	@TWINREG_BIN=$${CARGO_TARGET_DIR:-target}/debug/twinreg python3 verif/peakrdl/compare.py --budget-seconds $(PEAKRDL_BUDGET) --transactions $(PEAKRDL_TRANSACTIONS) --full-strobes; \
	rc=$$?; if [ $$rc -eq 77 ]; then echo "SKIP peakrdl-compare"; exit 0; fi; exit $$rc
