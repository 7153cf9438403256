#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Certificates for a statebus system on the production broker (broker-config/statebus-prod.conf):
# a dedicated CA, the broker's server certificate, and one client certificate per identity, whose
# subject CN is the identity the broker's ACL (scripts/make-acl.sh) is written for.
#
#   scripts/make-certs.sh --dir DIR --nodes N [options]
#
#   --dir DIR          where the files go (created 0700): ca.{crt,key}, broker.{crt,key},
#                      <identity>.{crt,key}
#   --nodes N          client certificates node1..nodeN (1..16384), CN node/1..node/N
#   --operator NAME    an operator identity (writes requests and settings); repeatable,
#                      default "operator"
#   --observer NAME    a read-only identity (Grafana, the Redfish bridge); repeatable,
#                      default "observer"
#   --bridge NAME      a rack broker's bridge identity (make-acl.sh --bridge); repeatable
#   --broker-name DNS  a DNS name the broker is reached by, added to its certificate's
#                      subjectAltName; repeatable (localhost and 127.0.0.1 are always in it)
#   --broker-ip IP     an address the broker is reached by, likewise; repeatable
#   --days D           validity of the certificates it makes (default 825; the CA gets 10 years)
#
# Re-running it in the same DIR keeps the CA and every certificate that exists and adds the
# missing ones (a node added later gets a certificate of the same CA). Delete a file to remake
# it. Keys are EC P-256, unencrypted (daemons start unattended), mode 0600: give broker.key to
# the mosquitto user, each <identity>.key to the service that uses it.
#
# The coordinator's identity is always "coordinator". A node's is "node/<n>" (files
# node<n>.{crt,key}): the broker makes it the client id (use_username_as_clientid) and the ACL's
# patterns put it in the topic (statebus/<system>/node/<n>/...). Other identities are names the
# ACL matches exactly: letters, digits, '.', '_' and '-' only, none reused for two roles, and
# none of the contract's top-level topic names (system, node, event, reply), which a pattern
# would turn into a real topic.
set -euo pipefail

dir=
nodes=
operators=()
observers=()
bridges=()
broker_names=(localhost)
broker_ips=(127.0.0.1)
days=825

usage() {
    sed -n '6,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
die() {
    echo "make-certs: $*" >&2
    exit 2
}

while (($#)); do
    case "$1" in
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
    --operator) operators+=("${2:?--operator needs a value}"); shift 2 ;;
    --observer) observers+=("${2:?--observer needs a value}"); shift 2 ;;
    --bridge) bridges+=("${2:?--bridge needs a value}"); shift 2 ;;
    --broker-name) broker_names+=("${2:?--broker-name needs a value}"); shift 2 ;;
    --broker-ip) broker_ips+=("${2:?--broker-ip needs a value}"); shift 2 ;;
    --days) days=${2:?--days needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[[ -n "$dir" ]] || die "--dir DIR is required"
if ! [[ "$nodes" =~ ^[1-9][0-9]{0,4}$ ]] || ((nodes > 16384)); then
    die "--nodes: expected 1..16384, got '$nodes'"
fi
if ! [[ "$days" =~ ^[1-9][0-9]{0,4}$ ]] || ((days > 36500)); then
    die "--days: expected 1..36500, got '$days'"
fi
((${#operators[@]})) || operators=(operator)
((${#observers[@]})) || observers=(observer)

# An identity becomes a username the ACL names on a "user" line: no spaces, no wildcards, no '/'.
declare -A seen=()
for id in coordinator "${operators[@]}" "${observers[@]}" "${bridges[@]}"; do
    [[ "$id" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "identity '$id': expected [A-Za-z0-9._-]{1,64}"
    [[ ! "$id" =~ ^node[0-9]+$ ]] || die "identity '$id': node<n> names are the nodes' own"
    [[ ! "$id" =~ ^(system|node|event|reply)$ ]] || die "identity '$id': a topic name of the contract"
    [[ -z "${seen[$id]:-}" ]] || die "identity '$id' given twice"
    seen[$id]=1
done
for name in "${broker_names[@]}"; do
    [[ "$name" =~ ^[A-Za-z0-9.-]{1,253}$ ]] || die "--broker-name: not a DNS name: '$name'"
done
for ip in "${broker_ips[@]}"; do
    [[ "$ip" =~ ^[0-9A-Fa-f:.]{2,45}$ ]] || die "--broker-ip: not an address: '$ip'"
done

umask 077
mkdir -p "$dir"
chmod 0700 "$dir"
cd "$dir"

made=0
# new_key NAME: an EC P-256 key, 0600 (umask).
new_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
}

# sign NAME CN EXTENSIONS: a key and a certificate signed by our CA.
sign() {
    local name=$1 cn=$2 ext=$3
    if [[ -f "$name.crt" && -f "$name.key" ]]; then
        return
    fi
    new_key "$name"
    # -subj separates fields with '/': a '/' inside the CN (node/<n>) is escaped.
    openssl req -new -key "$name.key" -subj "/CN=${cn//\//\\/}" -out "$name.csr" 2>/dev/null
    printf '%s\n' "$ext" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -days "$days" -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
    chmod 0644 "$name.crt"
    made=$((made + 1))
}

if [[ ! -f ca.crt || ! -f ca.key ]]; then
    new_key ca
    # A CA for this system alone: mosquitto accepts any client certificate it signed.
    openssl req -new -x509 -key ca.key -subj "/CN=statebus CA $(date -u +%Y%m%d%H%M%S)" \
        -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out ca.crt 2>/dev/null
    chmod 0644 ca.crt
    made=$((made + 1))
fi

san=
for name in "${broker_names[@]}"; do san+="${san:+,}DNS:$name"; done
for ip in "${broker_ips[@]}"; do san+="${san:+,}IP:$ip"; done
sign broker broker "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"

client_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign coordinator coordinator "$client_ext"
for id in "${operators[@]}" "${observers[@]}" "${bridges[@]}"; do
    sign "$id" "$id" "$client_ext"
done
# Node certificates of an older make-certs.sh say CN=node<n>: the ACL no longer knows that name.
if [[ -f node1.crt ]] && ! openssl x509 -in node1.crt -noout -subject -nameopt RFC2253 |
    grep -qx 'subject=CN=node/1'; then
    die "node1.crt has $(openssl x509 -in node1.crt -noout -subject -nameopt RFC2253) (made" \
        "before identities were bound to client ids): delete node*.crt node*.key and re-run"
fi
for ((n = 1; n <= nodes; n++)); do
    sign "node$n" "node/$n" "$client_ext"
done

echo "make-certs: $made new file pair(s) in $(pwd)"
