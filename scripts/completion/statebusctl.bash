# SPDX-License-Identifier: Apache-2.0
# bash completion for statebusctl (installed to share/bash-completion/completions/statebusctl).
_statebusctl() {
    local cur prev words cword
    _init_completion -s 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local commands="state status bmcstate chassisstate hoststate bootprogress osstate poweron
        poweroff chassison chassisoff chassiskill hostreboot bmcreboot cancel watch settings
        get-policy set-policy schedule"
    local options="--broker --system --node --json --wait -w --timeout --one-time --delay --clear
        --brief --cafile --cert --key --username --password-file --config --help --version"

    case $prev in
        --cafile | --cert | --key | --password-file | --config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --broker | --system | --node | --timeout | --delay | --username)
            return ;;
    esac

    # The command, if one was given already.
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --broker | --system | --node | --timeout | --delay | --cafile | --cert | --key | \
                --username | --password-file | --config)
                ((i++)) ;;
            -*) ;;
            *) command=${words[i]}; break ;;
        esac
    done

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    case $command in
        "") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        set-policy) COMPREPLY=($(compgen -W "AlwaysOn AlwaysOff Restore None" -- "$cur")) ;;
        schedule)
            # schedule TIME TRANSITION: offer the transitions once a time was given.
            [[ ${words[cword - 1]} != schedule ]] &&
                COMPREPLY=($(compgen -W "On Off Reboot" -- "$cur")) ;;
    esac
}
complete -F _statebusctl statebusctl
