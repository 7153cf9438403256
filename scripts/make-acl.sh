#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The mosquitto ACL of one statebus system (broker-config/statebus-prod.conf, acl_file): least
# privilege per identity, where an identity is a client certificate's CN (scripts/make-certs.sh).
#
#   scripts/make-acl.sh --system ID --nodes N [--operator NAME]... [--observer NAME]...
#                       [--bridge NAME=FIRST-LAST]... [--node-acl patterns|blocks]
#                       [--format mosquitto|ejabberd] [--out FILE]
#
#   --system ID        the system id, [A-Za-z0-9_-]{1,64} (topics live under statebus/ID)
#   --nodes N          nodes 1..N (1..16384)
#   --operator NAME    an operator identity; repeatable, default "operator"
#   --observer NAME    a read-only identity; repeatable, default "observer"
#   --bridge NAME=FIRST-LAST
#                      a rack broker's bridge (broker-config/statebus-bridge-rack.conf) that
#                      carries nodes FIRST..LAST to this broker; repeatable
#   --node-acl patterns|blocks
#                      how the nodes' rights are written: "patterns" (default) as mosquitto
#                      patterns on the identity node/<n>, plus one line per node (its event
#                      right), which loads in well under a second at 16,384 nodes; "blocks" as
#                      one full block per node: seconds to load at 16,384 nodes, but a node
#                      left out of --nodes loses every right (with patterns, revoke its
#                      certificate with the broker's crlfile instead)
#   --format F         mosquitto (default): an acl_file; ejabberd: the acl and mod_mqtt section
#                      that broker-config/ejabberd/statebus.yml includes (user names
#                      <identity>@statebus; the same rules, bridges excepted)
#   --out FILE         write there (atomically) instead of stdout
#
# Who may do what (<root> = statebus/ID):
#   node/<n>      writes <root>/node/<n>/{status,bmc,chassis,host,boot-progress,heartbeat} and
#                 <root>/event; reads <root>/node/<n>/set/+, <root>/system/rebirth and
#                 <root>/system/status. Nothing of another node.
#   coordinator   reads <root>/#; writes the system/ topics it owns (status, rebirth, summary,
#                 the rollups, requests, power-restore, settings/<name>), node/+/set/+, event
#                 and reply/#. Not system/set/+ nor settings/+/set: those are the operators'.
#   operators     read <root>/# and $SYS/#; write <root>/system/set/+,
#                 <root>/system/settings/+/set and <root>/reply/+.
#   observers     read <root>/# and $SYS/#; write nothing of the system but <root>/reply/+.
#                 (reply/+: statebusctl takes a fresh client id per run and reads its answers
#                 on reply/<that id>; the production broker renames the client to its identity
#                 without telling it, so the reply/%c pattern below no longer names its topic.)
#   bridges       what their nodes may write and read (the nodes' own identities then live in
#                 the rack broker's ACL), and their connection state notification.
#   every client  writes <root>/reply/<its own client id>: statebusctl's answers and its sync
#                 marker arrive there (a pattern: mosquitto substitutes %c per client). With
#                 statebus-prod.conf the client id is the identity (use_username_as_clientid).
#                 And <root>/system/sync (asks the coordinator to republish its topics).
# Anything not listed is denied; mosquitto checks a Last Will against the same rules when it
# fires, and serves a retained message only while its publisher may still write it
# (check_retain_source).
set -euo pipefail

system=
nodes=
operators=()
observers=()
bridges=()
node_acl=patterns
out=
format=mosquitto

usage() {
    sed -n '6,51p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
die() {
    echo "make-acl: $*" >&2
    exit 2
}

while (($#)); do
    case "$1" in
    --system) system=${2:?--system needs a value}; shift 2 ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
    --operator) operators+=("${2:?--operator needs a value}"); shift 2 ;;
    --observer) observers+=("${2:?--observer needs a value}"); shift 2 ;;
    --bridge) bridges+=("${2:?--bridge needs a value}"); shift 2 ;;
    --node-acl) node_acl=${2:?--node-acl needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --format) format=${2:?--format needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[[ "$system" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "--system: expected [A-Za-z0-9_-]{1,64}, got '$system'"
if ! [[ "$nodes" =~ ^[1-9][0-9]{0,4}$ ]] || ((nodes > 16384)); then
    die "--nodes: expected 1..16384, got '$nodes'"
fi
[[ "$node_acl" =~ ^(patterns|blocks)$ ]] || die "--node-acl: expected patterns or blocks, got '$node_acl'"
((${#operators[@]})) || operators=(operator)
((${#observers[@]})) || observers=(observer)
declare -A seen=()
bridge_ids=()
for b in "${bridges[@]}"; do
    [[ "$b" =~ ^([^=]+)=([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$ ]] ||
        die "--bridge: expected NAME=FIRST-LAST, got '$b'"
    first=${BASH_REMATCH[2]} last=${BASH_REMATCH[3]}
    ((first <= last && last <= nodes)) || die "--bridge '$b': nodes must be within 1..$nodes"
    bridge_ids+=("${BASH_REMATCH[1]}")
done
for id in coordinator "${operators[@]}" "${observers[@]}" "${bridge_ids[@]}"; do
    [[ "$id" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "identity '$id': expected [A-Za-z0-9._-]{1,64}"
    [[ ! "$id" =~ ^node[0-9]+$ ]] || die "identity '$id': node<n> names are the nodes' own"
    # The node patterns below put an identity into a topic: these would become real ones.
    [[ ! "$id" =~ ^(system|node|event|reply)$ ]] || die "identity '$id': a topic name of the contract"
    [[ -z "${seen[$id]:-}" ]] || die "identity '$id' given twice"
    seen[$id]=1
done

[[ "$format" == mosquitto || "$format" == ejabberd ]] ||
    die "--format: expected mosquitto or ejabberd, got '$format'"
[[ "$format" == mosquitto || ${#bridges[@]} -eq 0 ]] ||
    die "--bridge: rack bridges are mosquitto's (no bridge identities for ejabberd)"

root="statebus/$system"

acl() {
    cat <<EOF
# statebus ACL for system '$system', nodes 1..$nodes: generated by scripts/make-acl.sh, do not
# edit by hand (re-run it). Usernames are client certificate CNs (use_identity_as_username).

# Every client's own answer topic (statebusctl subscribes there and round-trips a sync marker).
pattern write $root/reply/%c
# Any client may ask the coordinator to republish its retained topics (system/sync, rate-limited
# by the coordinator): the clients of a broker whose retained store lacks them.
pattern write $root/system/sync
# A bridge's connection state (mosquitto's "notifications"), under its own client id only.
pattern write \$SYS/broker/connection/%c/state
EOF
    if [[ $node_acl == patterns ]]; then
        cat <<EOF

# Nodes: the identity node/<n> (certificate CN; also the client id under statebus-prod.conf)
# writes its own node/<n>/ state and reads its commands. Patterns, not a block per node:
# mosquitto 2.0 looks the user up in a list for every ACL line, so 16,384 blocks take seconds
# to load; patterns take no time. They apply to every identity: for the others they name topics
# outside the contract ($root/operator/status), which nothing reads.
pattern write $root/%u/status
pattern write $root/%u/bmc
pattern write $root/%u/chassis
pattern write $root/%u/host
pattern write $root/%u/boot-progress
pattern write $root/%u/heartbeat
pattern read $root/%u/set/+
# What every node reads (every other identity reads it anyway, or its block grants it). mosquitto
# warns at load that these two patterns contain neither %c nor %u: meant, harmless.
pattern read $root/system/rebirth
pattern read $root/system/status
EOF
    fi
    cat <<EOF

user coordinator
topic read $root/#
topic write $root/system/status
topic write $root/system/rebirth
topic write $root/system/summary
topic write $root/system/bmc
topic write $root/system/chassis
topic write $root/system/host
topic write $root/system/boot-progress
topic write $root/system/hypervisor
topic write $root/system/requests
topic write $root/system/power-restore
topic write $root/system/settings/+
topic write $root/node/+/set/+
topic write $root/event
topic write $root/reply/#
EOF
    for id in "${operators[@]}"; do
        cat <<EOF

user $id
topic read $root/#
topic read \$SYS/#
topic write $root/system/set/+
topic write $root/system/settings/+/set
topic write $root/reply/+
EOF
    done
    for id in "${observers[@]}"; do
        cat <<EOF

user $id
topic read $root/#
topic read \$SYS/#
topic write $root/reply/+
EOF
    done
    local n b
    if [[ $node_acl == patterns ]]; then
        # The one right of a node a pattern cannot give: event (a fixed topic, not every
        # identity's to write).
        for ((n = 1; n <= nodes; n++)); do
            printf '\nuser node/%s\ntopic write %s\n' "$n" "$root/event"
        done
    else
        for ((n = 1; n <= nodes; n++)); do
            printf '\nuser node/%s\n' "$n"
            node_rules "$n" "$n"
        done
    fi
    for b in "${bridges[@]}"; do
        [[ "$b" =~ ^([^=]+)=([0-9]+)-([0-9]+)$ ]]
        printf '\nuser %s\n' "${BASH_REMATCH[1]}"
        node_rules "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    done
}

# node_rules FIRST LAST: what nodes FIRST..LAST may write and read.
node_rules() {
    local n
    for ((n = $1; n <= $2; n++)); do
        printf 'topic write %s\n' "$root/node/$n/"{status,bmc,chassis,host,boot-progress,heartbeat}
        printf 'topic read %s\n' "$root/node/$n/set/+"
    done
    printf 'topic write %s\n' "$root/event"
    printf 'topic read %s\n' "$root/system/rebirth" "$root/system/status"
}

# ejabberd's mod_mqtt (23.01): a publish or subscribe is allowed when any topic filter below
# matches it and that filter's access rule allows the user; with any rule present everything
# else is denied. Users are <identity>@statebus (the host of broker-config/ejabberd/statebus.yml).
acl_ejabberd() {
    local n id t
    cat <<EOF
# statebus access rules for ejabberd (mod_mqtt), system '$system', nodes 1..$nodes: generated by
# scripts/make-acl.sh --format ejabberd, do not edit by hand (re-run it, then
# ejabberdctl reload_config). Included by broker-config/ejabberd/statebus.yml.
acl:
  coordinator:
    user: "coordinator@statebus"
  operators:
    user:
EOF
    for id in "${operators[@]}"; do printf '      - "%s@statebus"\n' "$id"; done
    printf '  observers:\n    user:\n'
    for id in "${observers[@]}"; do printf '      - "%s@statebus"\n' "$id"; done
    printf '  nodes:\n    user:\n'
    for ((n = 1; n <= nodes; n++)); do printf '      - "node%s@statebus"\n' "$n"; done
    for ((n = 1; n <= nodes; n++)); do
        printf '  node%s:\n    user: "node%s@statebus"\n' "$n" "$n"
    done
    cat <<EOF
modules:
  mod_mqtt:
    # The coordinator's snapshot of every node (6 retained topics each) in one subscribe: the
    # default 1000 cuts it silently above ~160 nodes.
    match_retained_limit: infinity
    # A session's queue holds a 10,000-node snapshot (60,000 messages); full = disconnected.
    max_queue: 200000
    access_publish:
      "$root/reply/%c": [{allow: all}]
      "$root/system/sync": [{allow: all}]
      "$root/system/set/+": [{allow: operators}]
      "$root/system/settings/+/set": [{allow: operators}]
      "$root/event": [{allow: coordinator}, {allow: nodes}]
EOF
    for t in status rebirth summary bmc chassis host boot-progress hypervisor requests \
        power-restore "settings/+"; do
        printf '      "%s": [{allow: coordinator}]\n' "$root/system/$t"
    done
    printf '      "%s": [{allow: coordinator}]\n' "$root/node/+/set/+" "$root/reply/#"
    for ((n = 1; n <= nodes; n++)); do
        for t in status bmc chassis host boot-progress heartbeat; do
            printf '      "%s": [{allow: node%s}]\n' "$root/node/$n/$t" "$n"
        done
    done
    cat <<EOF
    access_subscribe:
      "$root/#": [{allow: coordinator}, {allow: operators}, {allow: observers}]
      "$root/reply/%c": [{allow: all}]
      "$root/system/rebirth": [{allow: nodes}]
      "$root/system/status": [{allow: nodes}]
EOF
    for ((n = 1; n <= nodes; n++)); do
        printf '      "%s": [{allow: node%s}]\n' "$root/node/$n/set/+" "$n"
    done
}

emit() {
    if [[ "$format" == ejabberd ]]; then acl_ejabberd; else acl; fi
}

if [[ -z "$out" ]]; then
    emit
    exit 0
fi
# Atomically: a broker reloading (SIGHUP) mid-write would otherwise read half an ACL.
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
emit >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "make-acl: wrote $out (system '$system', $nodes node(s), operators: ${operators[*]}," \
    "observers: ${observers[*]}${bridges:+, bridges: ${bridges[*]}})"
