#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Plays the board behind the gpio-sim lines (guest-init.sh starts it): watches the POWER_OUT
# level the agent drives (gpio-sim shows it in sysfs; nothing signals it, so it is sampled every
# 20 ms) and answers like a server's power sequencer:
#   a press while off   -> power good rises 100 ms into the press (at its end if it was seen
#                          only once), POST completes 300 ms later;
#   a press while on    -> power good drops 500 ms into the press (a forced off), or 300 ms
#                          after a short press ends (the OS shut down), POST_COMPLETE with it.
# Lines: 0 POWER_OUT (active low), 2 PS_PWROK (active high), 3 POST_COMPLETE (active low).
SYS=$1
say() { echo "guest: board: $*"; }
now_ms() {
    read up rest < /proc/uptime
    # "12.05": seconds and centiseconds; "1"-prefixed so "05" is not read as octal.
    echo $(( (${up%.*} * 100 + 1${up#*.} - 100) * 10 ))
}
# Said before done: the agent's reaction to the edge is logged after it.
power() {
    if [ "$1" = on ]; then
        say "power good up"
        echo pull-up > $SYS/sim_gpio2/pull
    else
        say "power good down"
        echo pull-down > $SYS/sim_gpio2/pull
        echo pull-up > $SYS/sim_gpio3/pull
    fi
    on=$1
}

on=off
pressed_at=
press_on=
post_at=
off_at=
while true; do
    t=$(now_ms)
    if [ "$(cat $SYS/sim_gpio0/value)" = 0 ]; then
        if [ -z "$pressed_at" ]; then
            pressed_at=$t
            press_on=$on
            say "power button pressed (power $on)"
        fi
        held=$((t - pressed_at))
        if [ $press_on = off ] && [ $on = off ] && [ $held -ge 100 ]; then
            power on
            post_at=$((t + 300))
        elif [ $press_on = on ] && [ $on = on ] && [ $held -ge 500 ]; then
            power off
        fi
    elif [ -n "$pressed_at" ]; then
        say "power button released after $((t - pressed_at)) ms"
        if [ $press_on = on ] && [ $on = on ]; then
            off_at=$((t + 300))
        elif [ $press_on = off ] && [ $on = off ]; then
            # A press this loop sampled only once (a slow TCG guest under load can take longer
            # than the 200 ms press between two samples): a press is a press.
            power on
            post_at=$((t + 300))
        fi
        pressed_at=
    fi
    if [ -n "$post_at" ] && [ $t -ge $post_at ] && [ $on = on ]; then
        say "POST complete"
        echo pull-down > $SYS/sim_gpio3/pull
        post_at=
    fi
    if [ -n "$off_at" ] && [ $t -ge $off_at ]; then
        [ $on = on ] && power off
        off_at=
    fi
    usleep 20000
done
