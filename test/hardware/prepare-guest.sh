#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# prepare-guest.sh CACHE_DIR WORK_DIR AGENT: the hardware test's guest, as
# found to work on a Debian 12 build machine without gpio-sim in its own kernel:
#   - Debian's stock kernel (linux-image-amd64's ABI; downloaded, never installed) and an
#     out-of-tree gpio-sim.ko (CONFIG_GPIO_SIM is off in Debian) built from linux-source against
#     linux-headers, with its own copy of irq_sim; cached in CACHE_DIR/<ABI>/;
#   - a busybox initramfs with configfs, e1000, gpio-sim, AGENT and its shared libraries (ldd),
#     guest-init.sh as /init and guest-board.sh, written to WORK_DIR/initrd.cpio.gz next to
#     WORK_DIR/vmlinuz.
# Prerequisites (qemu-system-x86, busybox-static, linux-headers-<ABI>, xz-utils) are installed
# with apt-get when run as root. Exit 77 (ctest: skipped) with the reason on stderr when they
# cannot be had; 0 when the guest is ready.
set -euo pipefail

skip() {
    echo "hardware: SKIP: $*" >&2
    exit 77
}
say() {
    echo "hardware: $*" >&2
}

[[ $# -eq 3 ]] || { echo "usage: $0 CACHE_DIR WORK_DIR AGENT" >&2; exit 2; }
cache=$1
work=$2
agent=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x "$agent" ]] || { echo "hardware: $agent is not built" >&2; exit 1; }

command -v apt-cache >/dev/null || skip "not a Debian system (no apt-cache)"
krel=$(apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -1)
[[ -n "$krel" ]] || skip "apt knows no linux-image-amd64 (run apt-get update?)"
kser=$(echo "$krel" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')

# ---- prerequisites ----------------------------------------------------------------------------
missing=()
for p in qemu-system-x86 busybox-static "linux-headers-$krel" xz-utils make gcc; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]]; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} > 0)); then
    ((EUID == 0)) || skip "missing ${missing[*]} and not root to install them"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
        apt-get update -q >&2 || skip "apt-get update failed"
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
            skip "apt-get install ${missing[*]} failed"
    fi
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
[[ -d "/lib/modules/$krel/build" ]] || skip "no kernel headers at /lib/modules/$krel/build"

# ---- kernel and gpio-sim.ko, cached per ABI ---------------------------------------------------
kdir=$cache/$krel
mkdir -p "$cache"
# Two build trees may share the cache: one of them fetches and builds, the other waits.
exec 9>"$cache/.lock"
flock 9
if [[ ! -f "$kdir/ready" ]]; then
    ((EUID == 0)) || skip "no cached kernel for $krel and not root to fetch one"
    rm -rf "$kdir"
    mkdir -p "$kdir/tmp/debs" "$kdir/modules"
    say "fetching linux-image-$krel and linux-source-$kser (once per ABI)"
    (cd "$kdir/tmp/debs" && apt-get download "linux-image-$krel" "linux-source-$kser" >&2) ||
        skip "apt-get download of linux-image-$krel / linux-source-$kser failed"
    dpkg -x "$kdir"/tmp/debs/linux-image-"$krel"_*.deb "$kdir/tmp/image"
    cp "$kdir/tmp/image/boot/vmlinuz-$krel" "$kdir/vmlinuz"
    m=$kdir/tmp/image/lib/modules/$krel/kernel
    for ko in fs/configfs/configfs drivers/net/ethernet/intel/e1000/e1000; do
        if [[ -f "$m/$ko.ko.xz" ]]; then
            xz -dc "$m/$ko.ko.xz" > "$kdir/modules/$(basename "$ko").ko"
        else
            cp "$m/$ko.ko" "$kdir/modules/"
        fi
    done
    dpkg -x "$kdir"/tmp/debs/linux-source-"$kser"_*.deb "$kdir/tmp/source"
    tar -xJf "$kdir/tmp/source/usr/src/linux-source-$kser.tar.xz" --strip-components=1 \
        -C "$kdir/tmp" --wildcards "linux-source-$kser/drivers/gpio/gpio-sim.c" \
        "linux-source-$kser/drivers/gpio/gpiolib.h" "linux-source-$kser/kernel/irq/irq_sim.c"
    # gpio-sim plus a private irq_sim (CONFIG_IRQ_SIM is off too); irq_to_desc() is not exported
    # to modules, generic_handle_irq() is.
    mkdir -p "$kdir/tmp/mod"
    cp "$kdir/tmp/drivers/gpio/gpio-sim.c" "$kdir/tmp/mod/gpio-sim-main.c"
    cp "$kdir/tmp/drivers/gpio/gpiolib.h" "$kdir/tmp/kernel/irq/irq_sim.c" "$kdir/tmp/mod/"
    sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' \
        "$kdir/tmp/mod/irq_sim.c"
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$kdir/tmp/mod/Kbuild"
    say "building gpio-sim.ko for $krel"
    make -s -C "/lib/modules/$krel/build" M="$kdir/tmp/mod" modules >&2
    strip --strip-debug "$kdir/tmp/mod/gpio-sim.ko"
    cp "$kdir/tmp/mod/gpio-sim.ko" "$kdir/modules/"
    rm -rf "$kdir/tmp"
    touch "$kdir/ready"
fi
flock -u 9

# ---- initramfs ---------------------------------------------------------------------------------
busybox=/bin/busybox
[[ -x "$busybox" ]] || skip "no $busybox (busybox-static)"
root=$work/rootfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,lib/modules,proc,sys,dev,tmp,etc}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done
if ((EUID == 0)); then
    mknod "$root/dev/console" c 5 1
    mknod "$root/dev/null" c 1 3
fi
cp "$kdir"/modules/*.ko "$root/lib/modules/"
cp "$agent" "$root/usr/bin/statebus-agent"
# The guest mounts a tmpfs on /tmp (guest-init.sh): a library the agent finds under /tmp (the
# libgpiod 2 prefix of a checkout under /tmp, through its RUNPATH) also goes where the loader
# looks by default, next to libc.
libc_dir=$(dirname "$(ldd "$agent" | sed -n 's/^[[:space:]]*libc\.so[^ ]* => \([^ ]*\).*/\1/p' | head -1)")
for lib in $(ldd "$agent" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    if [[ $lib == /tmp/* ]]; then
        mkdir -p "$root$libc_dir"
        cp -L "$lib" "$root$libc_dir/"
    fi
done
cp "$here/guest-init.sh" "$root/init"
cp "$here/guest-board.sh" "$root/bin/guest-board.sh"
chmod +x "$root/init" "$root/bin/guest-board.sh"
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$work/initrd.cpio.gz"
cp "$kdir/vmlinuz" "$work/vmlinuz"
say "guest ready: kernel $krel, initramfs $(du -h "$work/initrd.cpio.gz" | cut -f1)," \
    "agent with $(ldd "$agent" | sed -n 's/^[[:space:]]*\(libgpiod[^ ]*\) => \([^ ]*\).*/\1 (\2)/p' | head -1)"
