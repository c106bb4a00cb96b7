#!/usr/bin/env bash
# Builds qemu-system-aarch64 with twinreg's SMMUv3 device (arm-smmuv3-twinreg) from
# Debian's QEMU source package, and prints the binary's path as the last line of
# stdout. Idempotent and cached: a second run takes seconds.
#
#   model/qemu/build.sh [--qemu 10.2]
#
# What it does (docs/embedding.md, "The QEMU device"):
#   1. installs the build dependencies by Debian package name (apt-get, never prompts);
#   2. gets QEMU's source with `apt-get source`, adding a deb-src entry derived from
#      the machine's own apt sources when none offers the version (default: the newest
#      10.2.x);
#   3. applies the project's patch (patches/qemu-<x.y>.patch: meson line, virt's
#      `iommu=smmuv3-twinreg` option) and copies in the device (smmuv3-twinreg.c) and
#      libtwinreg (cargo build --release -p twinreg-capi) with its header;
#   4. configures aarch64-softmmu only, with a minimal feature set, and builds with
#      ninja in ${TWINREG_CACHE:-$HOME/.cache/twinreg}/work/qemu-<version>;
#   5. copies the binary to ${TWINREG_CACHE}/qemu-<version>-<hash of patch + device
#      sources>/ and reuses it while neither they nor libtwinreg change.
#
# Exit status: 0 built (or cached); 77 SKIP: a tool or package cannot be had here
# (no root/sudo for apt, no cargo, no network) and TWINREG_REQUIRE_TOOLS is not 1;
# 1 a real failure (or a SKIP under TWINREG_REQUIRE_TOOLS=1). Progress goes to
# stderr; build logs to the work directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TWINREG_CACHE:-$HOME/.cache/twinreg}
series=10.2

while (($#)); do
    case "$1" in
    --qemu) series=${2:?--qemu needs a version such as 10.2}; shift 2 ;;
    --qemu=*) series=${1#--qemu=}; shift ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
done
# A series is supported when patches/qemu-<series>.patch exists (only 10.2 so far;
# the device has compile-time switches for older QEMU interfaces, untested on 7.2).
if [ ! -f "$here/patches/qemu-$series.patch" ]; then
    echo "build.sh: QEMU $series is not supported (no patches/qemu-$series.patch); use 10.2" >&2
    exit 1
fi

say() { echo "qemu/build.sh: $*" >&2; }

# A missing tool is a SKIP the caller can see, unless tools are required.
skip() {
    if [ "${TWINREG_REQUIRE_TOOLS:-}" = 1 ]; then
        say "FAIL (TWINREG_REQUIRE_TOOLS=1): $*"
        exit 1
    fi
    say "SKIP: $*"
    exit 77
}

apt=(apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout="${TWINREG_APT_LOCK_TIMEOUT:-300}")
if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true </dev/null >/dev/null 2>&1; then
        apt=(sudo -n "${apt[@]}")
        as_root=(sudo -n)
    else
        apt=()
        as_root=()
    fi
else
    as_root=()
fi
export DEBIAN_FRONTEND=noninteractive

patch_file="$here/patches/qemu-$series.patch"
device_c="$here/smmuv3-twinreg.c"
header="$root/model/capi/include/twinreg.h"
[ -f "$patch_file" ] || { say "missing $patch_file"; exit 1; }
key=$(cat "$patch_file" "$device_c" "$header" | sha256sum | cut -c1-16)

# ---- libtwinreg (always: cargo knows when it is up to date) ----
command -v cargo >/dev/null 2>&1 || skip "cargo is not installed (needed for libtwinreg)"
say "building libtwinreg (cargo build --release -p twinreg-capi)"
(cd "$root" && cargo build --release -q -p twinreg-capi </dev/null) >&2
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps </dev/null |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
lib="${target_dir:-$root/target}/release/libtwinreg.a"
[ -f "$lib" ] || { say "cargo did not produce $lib"; exit 1; }
lib_sum=$(sha256sum "$lib" | cut -d' ' -f1)

# ---- The cached binary, if its inputs are unchanged ----
# The out directory is named after the upstream version, known once the source is
# chosen; a cheap look at what earlier runs left answers without apt.
for out in "$cache"/qemu-"$series".*-"$key"; do
    if [ -x "$out/qemu-system-aarch64" ] && [ "$(cat "$out/libtwinreg.sha256" 2>/dev/null)" = "$lib_sum" ]; then
        say "cached: $out"
        echo "$out/qemu-system-aarch64"
        exit 0
    fi
done

# ---- Build dependencies, by Debian package name ----
deps=(gcc make ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev
    flex bison python3-venv dpkg-dev patch xz-utils)
missing=()
for p in "${deps[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    ((${#apt[@]})) || skip "build dependencies missing (${missing[*]}) and no root or passwordless sudo to install them: sudo apt-get install --no-install-recommends ${missing[*]}"
    say "installing ${missing[*]}"
    if ! "${apt[@]}" install "${missing[@]}" </dev/null >&2; then
        "${apt[@]}" update </dev/null >&2 && "${apt[@]}" install "${missing[@]}" </dev/null >&2 ||
            skip "apt-get could not install ${missing[*]}"
    fi
fi

# ---- QEMU's source, from Debian's source packages ----
# Versions of source package qemu apt knows, newest first, in series $series.
source_versions() {
    apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: //p' | sort -u |
        grep -E "^([0-9]+:)?${series//./\\.}([.+~]|$)" |
        while read -r v; do echo "$v"; done |
        sort -t: -k2 -V -r
}

# A deb-src stanza with the URIs and key of the machine's own Debian archive entry
# (the `deb` entry whose suites include this release's codename), for this release
# and unstable: Debian 12 carries 7.2, unstable the newest 10.2.x.
add_deb_src() {
    local codename list uris signed
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || skip "cannot tell this system's release codename (/etc/os-release) to derive a deb-src entry"
    uris="" signed=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822: the first stanza of Types deb whose Suites name the codename.
        read -r uris signed < <(awk -v cn="$codename" '
            BEGIN { RS=""; FS="\n" }
            {
                types=""; suites=""; u=""; s=""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/) types=$i
                    if ($i ~ /^Suites:/) suites=" " substr($i, 8) " "
                    if ($i ~ /^URIs:/) { u=substr($i, 6); gsub(/^ +| +$/, "", u) }
                    if ($i ~ /^Signed-By:/) { s=substr($i, 11); gsub(/^ +| +$/, "", s) }
                }
                if (types ~ /(^|[ :])deb( |$)/ && suites ~ (" " cn " ") && u != "") {
                    print u, (s == "" ? "-" : s); exit
                }
            }' "$f") || true
        [ -n "$uris" ] && break
    done
    if [ -z "$uris" ]; then
        # One-line format: deb [options] URI suite components...
        uris=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk -v cn="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) == cn) { print $i; exit } }')
        signed="-"
    fi
    [ -n "$uris" ] || skip "no Debian apt source for '$codename' to derive a deb-src entry from"
    list=/etc/apt/sources.list.d/twinreg-qemu-src.sources
    say "adding $list (deb-src of $uris: $codename, unstable)"
    {
        echo "Types: deb-src"
        echo "URIs: $uris"
        echo "Suites: $codename unstable"
        echo "Components: main"
        [ "$signed" = "-" ] || echo "Signed-By: $signed"
    } | "${as_root[@]}" tee "$list" >/dev/null
    "${apt[@]}" update </dev/null >&2 || skip "apt-get update failed"
}

debver=$(source_versions | head -n1)
if [ -z "$debver" ]; then
    ((${#apt[@]})) || skip "no deb-src entry offers qemu $series and no root or sudo to add one"
    add_deb_src
    debver=$(source_versions | head -n1)
    [ -n "$debver" ] || skip "no Debian source package of qemu $series in the configured archives"
fi
upstream=${debver#*:}
upstream=${upstream%%[+~-]*}
case "$upstream" in
*.*.*) ;;
*) upstream="$upstream.0" ;;
esac
out="$cache/qemu-$upstream-$key"
if [ -x "$out/qemu-system-aarch64" ] && [ "$(cat "$out/libtwinreg.sha256" 2>/dev/null)" = "$lib_sum" ]; then
    say "cached: $out"
    echo "$out/qemu-system-aarch64"
    exit 0
fi

work="$cache/work/qemu-$upstream"
dl="$cache/dl"
mkdir -p "$dl" "$cache/work"
if [ ! -f "$work/VERSION" ]; then
    say "fetching source package qemu=$debver"
    (cd "$dl" && apt-get source -q --download-only "qemu=$debver" </dev/null >&2) ||
        skip "apt-get source qemu=$debver failed"
    dsc=$(ls "$dl"/qemu_"${debver#*:}".dsc)
    rm -rf "$work.tmp"
    dpkg-source -x "$dsc" "$work.tmp" >"$cache/work/dpkg-source-$upstream.log" 2>&1 ||
        { say "dpkg-source failed: see $cache/work/dpkg-source-$upstream.log"; exit 1; }
    mv "$work.tmp" "$work"
fi

# ---- The project's patch (re-applied only when it changed) ----
applied="$work/.twinreg-applied.patch"
if ! cmp -s "$patch_file" "$applied"; then
    if [ -f "$applied" ]; then
        say "reverting the previous patch"
        patch -d "$work" -p1 -R -s <"$applied"
    fi
    say "applying $(basename "$patch_file")"
    patch -d "$work" -p1 -s --dry-run <"$patch_file" >/dev/null ||
        { say "$(basename "$patch_file") does not apply to QEMU $upstream"; exit 1; }
    patch -d "$work" -p1 -s <"$patch_file"
    cp "$patch_file" "$applied"
fi
# Copied only when changed, so ninja rebuilds only what did.
install_if_changed() { cmp -s "$1" "$2" || { mkdir -p "$(dirname "$2")" && cp "$1" "$2"; }; }
install_if_changed "$device_c" "$work/hw/arm/smmuv3-twinreg.c"
install_if_changed "$header" "$work/twinreg/twinreg.h"
build="$work/build"
if ! cmp -s "$lib" "$work/twinreg/libtwinreg.a"; then
    install_if_changed "$lib" "$work/twinreg/libtwinreg.a"
    # The library is a link argument ninja does not track: force the relink.
    rm -f "$build/qemu-system-aarch64"
fi

# ---- Configure (once) and build ----
# configure breaks with a pyenv shim as python3, and QEMU 10.x needs meson >= 1.5
# (Debian 12 has 1.0): both come from a venv made with the system's python3.
pyvenv="$cache/pyvenv-meson"
python=/usr/bin/python3
if [ "$series" = 10.2 ]; then
    if [ ! -x "$pyvenv/bin/meson" ]; then
        say "installing meson 1.9.0 into $pyvenv (PyPI)"
        rm -rf "$pyvenv"
        /usr/bin/python3 -m venv "$pyvenv" >&2 && "$pyvenv/bin/pip" install -q meson==1.9.0 </dev/null >&2 ||
            skip "could not install meson from PyPI"
    fi
    python="$pyvenv/bin/python3"
fi
if [ ! -f "$build/build.ninja" ]; then
    say "configuring QEMU $upstream (aarch64-softmmu, minimal)"
    mkdir -p "$build"
    opts=(--python="$python" --target-list=aarch64-softmmu
        --without-default-features --enable-fdt=system --enable-trace-backends=log
        --disable-docs --disable-werror --disable-tools)
    # Debian's +ds source has no firmware blobs: do not install them.
    [ "$series" = 10.2 ] && opts+=(--disable-install-blobs)
    (cd "$build" && PATH=/usr/sbin:/usr/bin:/sbin:/bin ../configure "${opts[@]}") \
        >"$work/configure.log" 2>&1 || { say "configure failed: see $work/configure.log"; rm -f "$build/build.ninja"; exit 1; }
fi
say "building (ninja; first build 15-30 min on 2 cores, log $work/ninja.log)"
start=$(date +%s)
if ! (cd "$build" && PATH=/usr/sbin:/usr/bin:/sbin:/bin nice ninja qemu-system-aarch64) >"$work/ninja.log" 2>&1; then
    tail -n 30 "$work/ninja.log" >&2
    say "ninja failed: see $work/ninja.log"
    exit 1
fi
say "built in $(($(date +%s) - start)) s"

# ---- The cached binary ----
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$build/qemu-system-aarch64" "$out.tmp/"
echo "$lib_sum" >"$out.tmp/libtwinreg.sha256"
echo "$debver" >"$out.tmp/debian-version"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/qemu-system-aarch64"
