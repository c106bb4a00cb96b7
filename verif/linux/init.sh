#!/bin/busybox sh
# /init of the Linux test's initramfs (busybox sh, arm64 guest). It is the guest half of
# verif/linux/linux_boot.py: loads the disk drivers, checks that arm-smmu-v3 probed and
# that the disks' PCI functions sit in IOMMU DMA domains, moves known data through both
# disks with O_DIRECT (so every byte is DMA through the SMMU, never the page cache), and
# prints one `TWINREG-...` marker line per fact for the host to check. It never decides
# pass/fail alone: the host reads the markers, the disk images and the SMMU's counters.
#
# Parameters come from the kernel command line (`twinreg.KEY=VALUE`):
#   twinreg.mode   test | migrate | bench
#   twinreg.disks  comma-separated block device names (vda, nvme0n1)
#   twinreg.fault  1: run the unmapped-DMA fault test with the edu PCI device
#   twinreg.benchmib  MiB read per benchmark pass (1 MiB blocks; bench4kmib: 4 KiB blocks)
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin

echo "TWINREG-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"

param() {
    for kv in $(cat /proc/cmdline); do
        case "$kv" in "twinreg.$1="*) echo "${kv#twinreg.$1=}"; return ;; esac
    done
    echo "$2"
}
MODE=$(param mode test)
DISKS=$(param disks vda,nvme0n1 | tr ',' ' ')
FAULT=$(param fault 0)
BENCHMIB=$(param benchmib 256)
BENCH4KMIB=$(param bench4kmib "$BENCHMIB")
fail() { echo "TWINREG-FAIL $*"; }
finish() {
    echo "TWINREG-DMESG-BEGIN"
    dmesg
    echo "TWINREG-DMESG-END"
    echo "TWINREG-DONE"
    sync
    poweroff -f
}

# Module load order (dependencies first) is resolved on the host from each module's
# `depends=` modinfo: Debian's package ships no modules.dep.
for m in $(cat /etc/twinreg-modules); do
    insmod "/lib/modules/$m.ko" || fail "insmod $m"
done

# The SMMU driver is built in; its probe line says which features it found.
PROBE=$(dmesg | grep 'arm-smmu-v3' | grep 'ias ' | head -n1)
[ -n "$PROBE" ] && echo "TWINREG-PROBE ${PROBE#*] }" || fail "no arm-smmu-v3 probe line"

# The disks appear asynchronously after their drivers bind.
for d in $DISKS; do
    n=0
    while [ ! -b "/dev/$d" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    [ -b "/dev/$d" ] || fail "no block device /dev/$d"
done

# The PCI function behind a block device, from its sysfs path
# (/sys/devices/pci0000:00/0000:00:01.0/virtio0/block/vda).
bdf_of() {
    readlink -f "/sys/block/$1" | tr '/' '\n' | grep -E '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9]$' | tail -n1
}

# Both devices must be translated by the SMMU through a DMA domain (not identity,
# not blocked): the iommu_group link exists and the group's type is DMA or DMA-FQ.
for d in $DISKS; do
    bdf=$(bdf_of "$d")
    grp=$(readlink "/sys/bus/pci/devices/$bdf/iommu_group" 2>/dev/null)
    if [ -z "$grp" ]; then
        fail "$d ($bdf) has no iommu_group"
        continue
    fi
    g=${grp##*/}
    echo "TWINREG-DOMAIN $d bdf=$bdf group=$g type=$(cat /sys/kernel/iommu_groups/$g/type)"
done

# One DMA round through a disk: read the block the host wrote before boot (device ->
# memory), write a known block (memory -> device), read it back, compare both.
# $1 disk, $2 phase name, $3 MiB offset of the guest's write, $4 pattern file.
dma_round() {
    d=$1; phase=$2; off=$3; pat=$4
    ok=1
    dd if="/dev/$d" of=/tmp/host.bin bs=1M skip=1 count=1 iflag=direct 2>/tmp/dd.err || { ok=0; fail "$d $phase read host block: $(cat /tmp/dd.err)"; }
    cmp -s /tmp/host.bin "/pat/host-$d.bin" || { ok=0; fail "$d $phase host block differs"; }
    # 64 KiB requests: sixteen separate DMA mappings per MiB, not one.
    dd if="$pat" of="/dev/$d" bs=64k seek=$((off * 16)) count=16 oflag=direct conv=fsync 2>/tmp/dd.err || { ok=0; fail "$d $phase write: $(cat /tmp/dd.err)"; }
    dd if="/dev/$d" of=/tmp/back.bin bs=1M skip="$off" count=1 iflag=direct 2>/tmp/dd.err || { ok=0; fail "$d $phase read back: $(cat /tmp/dd.err)"; }
    cmp -s /tmp/back.bin "$pat" || { ok=0; fail "$d $phase read-back differs"; }
    rm -f /tmp/host.bin /tmp/back.bin
    [ $ok = 1 ] && echo "TWINREG-DMA $d phase=$phase ok"
}

# The edu PCI test device (QEMU's `-device edu`, 1234:11e8) has no Linux driver. From
# the guest it is programmed through its BAR with devmem to DMA from IOVA 0x1000, which
# no DMA domain maps. First without a driver: Linux 6.1 sets a PCI device's IOMMU up only
# when a driver binds, so its StreamID's STE is one of the valid "abort" STEs Linux fills
# a level-2 table with (STE.Config = 0b000): the read is terminated and, as IHI0070 5.2
# says for that Config, no event is recorded. Then bound to pci-stub, which gives it a
# DMA domain: the unmapped IOVA is a stage-1 translation fault, F_TRANSLATION (0x10),
# recorded in the event queue (CD.R = 1) and logged by the driver.
edu_dma() {
    bdf=$1; label=$2; wait=$3
    # PCI command register (offset 4): memory space (bit 1) and bus master (bit 2) on.
    printf '\006\000' | dd of="/sys/bus/pci/devices/$bdf/config" bs=1 seek=4 count=2 conv=notrunc 2>/dev/null
    bar=$(head -n1 "/sys/bus/pci/devices/$bdf/resource" | cut -d' ' -f1)
    bar=$((bar))
    before=$(dmesg | grep -c 'event 0x')
    # edu registers: 0x80 DMA source, 0x88 destination, 0x90 count, 0x98 command
    # (bit 0 start, bit 1 direction: 0 = RAM to device). Device buffer at 0x40000.
    devmem $((bar + 0x80)) 32 0x1000
    devmem $((bar + 0x88)) 32 0x40000
    devmem $((bar + 0x90)) 32 4
    devmem $((bar + 0x98)) 32 1
    n=0
    while [ $(($(devmem $((bar + 0x98)) 32) & 1)) = 1 ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    n=0
    while [ "$(dmesg | grep -c 'event 0x')" = "$before" ] && [ $n -lt "$wait" ]; do sleep 0.1; n=$((n + 1)); done
    ev=""
    [ "$(dmesg | grep -c 'event 0x')" != "$before" ] && ev=$(dmesg | grep 'event 0x' | tail -n1)
    echo "TWINREG-FAULT $label bdf=$bdf group=$(readlink /sys/bus/pci/devices/$bdf/iommu_group | sed 's#.*/##') event=$(echo "$ev" | sed -n 's/.*event \(0x[0-9a-f]*\) received.*/\1/p')"
}

fault_test() {
    edu=""
    for p in /sys/bus/pci/devices/*; do
        [ "$(cat $p/vendor)" = 0x1234 ] && [ "$(cat $p/device)" = 0x11e8 ] && edu=${p##*/}
    done
    [ -n "$edu" ] || { fail "no edu device"; return; }
    edu_dma "$edu" unbound 20
    insmod /lib/modules/pci-stub.ko 2>/dev/null
    echo pci-stub >"/sys/bus/pci/devices/$edu/driver_override"
    echo "$edu" >/sys/bus/pci/drivers_probe
    edu_dma "$edu" pci-stub 50
}

# Host-chosen token in the NVMe/vda block at 8 MiB: the migration test writes it into
# the image while the guest is saved, and the restored guest must read it by DMA.
read_token() {
    dd if="/dev/$1" bs=4096 skip=2048 count=1 iflag=direct 2>/dev/null | head -c 40 | tr -cd 'A-Za-z0-9:-'
}

case "$MODE" in
test)
    for d in $DISKS; do dma_round "$d" boot 4 "/pat/guest-$d.bin"; done
    if [ "$FAULT" = 1 ]; then
        fault_test
        for d in $DISKS; do dma_round "$d" after-fault 12 "/pat/second-$d.bin"; done
    fi
    ;;
migrate)
    for d in $DISKS; do dma_round "$d" before-migration 4 "/pat/guest-$d.bin"; done
    first=$(echo $DISKS | cut -d' ' -f1)
    echo "TWINREG-MIGRATE-READY"
    n=0
    tok=$(read_token "$first")
    while [ "${tok#TWINREG-GO:}" = "$tok" ] && [ $n -lt 3000 ]; do
        sleep 0.2
        n=$((n + 1))
        tok=$(read_token "$first")
    done
    echo "TWINREG-RESUMED token=$tok"
    for d in $DISKS; do dma_round "$d" after-migration 12 "/pat/second-$d.bin"; done
    ;;
bench)
    for d in $DISKS; do
        for bs in 4k 1M; do
            case $bs in 4k) mib=$BENCH4KMIB; count=$((mib * 256)) ;; 1M) mib=$BENCHMIB; count=$mib ;; esac
            t0=$(cut -d' ' -f1 /proc/uptime)
            dd if="/dev/$d" of=/dev/null bs=$bs count=$count iflag=direct 2>/tmp/dd.err || fail "bench $d $bs: $(cat /tmp/dd.err)"
            t1=$(cut -d' ' -f1 /proc/uptime)
            echo "TWINREG-BENCH $d bs=$bs mib=$mib t0=$t0 t1=$t1"
        done
    done
    ;;
*) fail "unknown twinreg.mode=$MODE" ;;
esac
echo "TWINREG-EVENTS $(dmesg | grep -c 'event 0x')"
finish
