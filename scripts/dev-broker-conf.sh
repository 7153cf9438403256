# SPDX-License-Identifier: Apache-2.0
# Sourced by scripts/demo.sh and scripts/bench.sh: a mosquitto config derived from
# broker-config/statebus-dev.conf for one run.
#
#   dev_broker_conf ROOT BROKER_DIR PORT OUT [MAX_QUEUED_MESSAGES]
#
# writes OUT: the dev config listening on 127.0.0.1:PORT, persisting into BROKER_DIR/ and
# logging to BROKER_DIR/mosquitto.log (and, when given, another max_queued_messages). Every
# substitution must apply: a changed dev config fails here with a line saying which, not later in
# a confusing run. Returns 1 then.
dev_broker_conf() {
    local root=$1 dir=$2 port=$3 out=$4 queued=${5:-} line
    local -a want=("listener $port 127.0.0.1" "persistence_location $dir/"
        "log_dest file $dir/mosquitto.log")
    local -a subst=(-e "s|^listener 1883 127\.0\.0\.1\$|listener $port 127.0.0.1|"
        -e "s|^persistence_location .*|persistence_location $dir/|"
        -e "s|^log_dest stderr\$|log_dest file $dir/mosquitto.log|")

    if [[ -n "$queued" ]]; then
        subst+=(-e "s|^max_queued_messages .*|max_queued_messages $queued|")
        want+=("max_queued_messages $queued")
    fi
    sed "${subst[@]}" "$root/broker-config/statebus-dev.conf" >"$out" || return 1
    for line in "${want[@]}"; do
        if ! grep -qxF "$line" "$out"; then
            echo "broker-config/statebus-dev.conf no longer has the line for '$line'" >&2
            return 1
        fi
    done
}
