// Side-by-side harness: drives one APB4 request stream into cmp_top (twinreg's and
// PeakRDL-regblock's blocks on the same wires) and compares every read.
// Usage: Vcmp_top WORDS_FILE SEED TRANSACTIONS [PARTIAL_STROBES=1]  (WORDS_FILE: one byte address per line,
// every 32-bit word of every register; SIZE on the first line: the map's byte size).
#include "Vcmp_top.h"
#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

static uint64_t rng_state;
static uint64_t rnd() {  // xorshift64*: the same stream for a seed on every machine
    rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

int main(int argc, char** argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s WORDS SEED N\n", argv[0]); return 2; }
    std::ifstream in(argv[1]);
    uint64_t size = 0; in >> size;
    std::vector<uint32_t> words; uint64_t a;
    while (in >> a) words.push_back((uint32_t)a);
    rng_state = std::stoull(argv[2]) * 0x9E3779B97F4A7C15ULL + 1;
    long n = std::stol(argv[3]);
    // 0: every write with all byte strobes (see docs/peakrdl-comparison.md, "Byte strobes")
    bool partial_strobes = argc < 5 || std::stoi(argv[4]) != 0;
    VerilatedContext ctx; Vcmp_top top(&ctx);
    uint64_t cycle = 0;
    long hw_mism = 0;
    // Every cycle: new hardware-side inputs (the wrapper spreads hw_seed over them), then
    // every hardware-facing output of the two blocks compared before the clock edge.
    auto tick = [&]() {
        // hardware inputs idle (0) in reset: PeakRDL leaves fields without a reset value
        // unreset and would load them from hardware during reset (see docs/peakrdl-comparison.md)
        top.clk = 0; top.hw_seed = top.rst ? 0 : (uint32_t)rnd(); top.eval();
        if (top.hw_diff && !top.rst) {
            hw_mism++;
            if (hw_mism <= 20) printf("HW cycle=%llu index=%d\n", (unsigned long long)cycle, top.hw_diff);
        }
        top.clk = 1; top.eval(); cycle++;
    };
    top.rst = 1; top.psel = 0; top.penable = 0; tick(); tick(); top.rst = 0; tick();
    long reads = 0, writes = 0, mism = 0, protocol = 0;
    for (long i = 0; i < n && !words.empty(); i++) {
        uint64_t r = rnd();
        bool write = (r & 0xff) < 115;                       // 45 % writes
        uint32_t addr = ((r >> 8) & 0xff) < 26 && size       // 10 % anywhere in the map
            ? (uint32_t)((r >> 16) % size) & ~3u : words[(r >> 16) % words.size()];
        uint32_t data = (uint32_t)rnd();
        uint32_t strb = partial_strobes && ((r >> 48) & 7) == 0 ? (uint32_t)(r >> 52) & 0xf : 0xf;
        // setup phase
        top.psel = 1; top.penable = 0; top.pwrite = write; top.paddr = addr; top.pwdata = data;
        top.pstrb = strb; tick();
        // access phase: both answer in its first cycle (no wait states on either side)
        top.penable = 1; top.eval();
        if (!top.tw_pready || !top.pr_pready) {
            protocol++;
            if (protocol <= 20) printf("PROTOCOL cycle=%llu addr=0x%x tw_pready=%d pr_pready=%d\n",
                   (unsigned long long)cycle, addr, top.tw_pready, top.pr_pready);
            for (int k = 0; k < 8 && !top.pr_pready; k++) { tick(); top.eval(); }
        }
        if (!write) {
            reads++;
            if (top.tw_prdata != top.pr_prdata) {
                mism++;
                if (mism <= 20)
                    printf("MISMATCH cycle=%llu addr=0x%x twinreg=0x%08x peakrdl=0x%08x\n",
                           (unsigned long long)cycle, addr, top.tw_prdata, top.pr_prdata);
            }
        } else {
            writes++;
        }
        tick();
        top.psel = 0; top.penable = 0;
        if ((r >> 60) == 0) tick();                            // idle cycles now and then
    }
    printf("SUMMARY reads=%ld writes=%ld mismatches=%ld protocol=%ld hw_mismatches=%ld cycles=%llu\n", reads,
           writes, mism, protocol, hw_mism, (unsigned long long)cycle);
    top.final();
    return mism || protocol || hw_mism ? 1 : 0;
}
