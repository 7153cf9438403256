#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# /init of the hardware test's guest: a gpio-sim chip with the lines statebus-agent's gpio backend
# expects (x86-power-control's names), a helper that plays the board (guest-board.sh), and the
# agent reaching the host's broker through QEMU's user network (10.0.2.2 = host 127.0.0.1).
# Everything is logged to the console with a "guest:" prefix; the host test reads it.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The initramfs may lack /dev/console (made without root): from here on it is there.
exec > /dev/console 2>&1 < /dev/null
mount -t tmpfs tmp /tmp
say() { echo "guest: $*"; }
die() { say "FAILED: $*"; poweroff -f; }
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

insmod /lib/modules/configfs.ko || die "insmod configfs"
mount -t configfs none /sys/kernel/config || die "mount configfs"
insmod /lib/modules/gpio-sim.ko || die "insmod gpio-sim"

# The chip: 8 lines, the four the agent uses named as x86-power-control names them.
C=/sys/kernel/config/gpio-sim/statebus
mkdir $C $C/bank0 || die "configfs gpio-sim"
echo 8 > $C/bank0/num_lines
echo statebus-board > $C/bank0/label
for l in 0:POWER_OUT 1:RESET_OUT 2:PS_PWROK 3:POST_COMPLETE; do
    mkdir $C/bank0/line${l%%:*}
    echo ${l#*:} > $C/bank0/line${l%%:*}/name
done
echo 1 > $C/live || die "gpio-sim live"
CHIP=$(cat $C/bank0/chip_name)
SYS=/sys/devices/platform/$(cat $C/dev_name)/$CHIP
# At rest: the buttons high (active low: released, also before the agent drives them), power
# good low (active high: off), POST_COMPLETE high (active low: not complete).
echo pull-up > $SYS/sim_gpio0/pull
echo pull-up > $SYS/sim_gpio1/pull
echo pull-down > $SYS/sim_gpio2/pull
echo pull-up > $SYS/sim_gpio3/pull
say "chip=$CHIP sys=$SYS"

insmod /lib/modules/e1000.ko || die "insmod e1000"
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2

/bin/guest-board.sh "$SYS" &

BROKER=$(arg statebus.broker)
SYSTEM=$(arg statebus.system)
say "starting agent broker=$BROKER system=$SYSTEM"
# No systemd in here: BMC Ready is given. Shorter timings than a real board's, same logic.
ASAN_OPTIONS=detect_leaks=0 /usr/bin/statebus-agent --broker "$BROKER" --system "$SYSTEM" \
    --node 1 --backend gpio --bmc-ready always --heartbeat-ms 0 \
    --gpio-force-off-press-ms 4000 --gpio-force-off-timeout-ms 8000 \
    --gpio-power-on-timeout-ms 8000 2>&1
say "agent exited rc=$?"
poweroff -f
