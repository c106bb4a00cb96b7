/*
 * The C ABI driven from C alone, as an emulator would: guest memory, interrupts,
 * MSIs and invalidations are this program's (through the callbacks); the SMMU is
 * brought up through MMIO like a driver does; Non-secure and Secure stage 1
 * translations, a fault with its event record and interrupts, MSIs (delivered, as
 * memory writes, and aborted), snapshot and restore, and the ABI's errors are
 * checked against exact values.
 *
 * Register offsets and fields come from smmuv3.h, generated from regdef/smmuv3.rdl;
 * command encodings and the in-memory structures are written here from IHI0070.
 * The translation tables are QEMU's smmu-test qtest vector (behaviour.md 7.3).
 *
 * Prints "<n> checks passed" and exits 0, or names every failed check and exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smmuv3.h"
#include "twinreg.h"

static int checks, failures;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        checks++;                                                                       \
        if (!(cond)) {                                                                  \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                               \
    } while (0)

#define CHECK_EQ(a, b)                                                                  \
    do {                                                                                \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                \
        checks++;                                                                       \
        if (a_ != b_) {                                                                 \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: %s == 0x%" PRIx64 ", expected %s == 0x%" PRIx64 "\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_);                                \
        }                                                                               \
    } while (0)

#define CHECK_OK(call)                                                                  \
    do {                                                                                \
        TwinregStatus s_ = (call);                                                      \
        checks++;                                                                       \
        if (s_ != TWINREG_STATUS_OK) {                                                  \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call,    \
                    (int)s_, twinreg_smmu_last_error(NULL));                            \
        }                                                                               \
    } while (0)

/* ------------------------------------------------------------------ the host */

/* Guest memory: one region per PA space (QEMU virt's RAM, and a Secure RAM). */
struct region {
    uint64_t base, size;
    uint8_t *bytes;
};

#define MAX_LOG 64

struct host {
    struct region space[2]; /* indexed by TwinregPas */
    TwinregIrqLine pulses[MAX_LOG];
    int n_pulses;
    struct {
        TwinregPas pas;
        uint64_t addr;
        uint32_t data;
    } msis[MAX_LOG];
    int n_msis;
    uint64_t msi_abort_addr; /* MSIs to this address abort */
    uint64_t msi_doorbell;   /* MSIs to this address are delivered */
    TwinregInvalidation invalidations[MAX_LOG];
    int n_invalidations;
    TwinregSmmu *smmu;           /* for the re-entrancy check */
    TwinregStatus reentry_status; /* what calling back into `smmu` returned */
};

static uint8_t *guest(struct host *h, TwinregPas pas, uint64_t addr, size_t len) {
    struct region *r = &h->space[pas];
    if (addr < r->base || len > r->size || addr - r->base > r->size - len) {
        return NULL;
    }
    return r->bytes + (addr - r->base);
}

static bool mem_read(void *opaque, TwinregPas pas, uint64_t addr, uint8_t *buf, size_t len) {
    uint8_t *p = guest(opaque, pas, addr, len);
    if (p == NULL) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

static bool mem_write(void *opaque, TwinregPas pas, uint64_t addr, const uint8_t *data,
                      size_t len) {
    uint8_t *p = guest(opaque, pas, addr, len);
    if (p == NULL) {
        return false;
    }
    memcpy(p, data, len);
    return true;
}

static void irq_pulse(void *opaque, TwinregIrqLine line) {
    struct host *h = opaque;
    if (h->n_pulses < MAX_LOG) {
        h->pulses[h->n_pulses++] = line;
    }
    /* A callback must not call back into its SMMU: the call is refused. */
    if (h->smmu != NULL) {
        uint64_t v = 0;
        h->reentry_status = twinreg_smmu_mmio_read(h->smmu, SMMUV3_CR0_OFFSET, 4, false, &v);
    }
}

static TwinregMsiResult msi_write(void *opaque, TwinregPas pas, uint64_t addr, uint32_t data) {
    struct host *h = opaque;
    if (h->n_msis < MAX_LOG) {
        h->msis[h->n_msis].pas = pas;
        h->msis[h->n_msis].addr = addr;
        h->msis[h->n_msis].data = data;
        h->n_msis++;
    }
    if (addr == h->msi_abort_addr) {
        return TWINREG_MSI_ABORTED;
    }
    return addr == h->msi_doorbell ? TWINREG_MSI_DELIVERED : TWINREG_MSI_MEMORY;
}

static void invalidated(void *opaque, const TwinregInvalidation *inv) {
    struct host *h = opaque;
    if (h->n_invalidations < MAX_LOG) {
        h->invalidations[h->n_invalidations++] = *inv;
    }
}

static const TwinregHostCallbacks CALLBACKS = {
    .mem_read = mem_read,
    .mem_write = mem_write,
    .irq_pulse = irq_pulse,
    .msi_write = msi_write,
    .invalidated = invalidated,
};

static void put64(struct host *h, TwinregPas pas, uint64_t addr, uint64_t value) {
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (uint8_t)(value >> (8 * i));
    }
    if (!mem_write(h, pas, addr, bytes, 8)) {
        fprintf(stderr, "test setup: 0x%" PRIx64 " is outside guest memory\n", addr);
        exit(2);
    }
}

static uint64_t get64(struct host *h, TwinregPas pas, uint64_t addr) {
    uint8_t bytes[8] = {0};
    uint64_t value = 0;
    if (!mem_read(h, pas, addr, bytes, 8)) {
        fprintf(stderr, "test setup: 0x%" PRIx64 " is outside guest memory\n", addr);
        exit(2);
    }
    for (int i = 7; i >= 0; i--) {
        value = value << 8 | bytes[i];
    }
    return value;
}

/* ------------------------------------------------------------------ MMIO helpers */

static uint64_t rd(TwinregSmmu *smmu, uint64_t offset, uint32_t size, bool secure) {
    uint64_t v = ~0ULL;
    CHECK_OK(twinreg_smmu_mmio_read(smmu, offset, size, secure, &v));
    return v;
}

static void wr(TwinregSmmu *smmu, uint64_t offset, uint32_t size, uint64_t value, bool secure) {
    CHECK_OK(twinreg_smmu_mmio_write(smmu, offset, size, value, secure));
}

/* ------------------------------------------------------------------ guest data */

#define NS_RAM 0x40000000ULL
#define S_RAM 0x0E000000ULL
#define CMDQ (NS_RAM + 0x04000000ULL) /* 256 commands */
#define EVENTQ (NS_RAM + 0x04010000ULL) /* 64 events */
#define SYNC_SLOT (NS_RAM + 0x04020000ULL) /* CMD_SYNC MSI target */
#define S_CMDQ (S_RAM + 0x00800000ULL)
#define IOVA 0x0000008080604567ULL
#define SID 8u

/* Command opcodes (IHI0070 4.1.1). */
#define CMD_CFGI_STE 0x03u
#define CMD_CFGI_STE_RANGE 0x04u
#define CMD_TLBI_NH_VA 0x12u
#define CMD_TLBI_NSNH_ALL 0x30u
#define CMD_SYNC 0x46u
#define SYNC_CS_SIG_IRQ 1u /* CMD_SYNC.CS (IHI0070 4.7.3) */

/* The qtest's stream table, CD and 4-level 4 KB tables for StreamID 8, at `base`
 * (0x40000000 for Non-secure, 0 for Secure). */
static void qtest_tables(struct host *h, TwinregPas pas, uint64_t base) {
    bool ns = pas == TWINREG_PAS_NON_SECURE;
    uint64_t strtab = 0x0E179000ULL + base, cd = 0x0E178FC0ULL + base;
    uint64_t ttb = 0x0E4D0000ULL + base;
    uint64_t ns_table = ns ? 0x8000000000000000ULL : 0; /* NSTable, ignored when NS */
    /* STE: V, Config 0b101 (stage 1), S1ContextPtr = cd (IHI0070 5.2). */
    put64(h, pas, strtab + SID * 64, cd | 0xB);
    /* CD: T0SZ 16, EPD1, V, IPS, AA64, R, A, ASID 0x1E20; TTB0 with NSCFG0
     * (IHI0070 5.4). */
    put64(h, pas, cd, 0x1E206204C0000010ULL);
    put64(h, pas, cd + 8, ttb | (ns ? 1 : 0));
    put64(h, pas, cd + 16, ns ? 1 : 0);
    put64(h, pas, ttb + 8, ns_table | (0x0E4D1003ULL + base));
    put64(h, pas, 0x0E4D1000ULL + base + 0x10, ns_table | (0x0E4D2003ULL + base));
    put64(h, pas, 0x0E4D2000ULL + base + 0x18, ns_table | (0x0E4D3003ULL + base));
    /* Leaf: AF, SH inner, AP[1] (EL0 access), read/write/execute. */
    put64(h, pas, 0x0E4D3000ULL + base + 0x20,
          ns ? 0x040000004ECBA763ULL : 0x040000000ECBA743ULL);
    if (!ns) {
        /* The next page: a Secure leaf with NS = 1, output Non-secure. */
        put64(h, pas, 0x0E4D3000ULL + base + 0x28, 0x040000004ECBB763ULL);
    }
}

static uint32_t cmdq_prod;

static void command(struct host *h, uint64_t w0, uint64_t w1) {
    put64(h, TWINREG_PAS_NON_SECURE, CMDQ + 16 * cmdq_prod, w0);
    put64(h, TWINREG_PAS_NON_SECURE, CMDQ + 16 * cmdq_prod + 8, w1);
    cmdq_prod++;
}

static TwinregTranslation translate(TwinregSmmu *smmu, TwinregSecSid sec_sid, uint64_t iova,
                                    TwinregAccess access) {
    TwinregTranslationRequest req = {
        .stream_id = SID,
        .sec_sid = sec_sid,
        .iova = iova,
        .size = 4,
        .access = access,
        .ns = sec_sid == TWINREG_SEC_SID_NON_SECURE,
    };
    TwinregTranslation t;
    memset(&t, 0xA5, sizeof t);
    CHECK_OK(twinreg_smmu_translate(smmu, &req, &t));
    return t;
}

static bool wait_ack(TwinregSmmu *smmu, uint64_t reg, uint64_t ack, bool secure) {
    uint64_t want = rd(smmu, reg, 4, secure);
    for (int i = 0; i < 100; i++) {
        if (rd(smmu, ack, 4, secure) == want) {
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ the checks */

static void configuration_errors(void) {
    struct host h;
    memset(&h, 0, sizeof h);
    CHECK(twinreg_smmu_new("qemu-9", NULL, 0, &CALLBACKS, &h) == NULL);
    CHECK(strstr(twinreg_last_error(), "unknown configuration preset `qemu-9`") != NULL);
    TwinregKnob bad[] = {{"oas", "47"}};
    CHECK(twinreg_smmu_new(NULL, bad, 1, &CALLBACKS, &h) == NULL);
    CHECK(strstr(twinreg_last_error(), "configuration key `oas`: `47`") != NULL);
    TwinregKnob impossible[] = {{"stage1", "off"}, {"stage2", "off"}};
    CHECK(twinreg_smmu_new(NULL, impossible, 2, &CALLBACKS, &h) == NULL);
    CHECK(strstr(twinreg_last_error(), "neither stage 1 nor stage 2") != NULL);
    TwinregHostCallbacks no_memory = CALLBACKS;
    no_memory.mem_read = NULL;
    CHECK(twinreg_smmu_new(NULL, NULL, 0, &no_memory, &h) == NULL);
    CHECK(strstr(twinreg_last_error(), "mem_read") != NULL);

    /* The knob and preset tables. */
    CHECK(twinreg_knob_count() > 20);
    bool found_oas = false;
    for (size_t i = 0; i < twinreg_knob_count(); i++) {
        found_oas |= strcmp(twinreg_knob_name(i), "oas") == 0;
        CHECK(twinreg_knob_doc(i) != NULL && twinreg_knob_values(i) != NULL);
    }
    CHECK(found_oas);
    CHECK(twinreg_knob_name(twinreg_knob_count()) == NULL);
    CHECK(twinreg_preset_count() >= 3);
    CHECK(strcmp(twinreg_preset_name(0), "default") == 0);
    CHECK(twinreg_preset_name(twinreg_preset_count()) == NULL);
    CHECK(strcmp(twinreg_event_name(0x10), "F_TRANSLATION") == 0);
    CHECK(twinreg_event_name(0x7F) == NULL);

    /* QEMU 7.2's SMMU: its ID registers, and no Secure streams. */
    TwinregKnob bigger[] = {{"oas", "48"}};
    TwinregSmmu *qemu = twinreg_smmu_new("qemu-7.2", bigger, 1, &CALLBACKS, &h);
    CHECK(qemu != NULL);
    char text[16];
    size_t len = 0;
    CHECK_OK(twinreg_smmu_config_get(qemu, "oas", text, sizeof text, &len));
    CHECK(strcmp(text, "48") == 0 && len == 2);
    CHECK_OK(twinreg_smmu_config_get(qemu, "stage2", text, sizeof text, &len));
    CHECK(strcmp(text, "false") == 0);
    CHECK_EQ(twinreg_smmu_config_get(qemu, "granules", text, 4, &len),
             TWINREG_STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ(len, strlen("4k,16k,64k"));
    CHECK_EQ(twinreg_smmu_config_get(qemu, "stage3", text, sizeof text, &len),
             TWINREG_STATUS_CONFIG);
    CHECK(strstr(twinreg_smmu_last_error(qemu), "unknown configuration key `stage3`") != NULL);
    CHECK_EQ(rd(qemu, SMMUV3_IDR0_OFFSET, 4, false) & SMMUV3_IDR0_S2P_MASK, 0);
    CHECK_EQ((rd(qemu, SMMUV3_IDR5_OFFSET, 4, false) & SMMUV3_IDR5_OAS_MASK)
                 >> SMMUV3_IDR5_OAS_SHIFT, 5); /* 48 bits */
    TwinregTranslationRequest secure = {.sec_sid = TWINREG_SEC_SID_SECURE, .size = 1};
    TwinregTranslation t;
    CHECK_EQ(twinreg_smmu_translate(qemu, &secure, &t), TWINREG_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(twinreg_smmu_last_error(qemu), "Secure stream") != NULL);
    twinreg_smmu_free(qemu);
}

static void non_secure_bringup(TwinregSmmu *smmu, struct host *h) {
    /* Probe. */
    uint64_t idr0 = rd(smmu, SMMUV3_IDR0_OFFSET, 4, false);
    CHECK(idr0 & SMMUV3_IDR0_S1P_MASK);
    CHECK(idr0 & SMMUV3_IDR0_S2P_MASK);
    CHECK(idr0 & SMMUV3_IDR0_MSI_MASK);

    /* Stream table (linear, 32 STEs), queues, interrupts (IHI0070 6.3). */
    qtest_tables(h, TWINREG_PAS_NON_SECURE, NS_RAM);
    wr(smmu, SMMUV3_STRTAB_BASE_OFFSET, 8, 0x4E179000ULL, false);
    wr(smmu, SMMUV3_STRTAB_BASE_CFG_OFFSET, 4, 5u << SMMUV3_STRTAB_BASE_CFG_LOG2SIZE_SHIFT,
       false);
    wr(smmu, SMMUV3_CMDQ_BASE_OFFSET, 8, CMDQ | 8u, false);
    wr(smmu, SMMUV3_CMDQ_PROD_OFFSET, 4, 0, false);
    wr(smmu, SMMUV3_CMDQ_CONS_OFFSET, 4, 0, false);
    wr(smmu, SMMUV3_EVENTQ_BASE_OFFSET, 8, EVENTQ | 6u, false);
    wr(smmu, SMMUV3_EVENTQ_PROD_OFFSET, 4, 0, false);
    wr(smmu, SMMUV3_EVENTQ_CONS_OFFSET, 4, 0, false);
    wr(smmu, SMMUV3_IRQ_CTRL_OFFSET, 4,
       SMMUV3_IRQ_CTRL_GERROR_IRQEN_MASK | SMMUV3_IRQ_CTRL_EVENTQ_IRQEN_MASK, false);
    CHECK(wait_ack(smmu, SMMUV3_IRQ_CTRL_OFFSET, SMMUV3_IRQ_CTRLACK_OFFSET, false));
    wr(smmu, SMMUV3_CR0_OFFSET, 4, SMMUV3_CR0_CMDQEN_MASK | SMMUV3_CR0_EVENTQEN_MASK, false);
    CHECK(wait_ack(smmu, SMMUV3_CR0_OFFSET, SMMUV3_CR0ACK_OFFSET, false));

    /* Invalidate everything; CMD_SYNC signals with the interrupt and an MSI aimed at
     * memory (Linux's MSIPOLL), which the SMMU writes through mem_write. */
    command(h, CMD_CFGI_STE_RANGE, 31);
    command(h, CMD_TLBI_NSNH_ALL, 0);
    command(h, CMD_SYNC | SYNC_CS_SIG_IRQ << 12 | (uint64_t)0xCAFE << 32, SYNC_SLOT);
    wr(smmu, SMMUV3_CMDQ_PROD_OFFSET, 4, cmdq_prod, false);
    CHECK_EQ(rd(smmu, SMMUV3_CMDQ_CONS_OFFSET, 4, false), 3);
    CHECK_EQ(get64(h, TWINREG_PAS_NON_SECURE, SYNC_SLOT) & 0xFFFFFFFF, 0xCAFE);
    CHECK_EQ(h->n_msis, 1);
    CHECK_EQ(h->msis[0].addr, SYNC_SLOT);
    CHECK_EQ(h->n_pulses, 1);
    CHECK_EQ(h->pulses[0], TWINREG_IRQ_LINE_NS_CMD_SYNC);
    CHECK_EQ(h->reentry_status, TWINREG_STATUS_BUSY);
    CHECK_EQ(h->n_invalidations, 2);
    CHECK_EQ(h->invalidations[1].kind, TWINREG_INVALIDATION_KIND_TLB);

    /* Enable translation. */
    wr(smmu, SMMUV3_CR0_OFFSET, 4,
       SMMUV3_CR0_SMMUEN_MASK | SMMUV3_CR0_CMDQEN_MASK | SMMUV3_CR0_EVENTQEN_MASK, false);
    CHECK(wait_ack(smmu, SMMUV3_CR0_OFFSET, SMMUV3_CR0ACK_OFFSET, false));

    /* The qtest translation, then the same page again from the IOTLB. */
    TwinregTranslation t = translate(smmu, TWINREG_SEC_SID_NON_SECURE, IOVA, TWINREG_ACCESS_READ);
    CHECK_EQ(t.outcome, TWINREG_OUTCOME_TRANSLATED);
    CHECK_EQ(t.output_addr, 0x4ECBA567ULL);
    CHECK_EQ(t.pas, TWINREG_PAS_NON_SECURE);
    CHECK_EQ(t.perms, TWINREG_PERM_READ | TWINREG_PERM_WRITE | TWINREG_PERM_EXEC);
    CHECK_EQ(t.page_size, 4096);
    CHECK_EQ(t.addr_mask, 0xFFF);
    CHECK_EQ(t.len, 4);
    CHECK_EQ(t.event.code, 0);
    t = translate(smmu, TWINREG_SEC_SID_NON_SECURE, IOVA + 0x10, TWINREG_ACCESS_WRITE);
    CHECK_EQ(t.output_addr, 0x4ECBA577ULL);
    TwinregStats stats;
    CHECK_OK(twinreg_smmu_stats(smmu, &stats));
    CHECK_EQ(stats.translations, 2);
    CHECK_EQ(stats.iotlb_misses, 1);
    CHECK_EQ(stats.iotlb_hits, 1);
    CHECK_EQ(stats.commands, 3);
    CHECK_EQ(stats.msis, 1);

    /* Scoped invalidation, told to the host before the CMD_SYNC completes. */
    h->n_invalidations = 0;
    command(h, CMD_CFGI_STE | (uint64_t)SID << 32, 0);
    command(h, CMD_TLBI_NH_VA | (uint64_t)0x1E20 << 48, IOVA & ~0xFFFULL);
    command(h, CMD_SYNC, 0);
    wr(smmu, SMMUV3_CMDQ_PROD_OFFSET, 4, cmdq_prod, false);
    CHECK_EQ(rd(smmu, SMMUV3_CMDQ_CONS_OFFSET, 4, false), 6);
    CHECK_EQ(h->n_invalidations, 2);
    TwinregInvalidation *ste = &h->invalidations[0], *va = &h->invalidations[1];
    CHECK_EQ(ste->kind, TWINREG_INVALIDATION_KIND_STREAMS);
    CHECK(!ste->all_sec_sids && ste->sec_sid == TWINREG_SEC_SID_NON_SECURE);
    CHECK(ste->first_stream == SID && ste->last_stream == SID);
    CHECK_EQ(va->kind, TWINREG_INVALIDATION_KIND_TLB);
    CHECK(va->asid_valid && va->asid == 0x1E20);
    CHECK(va->range_valid && !va->range_ipa);
    CHECK_EQ(va->range_start, IOVA & ~0xFFFULL);
    CHECK(va->worlds & TWINREG_WORLD_NS_EL1);
    CHECK(va->stages & TWINREG_STAGES_STAGE1);
    t = translate(smmu, TWINREG_SEC_SID_NON_SECURE, IOVA, TWINREG_ACCESS_READ);
    CHECK_EQ(t.output_addr, 0x4ECBA567ULL);
    CHECK_OK(twinreg_smmu_stats(smmu, &stats));
    CHECK_EQ(stats.iotlb_misses, 2); /* walked again after the invalidation */
    CHECK_EQ(stats.invalidations, 4);
}

/* Points the Event queue's MSI at `addr`. */
static void event_msi(TwinregSmmu *smmu, uint64_t addr, uint32_t data) {
    wr(smmu, SMMUV3_IRQ_CTRL_OFFSET, 4, SMMUV3_IRQ_CTRL_GERROR_IRQEN_MASK, false);
    CHECK(wait_ack(smmu, SMMUV3_IRQ_CTRL_OFFSET, SMMUV3_IRQ_CTRLACK_OFFSET, false));
    wr(smmu, SMMUV3_EVENTQ_IRQ_CFG0_OFFSET, 8, addr, false);
    wr(smmu, SMMUV3_EVENTQ_IRQ_CFG1_OFFSET, 4, data, false);
    CHECK_EQ(rd(smmu, SMMUV3_EVENTQ_IRQ_CFG0_OFFSET, 8, false), addr);
    wr(smmu, SMMUV3_IRQ_CTRL_OFFSET, 4,
       SMMUV3_IRQ_CTRL_GERROR_IRQEN_MASK | SMMUV3_IRQ_CTRL_EVENTQ_IRQEN_MASK, false);
    CHECK(wait_ack(smmu, SMMUV3_IRQ_CTRL_OFFSET, SMMUV3_IRQ_CTRLACK_OFFSET, false));
}

static void faults_and_msis(TwinregSmmu *smmu, struct host *h) {
    /* An unmapped IOVA (no level 2 entry): F_TRANSLATION, recorded in the Event
     * queue, whose interrupt fires. */
    uint64_t hole = IOVA + 0x200000;
    h->n_pulses = 0;
    h->n_msis = 0;
    TwinregTranslation t = translate(smmu, TWINREG_SEC_SID_NON_SECURE, hole, TWINREG_ACCESS_WRITE);
    CHECK_EQ(t.outcome, TWINREG_OUTCOME_FAULT);
    CHECK_EQ(t.event.code, 0x10);
    CHECK(t.event.recorded);
    CHECK_EQ(t.event.stream_id, SID);
    CHECK_EQ(t.event.input_addr, hole);
    CHECK(!t.event.stage2);
    CHECK_EQ(t.output_addr, 0);
    CHECK_EQ(t.perms, 0);
    CHECK_EQ(t.event.words[0], 0x10ULL | (uint64_t)SID << 32);
    CHECK_EQ(t.event.words[2], hole);
    CHECK_EQ(rd(smmu, SMMUV3_EVENTQ_PROD_OFFSET, 4, false) & SMMUV3_EVENTQ_PROD_WR_MASK, 1);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(get64(h, TWINREG_PAS_NON_SECURE, EVENTQ + 8 * i), t.event.words[i]);
    }
    CHECK_EQ(h->n_pulses, 1);
    CHECK_EQ(h->pulses[0], TWINREG_IRQ_LINE_NS_EVENTQ);
    CHECK_EQ(h->n_msis, 0);

    /* With an MSI address, the next event also sends an MSI, which the host's
     * interrupt controller takes. The MSI configuration is written with the
     * interrupt disabled (IHI0070 6.3.30: ignored while EVENTQ_IRQEN is 1). */
    wr(smmu, SMMUV3_EVENTQ_CONS_OFFSET, 4, 1, false);
    h->msi_doorbell = 0x08020040;
    event_msi(smmu, h->msi_doorbell, 0x55);
    translate(smmu, TWINREG_SEC_SID_NON_SECURE, hole, TWINREG_ACCESS_READ);
    CHECK_EQ(h->n_msis, 1);
    CHECK_EQ(h->msis[0].pas, TWINREG_PAS_NON_SECURE);
    CHECK_EQ(h->msis[0].addr, 0x08020040);
    CHECK_EQ(h->msis[0].data, 0x55);
    CHECK_EQ(rd(smmu, SMMUV3_GERROR_OFFSET, 4, false), 0);

    /* An MSI whose write aborts is a global error (GERROR.MSI_EVENTQ_ABT_ERR), with
     * its own interrupt. */
    wr(smmu, SMMUV3_EVENTQ_CONS_OFFSET, 4, 2, false);
    h->msi_abort_addr = 0x08020080;
    event_msi(smmu, h->msi_abort_addr, 0x55);
    h->n_pulses = 0;
    translate(smmu, TWINREG_SEC_SID_NON_SECURE, hole, TWINREG_ACCESS_READ);
    CHECK_EQ(h->n_msis, 2);
    CHECK_EQ(h->msis[1].addr, 0x08020080);
    CHECK_EQ(rd(smmu, SMMUV3_GERROR_OFFSET, 4, false), SMMUV3_GERROR_MSI_EVENTQ_ABT_ERR_MASK);
    CHECK_EQ(h->n_pulses, 2);
    CHECK_EQ(h->pulses[0], TWINREG_IRQ_LINE_NS_EVENTQ);
    CHECK_EQ(h->pulses[1], TWINREG_IRQ_LINE_NS_GERROR);
    TwinregStats stats;
    CHECK_OK(twinreg_smmu_stats(smmu, &stats));
    CHECK_EQ(stats.events_written, 3);
}

static void secure_stage1(TwinregSmmu *smmu, struct host *h) {
    /* The Secure bank: Non-secure accesses cannot reach it. */
    qtest_tables(h, TWINREG_PAS_SECURE, 0);
    wr(smmu, SMMUV3_S_STRTAB_BASE_OFFSET, 8, 0x0E179000ULL, false);
    CHECK_EQ(rd(smmu, SMMUV3_S_STRTAB_BASE_OFFSET, 8, true), 0);
    wr(smmu, SMMUV3_S_STRTAB_BASE_OFFSET, 8, 0x0E179000ULL, true);
    wr(smmu, SMMUV3_S_STRTAB_BASE_CFG_OFFSET, 4, 5, true);
    wr(smmu, SMMUV3_S_CMDQ_BASE_OFFSET, 8, S_CMDQ | 4u, true);
    wr(smmu, SMMUV3_S_CR0_OFFSET, 4, SMMUV3_CR0_SMMUEN_MASK | SMMUV3_CR0_CMDQEN_MASK, true);
    CHECK(wait_ack(smmu, SMMUV3_S_CR0_OFFSET, SMMUV3_S_CR0ACK_OFFSET, true));

    /* Secure StreamID 8: a Secure walk to a Secure leaf, output Secure... */
    TwinregTranslation t = translate(smmu, TWINREG_SEC_SID_SECURE, IOVA, TWINREG_ACCESS_READ);
    CHECK_EQ(t.outcome, TWINREG_OUTCOME_TRANSLATED);
    CHECK_EQ(t.output_addr, 0x0ECBA567ULL);
    CHECK_EQ(t.pas, TWINREG_PAS_SECURE);
    CHECK_EQ(t.perms, TWINREG_PERM_READ | TWINREG_PERM_WRITE | TWINREG_PERM_EXEC);
    CHECK_EQ(t.page_size, 4096);
    /* ... and to a leaf with NS = 1, output Non-secure. */
    t = translate(smmu, TWINREG_SEC_SID_SECURE, IOVA + 0x1000, TWINREG_ACCESS_WRITE);
    CHECK_EQ(t.outcome, TWINREG_OUTCOME_TRANSLATED);
    CHECK_EQ(t.output_addr, 0x4ECBB567ULL);
    CHECK_EQ(t.pas, TWINREG_PAS_NON_SECURE);
    /* The Non-secure StreamID 8 is another stream: still the Non-secure tables. */
    t = translate(smmu, TWINREG_SEC_SID_NON_SECURE, IOVA, TWINREG_ACCESS_READ);
    CHECK_EQ(t.output_addr, 0x4ECBA567ULL);
    CHECK_EQ(t.pas, TWINREG_PAS_NON_SECURE);
}

static void snapshot_and_restore(TwinregSmmu *smmu, struct host *h) {
    size_t len = 0;
    CHECK_EQ(twinreg_smmu_snapshot(smmu, NULL, 0, &len), TWINREG_STATUS_BUFFER_TOO_SMALL);
    CHECK(len > 20);
    uint8_t *bytes = malloc(len);
    size_t written = 0;
    CHECK_OK(twinreg_smmu_snapshot(smmu, bytes, len, &written));
    CHECK_EQ(written, len);
    CHECK(memcmp(bytes, "TWRGSMMU", 8) == 0);

    /* A second SMMU of the same configuration continues where the first stopped. */
    struct host h2 = *h;
    h2.smmu = NULL;
    h2.n_invalidations = 0;
    TwinregSmmu *copy = twinreg_smmu_new("smmuv3.2", NULL, 0, &CALLBACKS, &h2);
    CHECK(copy != NULL);
    CHECK_OK(twinreg_smmu_restore(copy, bytes, len));
    CHECK_EQ(h2.n_invalidations, 1);
    CHECK_EQ(h2.invalidations[0].kind, TWINREG_INVALIDATION_KIND_ALL);
    CHECK(h2.invalidations[0].all_sec_sids);
    static const uint64_t regs[][2] = {
        {SMMUV3_CR0_OFFSET, 0}, {SMMUV3_CMDQ_CONS_OFFSET, 0}, {SMMUV3_EVENTQ_PROD_OFFSET, 0},
        {SMMUV3_GERROR_OFFSET, 0}, {SMMUV3_S_CR0_OFFSET, 1}, {SMMUV3_S_STRTAB_BASE_OFFSET, 1},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        CHECK_EQ(rd(copy, regs[i][0], 4, regs[i][1]), rd(smmu, regs[i][0], 4, regs[i][1]));
    }
    TwinregTranslation t = translate(copy, TWINREG_SEC_SID_SECURE, IOVA, TWINREG_ACCESS_READ);
    CHECK_EQ(t.output_addr, 0x0ECBA567ULL);
    CHECK_EQ(t.pas, TWINREG_PAS_SECURE);

    /* Corrupt, truncated and foreign snapshots are refused; the SMMU is unchanged. */
    uint64_t cr0 = rd(copy, SMMUV3_CR0_OFFSET, 4, false);
    bytes[len / 2] ^= 0x01;
    CHECK_EQ(twinreg_smmu_restore(copy, bytes, len), TWINREG_STATUS_SNAPSHOT);
    CHECK(strstr(twinreg_smmu_last_error(copy), "checksum") != NULL);
    bytes[len / 2] ^= 0x01;
    CHECK_EQ(twinreg_smmu_restore(copy, bytes, len - 1), TWINREG_STATUS_SNAPSHOT);
    CHECK(strstr(twinreg_smmu_last_error(copy), "truncated") != NULL);
    CHECK_EQ(twinreg_smmu_restore(copy, bytes, 7), TWINREG_STATUS_SNAPSHOT);
    CHECK_EQ(rd(copy, SMMUV3_CR0_OFFSET, 4, false), cr0);
    TwinregSmmu *other = twinreg_smmu_new("qemu-7.2", NULL, 0, &CALLBACKS, &h2);
    CHECK_EQ(twinreg_smmu_restore(other, bytes, len), TWINREG_STATUS_SNAPSHOT);
    CHECK(strstr(twinreg_smmu_last_error(other), "another SMMU configuration") != NULL);
    twinreg_smmu_free(other);

    /* Reset: back to the reset values, translation off (GBPA bypass). */
    CHECK_OK(twinreg_smmu_reset(copy));
    CHECK_EQ(rd(copy, SMMUV3_CR0_OFFSET, 4, false), 0);
    t = translate(copy, TWINREG_SEC_SID_NON_SECURE, 0x4ECBA000, TWINREG_ACCESS_READ);
    CHECK_EQ(t.outcome, TWINREG_OUTCOME_BYPASS);
    CHECK_EQ(t.output_addr, 0x4ECBA000);
    twinreg_smmu_free(copy);
    free(bytes);
}

static void abi_errors(TwinregSmmu *smmu) {
    TwinregTranslationRequest req = {.stream_id = SID, .size = 4, .access = 7};
    TwinregTranslation t;
    CHECK_EQ(twinreg_smmu_translate(smmu, &req, &t), TWINREG_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(twinreg_smmu_last_error(smmu), "access 7") != NULL);
    req.access = TWINREG_ACCESS_READ;
    req.size = 0;
    CHECK_EQ(twinreg_smmu_translate(smmu, &req, &t), TWINREG_STATUS_INVALID_ARGUMENT);
    CHECK_EQ(twinreg_smmu_translate(smmu, &req, NULL), TWINREG_STATUS_NULL_POINTER);
    CHECK_EQ(twinreg_smmu_translate(NULL, &req, &t), TWINREG_STATUS_NULL_POINTER);
    CHECK(strstr(twinreg_last_error(), "`smmu` is NULL") != NULL);
    CHECK_EQ(twinreg_smmu_mmio_read(smmu, 0, 4, false, NULL), TWINREG_STATUS_NULL_POINTER);
    CHECK_EQ(twinreg_smmu_restore(smmu, NULL, 10), TWINREG_STATUS_NULL_POINTER);
    /* Undefined offsets read as zero: not an error. */
    CHECK_EQ(rd(smmu, 0x1FFF0, 4, false), 0);
    twinreg_smmu_free(NULL);
}

int main(void) {
    CHECK_EQ(twinreg_abi_version(), TWINREG_ABI_VERSION);
    CHECK_EQ(twinreg_smmu_mmio_size(), 0x20000);
    configuration_errors();

    struct host h;
    memset(&h, 0, sizeof h);
    h.space[TWINREG_PAS_NON_SECURE] = (struct region){NS_RAM, 0x10000000, NULL};
    h.space[TWINREG_PAS_SECURE] = (struct region){S_RAM, 0x1000000, NULL};
    for (int i = 0; i < 2; i++) {
        h.space[i].bytes = calloc(1, h.space[i].size);
        if (h.space[i].bytes == NULL) {
            fprintf(stderr, "out of memory\n");
            return 2;
        }
    }
    h.msi_abort_addr = ~0ULL;
    h.msi_doorbell = ~0ULL;
    TwinregSmmu *smmu = twinreg_smmu_new(NULL, NULL, 0, &CALLBACKS, &h);
    if (smmu == NULL) {
        fprintf(stderr, "twinreg_smmu_new: %s\n", twinreg_last_error());
        return 1;
    }
    h.smmu = smmu;

    non_secure_bringup(smmu, &h);
    h.smmu = NULL;
    faults_and_msis(smmu, &h);
    secure_stage1(smmu, &h);
    snapshot_and_restore(smmu, &h);
    abi_errors(smmu);

    twinreg_smmu_free(smmu);
    free(h.space[0].bytes);
    free(h.space[1].bytes);
    if (failures != 0) {
        printf("%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("%d checks passed\n", checks);
    return 0;
}
