/*
 * arm-smmuv3-twinreg: an Arm SMMUv3 for QEMU whose behaviour is twinreg's model.
 *
 * This device only owns QEMU's side of an SMMU: the 128 KiB MMIO window, the wired
 * interrupts, one IOMMU memory region and address space per PCI device, guest memory
 * and MSIs, reset, migration and properties. Every register access, command,
 * translation and event is the model's, reached through libtwinreg's C API
 * (twinreg.h; contract in docs/embedding.md). Written for this project against
 * QEMU's public device interfaces; builds against QEMU 7.2 and 10.x.
 *
 * Copyright the twinreg authors. SPDX-License-Identifier: GPL-2.0-or-later
 * (it links into QEMU).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/notify.h"
#include "qemu/thread.h"
#include "hw/sysbus.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#if __has_include("system/address-spaces.h")
#include "system/address-spaces.h"
#include "system/system.h"
#else
#include "exec/address-spaces.h"
#include "sysemu/sysemu.h"
#endif

#include "twinreg.h"

/* The QEMU interfaces this file meets changed over releases; 7.2 and 10.x build. */
#define TWINREG_QEMU_AT_LEAST(major, minor) \
    (QEMU_VERSION_MAJOR > (major) || \
     (QEMU_VERSION_MAJOR == (major) && QEMU_VERSION_MINOR >= (minor)))
/* PCIIOMMUOps replaced the bare function in pci_setup_iommu (8.2). */
#define TWINREG_HAS_PCI_IOMMU_OPS TWINREG_QEMU_AT_LEAST(8, 2)
/* Resettable phases take the ResetType (9.0). */
#define TWINREG_RESET_HAS_TYPE TWINREG_QEMU_AT_LEAST(9, 0)
/* Property arrays are const and unterminated (9.2). */
#define TWINREG_CONST_PROPERTIES TWINREG_QEMU_AT_LEAST(9, 2)
/* class_init takes const data (10.1). */
#define TWINREG_CONST_CLASS_DATA TWINREG_QEMU_AT_LEAST(10, 1)

#define TYPE_ARM_SMMUV3_TWINREG "arm-smmuv3-twinreg"
#define TYPE_TWINREG_IOMMU_MEMORY_REGION "arm-smmuv3-twinreg-iommu-memory-region"
OBJECT_DECLARE_SIMPLE_TYPE(TwinregSmmuState, ARM_SMMUV3_TWINREG)

/*
 * Wired interrupts: 0-3 are the Non-secure ones in the order QEMU's virt board wires
 * an SMMU (eventq, priq, cmdq-sync, gerror); 4-7 the Secure ones in the same order
 * (not wired by virt). The numbers are TwinregIrqLine's.
 */
#define TWINREG_IRQ_COUNT 8

/* A migrated snapshot larger than this is refused before it is allocated. */
#define TWINREG_SNAPSHOT_MAX (1u << 20)

/* One Secure StreamID range of the `secure-streams` property. */
typedef struct TwinregSidRange {
    uint32_t first;
    uint32_t last;
} TwinregSidRange;

/* The IOMMU address space of one PCI function (bus, devfn). */
typedef struct TwinregIommuSpace {
    IOMMUMemoryRegion iommu;
    AddressSpace as;
    TwinregSmmuState *smmu;
    PCIBus *bus;
    int devfn;
    /* A notifier wants UNMAP events (notify_flag_changed). */
    bool unmap_notified;
    QLIST_ENTRY(TwinregIommuSpace) next;
} TwinregIommuSpace;

struct TwinregSmmuState {
    SysBusDevice parent_obj;

    MemoryRegion mmio;
    qemu_irq irq[TWINREG_IRQ_COUNT];

    /* Properties. */
    PCIBus *primary_bus;
    MemoryRegion *secure_memory;
    char *preset;
    char *secure_streams;
    char *stats_file;
    /* One value per knob (twinreg_knob_count()), NULL where not given. */
    char **knob_values;

    TwinregSmmu *model;
    /*
     * Serialises the calls on the model's handle (the C API's contract). QEMU calls
     * devices under its global lock today; this lock keeps the device correct if a
     * DMA ever translates outside it. Recursive, because a callback of the model may
     * reach this device again (an MSI aimed at its own window): the model then
     * answers TWINREG_STATUS_BUSY instead of the thread deadlocking.
     */
    QemuRecMutex lock;

    TwinregSidRange *secure_sids;
    size_t secure_sid_count;

    AddressSpace secure_as;
    bool has_secure_as;

    QLIST_HEAD(, TwinregIommuSpace) spaces;

    /* Migration: the model's snapshot as a buffer. */
    uint8_t *snapshot;
    uint32_t snapshot_len;

    Notifier exit_notifier;
};

/* ---- Guest memory, interrupts, MSIs: the model's host callbacks ---- */

static AddressSpace *twinreg_pas_space(TwinregSmmuState *s, TwinregPas pas)
{
    if (pas == TWINREG_PAS_SECURE && s->has_secure_as) {
        return &s->secure_as;
    }
    return &address_space_memory;
}

static MemTxAttrs twinreg_pas_attrs(TwinregPas pas)
{
    MemTxAttrs attrs = { .secure = (pas == TWINREG_PAS_SECURE) };
    return attrs;
}

static bool twinreg_mem_read(void *opaque, TwinregPas pas, uint64_t addr,
                             uint8_t *buf, size_t len)
{
    TwinregSmmuState *s = opaque;
    return address_space_read(twinreg_pas_space(s, pas), addr,
                              twinreg_pas_attrs(pas), buf, len) == MEMTX_OK;
}

static bool twinreg_mem_write(void *opaque, TwinregPas pas, uint64_t addr,
                              const uint8_t *data, size_t len)
{
    TwinregSmmuState *s = opaque;
    return address_space_write(twinreg_pas_space(s, pas), addr,
                               twinreg_pas_attrs(pas), data, len) == MEMTX_OK;
}

static void twinreg_irq_pulse(void *opaque, TwinregIrqLine line)
{
    TwinregSmmuState *s = opaque;
    if ((unsigned)line < TWINREG_IRQ_COUNT) {
        qemu_irq_pulse(s->irq[line]);
    }
}

/* An MSI is a 32-bit write into guest memory (IHI0070 3.18): a doorbell or RAM. */
static TwinregMsiResult twinreg_msi_write(void *opaque, TwinregPas pas,
                                          uint64_t addr, uint32_t data)
{
    TwinregSmmuState *s = opaque;
    MemTxResult res;

    address_space_stl_le(twinreg_pas_space(s, pas), addr, data,
                         twinreg_pas_attrs(pas), &res);
    return res == MEMTX_OK ? TWINREG_MSI_DELIVERED : TWINREG_MSI_ABORTED;
}

/* ---- Stream identity ---- */

static uint32_t twinreg_space_sid(TwinregIommuSpace *sp)
{
    /* StreamID = PCI Requester ID, as virt's iommu-map (identity) says. */
    return PCI_BUILD_BDF(pci_bus_num(sp->bus), sp->devfn);
}

static TwinregSecSid twinreg_sid_sec_sid(TwinregSmmuState *s, uint32_t sid)
{
    for (size_t i = 0; i < s->secure_sid_count; i++) {
        if (sid >= s->secure_sids[i].first && sid <= s->secure_sids[i].last) {
            return TWINREG_SEC_SID_SECURE;
        }
    }
    return TWINREG_SEC_SID_NON_SECURE;
}

/*
 * Parses `secure-streams`: StreamIDs and inclusive ranges ("0x10", "8-15"),
 * separated by ';' or ':' (a ',' would need doubling on QEMU's command line).
 */
static bool twinreg_parse_secure_streams(TwinregSmmuState *s, Error **errp)
{
    g_autofree char *text = NULL;
    char *save = NULL;
    char *item;

    if (!s->secure_streams || !*s->secure_streams) {
        return true;
    }
    text = g_strdup(s->secure_streams);
    for (item = strtok_r(text, ";:,", &save); item;
         item = strtok_r(NULL, ";:,", &save)) {
        char *end = NULL;
        unsigned long long first, last;

        errno = 0;
        first = strtoull(item, &end, 0);
        last = first;
        if (!errno && end != item && *end == '-') {
            char *start = end + 1;
            last = strtoull(start, &end, 0);
            if (end == start) {
                end = item; /* reported below */
            }
        }
        if (errno || end == item || *end != '\0' || first > last ||
            last > UINT32_MAX) {
            error_setg(errp, "secure-streams: '%s' is not a StreamID or a "
                       "range FIRST-LAST of StreamIDs", item);
            return false;
        }
        s->secure_sids = g_renew(TwinregSidRange, s->secure_sids,
                                 s->secure_sid_count + 1);
        s->secure_sids[s->secure_sid_count].first = first;
        s->secure_sids[s->secure_sid_count].last = last;
        s->secure_sid_count++;
    }
    return true;
}

/* ---- UNMAP notifications from the model's invalidations (IHI0070 4.7) ---- */

static void twinreg_unmap_all(TwinregIommuSpace *sp)
{
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, &sp->iommu) {
        memory_region_unmap_iommu_notifier_range(n);
    }
}

/* [start, end) as naturally aligned power-of-two blocks, as notifiers want them. */
static void twinreg_unmap_range(TwinregIommuSpace *sp, uint64_t start,
                                uint64_t end)
{
    while (start < end) {
        uint64_t remaining = end - start;
        int align = start ? ctz64(start) : 63;
        int fit = 63 - clz64(remaining);
        uint64_t size = 1ull << MIN(align, fit);
        IOMMUTLBEvent event = {
            .type = IOMMU_NOTIFIER_UNMAP,
            .entry = {
                .target_as = &address_space_memory,
                .iova = start,
                .translated_addr = 0,
                .addr_mask = size - 1,
                .perm = IOMMU_NONE,
            },
        };

        memory_region_notify_iommu(&sp->iommu, 0, event);
        if (start + size < start) {
            break; /* reached the top of the 64-bit space */
        }
        start += size;
    }
}

static void twinreg_invalidated(void *opaque, const TwinregInvalidation *inv)
{
    TwinregSmmuState *s = opaque;
    TwinregIommuSpace *sp;

    QLIST_FOREACH(sp, &s->spaces, next) {
        uint32_t sid;
        bool same_state;

        if (!sp->unmap_notified) {
            continue;
        }
        sid = twinreg_space_sid(sp);
        same_state = inv->all_sec_sids ||
                     inv->sec_sid == twinreg_sid_sec_sid(s, sid);
        switch (inv->kind) {
        case TWINREG_INVALIDATION_KIND_ALL:
            twinreg_unmap_all(sp);
            break;
        case TWINREG_INVALIDATION_KIND_STREAMS:
            if (same_state && sid >= inv->first_stream &&
                sid <= inv->last_stream) {
                twinreg_unmap_all(sp);
            }
            break;
        case TWINREG_INVALIDATION_KIND_ALL_STREAMS:
            if (same_state) {
                twinreg_unmap_all(sp);
            }
            break;
        case TWINREG_INVALIDATION_KIND_SUBSTREAM:
            if (same_state && sid == inv->first_stream) {
                twinreg_unmap_all(sp);
            }
            break;
        case TWINREG_INVALIDATION_KIND_TLB:
            if (!same_state) {
                break;
            }
            /*
             * An input-address range maps onto the IOVA space directly; an IPA
             * range (TLBI_S2_IPA) does not when stage 1 is in use, so it and
             * unranged invalidations drop everything. ASID/VMID scoping is not
             * narrowed here: over-notifying is safe, under-notifying is not.
             */
            if (inv->range_valid && !inv->range_ipa) {
                twinreg_unmap_range(sp, inv->range_start, inv->range_end);
            } else {
                twinreg_unmap_all(sp);
            }
            break;
        default:
            twinreg_unmap_all(sp);
            break;
        }
    }
}

/* ---- MMIO: the model's register file ---- */

static MemTxResult twinreg_mmio_read(void *opaque, hwaddr offset,
                                     uint64_t *data, unsigned size,
                                     MemTxAttrs attrs)
{
    TwinregSmmuState *s = opaque;
    TwinregStatus st;

    qemu_rec_mutex_lock(&s->lock);
    st = twinreg_smmu_mmio_read(s->model, offset, size, attrs.secure, data);
    if (st != TWINREG_STATUS_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: read at 0x%" HWADDR_PRIx ": %s\n",
                      TYPE_ARM_SMMUV3_TWINREG, offset,
                      twinreg_smmu_last_error(s->model));
        *data = 0;
    }
    qemu_rec_mutex_unlock(&s->lock);
    return st == TWINREG_STATUS_OK ? MEMTX_OK : MEMTX_ERROR;
}

static MemTxResult twinreg_mmio_write(void *opaque, hwaddr offset,
                                      uint64_t data, unsigned size,
                                      MemTxAttrs attrs)
{
    TwinregSmmuState *s = opaque;
    TwinregStatus st;

    qemu_rec_mutex_lock(&s->lock);
    st = twinreg_smmu_mmio_write(s->model, offset, size, data, attrs.secure);
    if (st != TWINREG_STATUS_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write at 0x%" HWADDR_PRIx ": %s\n",
                      TYPE_ARM_SMMUV3_TWINREG, offset,
                      twinreg_smmu_last_error(s->model));
    }
    qemu_rec_mutex_unlock(&s->lock);
    return st == TWINREG_STATUS_OK ? MEMTX_OK : MEMTX_ERROR;
}

/* IHI0070 6.2: registers are 32 or 64 bits wide, little-endian. */
static const MemoryRegionOps twinreg_mmio_ops = {
    .read_with_attrs = twinreg_mmio_read,
    .write_with_attrs = twinreg_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- Translation: the IOMMU memory region ---- */

static IOMMUAccessFlags twinreg_perms_to_iommu(TwinregPerms perms)
{
    IOMMUAccessFlags flags = IOMMU_NONE;

    if (perms & TWINREG_PERM_READ) {
        flags |= IOMMU_RO;
    }
    if (perms & TWINREG_PERM_WRITE) {
        flags |= IOMMU_WO;
    }
    return flags;
}

static IOMMUTLBEntry twinreg_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                      IOMMUAccessFlags flag, int iommu_idx)
{
    TwinregIommuSpace *sp = container_of(iommu, TwinregIommuSpace, iommu);
    TwinregSmmuState *s = sp->smmu;
    uint32_t sid = twinreg_space_sid(sp);
    TwinregSecSid sec_sid = twinreg_sid_sec_sid(s, sid);
    IOMMUTLBEntry entry = {
        .target_as = &address_space_memory,
        .iova = addr,
        .translated_addr = addr,
        .addr_mask = 0,
        .perm = IOMMU_NONE,
    };
    TwinregTranslationRequest req = {
        .stream_id = sid,
        .substream_valid = false,
        .sec_sid = sec_sid,
        .iova = addr,
        .size = 1,
        /* QEMU asks with the access's direction; IOMMU_NONE (replay) as a read. */
        .access = flag == IOMMU_WO ? TWINREG_ACCESS_WRITE : TWINREG_ACCESS_READ,
        /* PCIe requests without a PASID prefix are unprivileged (PnU = 0). */
        .privileged = false,
        .ns = sec_sid == TWINREG_SEC_SID_NON_SECURE,
    };
    TwinregTranslation res;
    TwinregStatus st;

    qemu_rec_mutex_lock(&s->lock);
    st = twinreg_smmu_translate(s->model, &req, &res);
    if (st != TWINREG_STATUS_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: translate sid 0x%x iova 0x%"
                      HWADDR_PRIx ": %s\n", TYPE_ARM_SMMUV3_TWINREG, sid, addr,
                      twinreg_smmu_last_error(s->model));
        qemu_rec_mutex_unlock(&s->lock);
        return entry;
    }
    qemu_rec_mutex_unlock(&s->lock);

    switch (res.outcome) {
    case TWINREG_OUTCOME_TRANSLATED:
    case TWINREG_OUTCOME_BYPASS:
        entry.target_as = twinreg_pas_space(s, res.pas);
        entry.addr_mask = res.addr_mask;
        entry.iova = addr & ~res.addr_mask;
        entry.translated_addr = res.output_addr & ~res.addr_mask;
        entry.perm = twinreg_perms_to_iommu(res.perms);
        break;
    case TWINREG_OUTCOME_FAULT:
    case TWINREG_OUTCOME_FAULT_RAZ_WI: {
        /* The event went to the model's Event queue; QEMU sees an abort. */
        const char *name = twinreg_event_name(res.event.code);
        qemu_log_mask(LOG_GUEST_ERROR, "%s: sid 0x%x iova 0x%" HWADDR_PRIx
                      ": %s%s\n", TYPE_ARM_SMMUV3_TWINREG, sid, addr,
                      name ? name : "fault",
                      res.event.recorded ? "" : " (not recorded)");
        break;
    }
    case TWINREG_OUTCOME_ABORT:
    default:
        break;
    }
    return entry;
}

static int twinreg_notify_flag_changed(IOMMUMemoryRegion *iommu,
                                       IOMMUNotifierFlag old_flags,
                                       IOMMUNotifierFlag new_flags,
                                       Error **errp)
{
    TwinregIommuSpace *sp = container_of(iommu, TwinregIommuSpace, iommu);

    /*
     * The model tells what it invalidated, not what software mapped: MAP events
     * (a shadow page table, as VFIO keeps) cannot be produced.
     */
    if (new_flags & IOMMU_NOTIFIER_MAP) {
        error_setg(errp, "%s does not send MAP notifications (device %02x.%x)",
                   TYPE_ARM_SMMUV3_TWINREG, PCI_SLOT(sp->devfn),
                   PCI_FUNC(sp->devfn));
        return -EINVAL;
    }
    sp->unmap_notified = (new_flags & IOMMU_NOTIFIER_UNMAP) != 0;
    return 0;
}

static AddressSpace *twinreg_get_address_space(PCIBus *bus, void *opaque,
                                               int devfn)
{
    TwinregSmmuState *s = opaque;
    TwinregIommuSpace *sp;
    g_autofree char *name = NULL;

    QLIST_FOREACH(sp, &s->spaces, next) {
        if (sp->bus == bus && sp->devfn == devfn) {
            return &sp->as;
        }
    }
    sp = g_new0(TwinregIommuSpace, 1);
    sp->smmu = s;
    sp->bus = bus;
    sp->devfn = devfn;
    name = g_strdup_printf("%s-%p-%02x.%x", TYPE_ARM_SMMUV3_TWINREG, bus,
                           PCI_SLOT(devfn), PCI_FUNC(devfn));
    memory_region_init_iommu(&sp->iommu, sizeof(sp->iommu),
                             TYPE_TWINREG_IOMMU_MEMORY_REGION, OBJECT(s), name,
                             UINT64_MAX);
    address_space_init(&sp->as, MEMORY_REGION(&sp->iommu), name);
    QLIST_INSERT_HEAD(&s->spaces, sp, next);
    return &sp->as;
}

#if TWINREG_HAS_PCI_IOMMU_OPS
static const PCIIOMMUOps twinreg_pci_iommu_ops = {
    .get_address_space = twinreg_get_address_space,
};
#endif

/* ---- Statistics ---- */

/* The model's counters as JSON (one member a line, for grep as well as parsers). */
static char *twinreg_stats_json(TwinregSmmuState *s)
{
    TwinregStats st;
    TwinregStatus rc;

    qemu_rec_mutex_lock(&s->lock);
    rc = s->model ? twinreg_smmu_stats(s->model, &st) : TWINREG_STATUS_NULL_POINTER;
    qemu_rec_mutex_unlock(&s->lock);
    if (rc != TWINREG_STATUS_OK) {
        return g_strdup("{}\n");
    }
    return g_strdup_printf(
        "{\n"
        "  \"device\": \"%s\",\n"
        "  \"preset\": \"%s\",\n"
        "  \"translations\": %" PRIu64 ",\n"
        "  \"iotlb_hits\": %" PRIu64 ",\n"
        "  \"iotlb_misses\": %" PRIu64 ",\n"
        "  \"config_cache_hits\": %" PRIu64 ",\n"
        "  \"config_cache_misses\": %" PRIu64 ",\n"
        "  \"commands\": %" PRIu64 ",\n"
        "  \"command_errors\": %" PRIu64 ",\n"
        "  \"events_written\": %" PRIu64 ",\n"
        "  \"events_discarded\": %" PRIu64 ",\n"
        "  \"event_queue_overflows\": %" PRIu64 ",\n"
        "  \"msis\": %" PRIu64 ",\n"
        "  \"invalidations\": %" PRIu64 "\n"
        "}\n",
        TYPE_ARM_SMMUV3_TWINREG, s->preset ? s->preset : "default",
        st.translations, st.iotlb_hits, st.iotlb_misses, st.config_cache_hits,
        st.config_cache_misses, st.commands, st.command_errors,
        st.events_written, st.events_discarded, st.event_queue_overflows,
        st.msis, st.invalidations);
}

static void twinreg_write_stats_file(TwinregSmmuState *s)
{
    g_autofree char *json = NULL;
    g_autoptr(GError) err = NULL;

    if (!s->stats_file || !*s->stats_file || !s->model) {
        return;
    }
    json = twinreg_stats_json(s);
    if (!g_file_set_contents(s->stats_file, json, -1, &err)) {
        warn_report("%s: stats-file: %s", TYPE_ARM_SMMUV3_TWINREG,
                    err->message);
    }
}

static void twinreg_exit_notify(Notifier *n, void *data)
{
    TwinregSmmuState *s = container_of(n, TwinregSmmuState, exit_notifier);
    twinreg_write_stats_file(s);
}

static char *twinreg_get_stats(Object *obj, Error **errp)
{
    return twinreg_stats_json(ARM_SMMUV3_TWINREG(obj));
}

/* ---- Configuration knobs as properties ---- */

/* QEMU property names use '-', the model's knob names '_'. */
static char *twinreg_knob_property_name(const char *knob)
{
    char *name = g_strdup(knob);
    g_strdelimit(name, "_", '-');
    return name;
}

static void twinreg_knob_get(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(obj);
    size_t index = (uintptr_t)opaque;
    g_autofree char *value = NULL;

    if (s->knob_values[index]) {
        value = g_strdup(s->knob_values[index]);
    } else if (s->model) {
        /* After realize, the value the model runs with (preset or default). */
        char buf[128];
        size_t len = 0;

        qemu_rec_mutex_lock(&s->lock);
        if (twinreg_smmu_config_get(s->model, twinreg_knob_name(index), buf,
                                    sizeof(buf), &len) == TWINREG_STATUS_OK) {
            value = g_strdup(buf);
        }
        qemu_rec_mutex_unlock(&s->lock);
    }
    if (!value) {
        value = g_strdup("");
    }
    visit_type_str(v, name, &value, errp);
}

static void twinreg_knob_set(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(obj);
    size_t index = (uintptr_t)opaque;
    char *value = NULL;

    if (DEVICE(obj)->realized) {
        error_setg(errp, "%s: '%s' cannot change after realize",
                   TYPE_ARM_SMMUV3_TWINREG, name);
        return;
    }
    if (!visit_type_str(v, name, &value, errp)) {
        return;
    }
    g_free(s->knob_values[index]);
    s->knob_values[index] = value;
}

/* ---- Lifecycle ---- */

static bool twinreg_config_is_true(TwinregSmmuState *s, const char *knob)
{
    char buf[16];
    size_t len = 0;

    return twinreg_smmu_config_get(s->model, knob, buf, sizeof(buf), &len) ==
               TWINREG_STATUS_OK && !strcmp(buf, "true");
}

static void twinreg_realize(DeviceState *dev, Error **errp)
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);
    size_t count = twinreg_knob_count();
    g_autofree TwinregKnob *knobs = g_new0(TwinregKnob, count ? count : 1);
    size_t given = 0;
    const TwinregHostCallbacks callbacks = {
        .mem_read = twinreg_mem_read,
        .mem_write = twinreg_mem_write,
        .irq_pulse = twinreg_irq_pulse,
        .msi_write = twinreg_msi_write,
        .invalidated = twinreg_invalidated,
    };

    if (twinreg_abi_version() != TWINREG_ABI_VERSION) {
        error_setg(errp, "%s: libtwinreg has ABI %u, the device was built for %u",
                   TYPE_ARM_SMMUV3_TWINREG, twinreg_abi_version(),
                   TWINREG_ABI_VERSION);
        return;
    }
    if (!s->primary_bus) {
        error_setg(errp, "%s: the 'primary-bus' link (the PCI bus whose "
                   "devices it translates) is not set", TYPE_ARM_SMMUV3_TWINREG);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (s->knob_values[i]) {
            knobs[given].key = twinreg_knob_name(i);
            knobs[given].value = s->knob_values[i];
            given++;
        }
    }
    s->model = twinreg_smmu_new(s->preset, knobs, given, &callbacks, s);
    if (!s->model) {
        error_setg(errp, "%s: %s", TYPE_ARM_SMMUV3_TWINREG, twinreg_last_error());
        return;
    }
    if (!twinreg_parse_secure_streams(s, errp)) {
        return;
    }
    if (s->secure_sid_count && !twinreg_config_is_true(s, "secure_impl")) {
        error_setg(errp, "%s: secure-streams needs Secure state "
                   "(secure-impl=on)", TYPE_ARM_SMMUV3_TWINREG);
        return;
    }
    if (s->secure_memory) {
        address_space_init(&s->secure_as, s->secure_memory,
                           TYPE_ARM_SMMUV3_TWINREG "-secure");
        s->has_secure_as = true;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &twinreg_mmio_ops, s,
                          TYPE_ARM_SMMUV3_TWINREG, twinreg_smmu_mmio_size());
    sysbus_init_mmio(sbd, &s->mmio);
    for (int i = 0; i < TWINREG_IRQ_COUNT; i++) {
        sysbus_init_irq(sbd, &s->irq[i]);
    }
#if TWINREG_HAS_PCI_IOMMU_OPS
    pci_setup_iommu(s->primary_bus, &twinreg_pci_iommu_ops, s);
#else
    pci_setup_iommu(s->primary_bus, twinreg_get_address_space, s);
#endif
    s->exit_notifier.notify = twinreg_exit_notify;
    qemu_add_exit_notifier(&s->exit_notifier);
}

#if TWINREG_RESET_HAS_TYPE
static void twinreg_reset_hold(Object *obj, ResetType type)
#else
static void twinreg_reset_hold(Object *obj)
#endif
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(obj);
    TwinregIommuSpace *sp;

    if (!s->model) {
        return;
    }
    /* A system reset: the stats so far are kept (they count since creation). */
    twinreg_write_stats_file(s);
    qemu_rec_mutex_lock(&s->lock);
    if (twinreg_smmu_reset(s->model) != TWINREG_STATUS_OK) {
        error_report("%s: reset: %s", TYPE_ARM_SMMUV3_TWINREG,
                     twinreg_smmu_last_error(s->model));
    }
    qemu_rec_mutex_unlock(&s->lock);
    /* The reset emptied the model's caches; so must every cached translation. */
    QLIST_FOREACH(sp, &s->spaces, next) {
        if (sp->unmap_notified) {
            twinreg_unmap_all(sp);
        }
    }
}

static void twinreg_instance_init(Object *obj)
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(obj);

    s->knob_values = g_new0(char *, twinreg_knob_count() + 1);
    qemu_rec_mutex_init(&s->lock);
    QLIST_INIT(&s->spaces);
}

static void twinreg_instance_finalize(Object *obj)
{
    TwinregSmmuState *s = ARM_SMMUV3_TWINREG(obj);

    for (size_t i = 0; i < twinreg_knob_count(); i++) {
        g_free(s->knob_values[i]);
    }
    g_free(s->knob_values);
    g_free(s->secure_sids);
    g_free(s->snapshot);
    twinreg_smmu_free(s->model);
    s->model = NULL;
}

/* ---- Migration: the model's state is its snapshot (IHI0070: registers only) ---- */

static int twinreg_pre_save(void *opaque)
{
    TwinregSmmuState *s = opaque;
    size_t len = 0;
    TwinregStatus st;

    g_free(s->snapshot);
    s->snapshot = NULL;
    s->snapshot_len = 0;
    qemu_rec_mutex_lock(&s->lock);
    st = twinreg_smmu_snapshot(s->model, NULL, 0, &len);
    if (st == TWINREG_STATUS_BUFFER_TOO_SMALL && len <= TWINREG_SNAPSHOT_MAX) {
        s->snapshot = g_malloc(len);
        st = twinreg_smmu_snapshot(s->model, s->snapshot, len, &len);
    }
    if (st != TWINREG_STATUS_OK) {
        error_report("%s: snapshot: %s", TYPE_ARM_SMMUV3_TWINREG,
                     twinreg_smmu_last_error(s->model));
        qemu_rec_mutex_unlock(&s->lock);
        return -EINVAL;
    }
    qemu_rec_mutex_unlock(&s->lock);
    s->snapshot_len = len;
    return 0;
}

static int twinreg_post_save(void *opaque)
{
    TwinregSmmuState *s = opaque;

    g_free(s->snapshot);
    s->snapshot = NULL;
    s->snapshot_len = 0;
    return 0;
}

static bool twinreg_snapshot_len_valid(void *opaque, int version_id)
{
    TwinregSmmuState *s = opaque;

    if (s->snapshot_len == 0 || s->snapshot_len > TWINREG_SNAPSHOT_MAX) {
        error_report("%s: migrated snapshot of %u bytes refused",
                     TYPE_ARM_SMMUV3_TWINREG, s->snapshot_len);
        return false;
    }
    return true;
}

static int twinreg_pre_load(void *opaque)
{
    TwinregSmmuState *s = opaque;

    /* VMS_ALLOC allocates a fresh buffer for the incoming bytes. */
    g_free(s->snapshot);
    s->snapshot = NULL;
    s->snapshot_len = 0;
    return 0;
}

static int twinreg_post_load(void *opaque, int version_id)
{
    TwinregSmmuState *s = opaque;
    TwinregStatus st;

    /* Restore validates (version, checksum, configuration) and leaves the SMMU
     * unchanged when it refuses; it then tells us to drop every translation. */
    qemu_rec_mutex_lock(&s->lock);
    st = twinreg_smmu_restore(s->model, s->snapshot, s->snapshot_len);
    if (st != TWINREG_STATUS_OK) {
        error_report("%s: incoming state refused: %s", TYPE_ARM_SMMUV3_TWINREG,
                     twinreg_smmu_last_error(s->model));
    }
    qemu_rec_mutex_unlock(&s->lock);
    g_free(s->snapshot);
    s->snapshot = NULL;
    s->snapshot_len = 0;
    return st == TWINREG_STATUS_OK ? 0 : -EINVAL;
}

static const VMStateDescription twinreg_vmstate = {
    .name = TYPE_ARM_SMMUV3_TWINREG,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = twinreg_pre_save,
    .post_save = twinreg_post_save,
    .pre_load = twinreg_pre_load,
    .post_load = twinreg_post_load,
#if TWINREG_CONST_PROPERTIES
    .fields = (const VMStateField[]) {
#else
    .fields = (VMStateField[]) {
#endif
        VMSTATE_UINT32(snapshot_len, TwinregSmmuState),
        VMSTATE_VALIDATE("twinreg snapshot size", twinreg_snapshot_len_valid),
        VMSTATE_VBUFFER_ALLOC_UINT32(snapshot, TwinregSmmuState, 0, NULL,
                                     snapshot_len),
        VMSTATE_END_OF_LIST()
    },
};

static
#if TWINREG_CONST_PROPERTIES
const
#endif
Property twinreg_properties[] = {
    DEFINE_PROP_LINK("primary-bus", TwinregSmmuState, primary_bus, TYPE_PCI_BUS,
                     PCIBus *),
    DEFINE_PROP_LINK("secure-memory", TwinregSmmuState, secure_memory,
                     TYPE_MEMORY_REGION, MemoryRegion *),
    DEFINE_PROP_STRING("preset", TwinregSmmuState, preset),
    DEFINE_PROP_STRING("secure-streams", TwinregSmmuState, secure_streams),
    DEFINE_PROP_STRING("stats-file", TwinregSmmuState, stats_file),
#ifdef DEFINE_PROP_END_OF_LIST
    DEFINE_PROP_END_OF_LIST(),
#endif
};

static void twinreg_class_init(ObjectClass *oc,
#if TWINREG_CONST_CLASS_DATA
                               const void *data
#else
                               void *data
#endif
                               )
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    ResettableClass *rc = RESETTABLE_CLASS(oc);

    dc->desc = "Arm SMMUv3 on twinreg's model";
    dc->realize = twinreg_realize;
    dc->vmsd = &twinreg_vmstate;
    /* Board-created: virt wires its MMIO, interrupts, bus and device tree. */
    dc->user_creatable = false;
    rc->phases.hold = twinreg_reset_hold;
    device_class_set_props(dc, twinreg_properties);

    object_class_property_add_str(oc, "stats", twinreg_get_stats, NULL);
    object_class_property_set_description(oc, "stats",
        "the model's counters as JSON (translations, IOTLB hits/misses, "
        "commands, events, MSIs, invalidations)");
    for (size_t i = 0; i < twinreg_knob_count(); i++) {
        g_autofree char *name = twinreg_knob_property_name(twinreg_knob_name(i));

        object_class_property_add(oc, name, "str", twinreg_knob_get,
                                  twinreg_knob_set, NULL, (void *)(uintptr_t)i);
        object_class_property_set_description(oc, name, twinreg_knob_doc(i));
    }
}

static void twinreg_iommu_memory_region_class_init(ObjectClass *oc,
#if TWINREG_CONST_CLASS_DATA
                                                   const void *data
#else
                                                   void *data
#endif
                                                   )
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(oc);

    imrc->translate = twinreg_translate;
    imrc->notify_flag_changed = twinreg_notify_flag_changed;
}

static const TypeInfo twinreg_types[] = {
    {
        .name = TYPE_ARM_SMMUV3_TWINREG,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(TwinregSmmuState),
        .instance_init = twinreg_instance_init,
        .instance_finalize = twinreg_instance_finalize,
        .class_init = twinreg_class_init,
    },
    {
        .name = TYPE_TWINREG_IOMMU_MEMORY_REGION,
        .parent = TYPE_IOMMU_MEMORY_REGION,
        .class_init = twinreg_iommu_memory_region_class_init,
    },
};

DEFINE_TYPES(twinreg_types)
