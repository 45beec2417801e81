#!/usr/bin/env bash
# The action's main step: run the orgstate command the inputs name, in the working
# directory, and set the step's outputs (docs/gitops.md describes them).
#
# The output exit-code is orgstate's: 0 nothing to do, 2 changes (plan) or drift
# (drift), 1 an error, also when the command went well but posting its comment or issue
# or writing its outputs failed. The step fails (exit 1) on an error only: changes and
# drift are what a plan and a drift report are for, and the outputs say so.
set -euo pipefail

fail() {
    echo "$1" >&2
    output exit-code 1
    exit 1
}

# NAME VALUE: a step output, in the delimited form that holds any value (as @actions/core writes it).
output() {
    local delimiter
    delimiter="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
}

# The step's exit code so far: the first error stays; otherwise the highest code (2 over 0).
status=0
record() {
    if [[ $status != 0 && $status != 2 ]]; then return; fi
    if [[ $1 != 0 && $1 != 2 ]] || (($1 > status)); then status=$1; fi
}

# Run orgstate and record its exit code; the script goes on either way.
orgstate_() {
    local code=0
    orgstate "$@" || code=$?
    record "$code"
}

on_pull_request() {
    [[ $GITHUB_EVENT_NAME == pull_request || $GITHUB_EVENT_NAME == pull_request_target ]]
}

case $INPUT_COMMENT in
    update | off) ;;
    *) fail "The input comment must be update or off." ;;
esac
read -ra config <<<"$INPUT_CONFIG"
files=()
for path in "${config[@]}"; do files+=(-f "$path"); done
# Set here only when given, so that a job's own ORGSTATE_BACKEND and ORGSTATE_STATE hold otherwise.
if [[ -n $INPUT_BACKEND ]]; then export ORGSTATE_BACKEND=$INPUT_BACKEND; fi
if [[ -n $INPUT_STATE ]]; then export ORGSTATE_STATE=$INPUT_STATE; fi

validate() {
    orgstate_ validate "${files[@]}" --format github
}

plan() {
    [[ -n $INPUT_PLAN_FILE ]] || fail "plan needs the input plan-file: where to save the plan."
    rm -f -- "$INPUT_PLAN_FILE" # so that a plan file found below is this run's
    orgstate_ plan "${files[@]}" --format github --detailed-exitcode --out "$INPUT_PLAN_FILE"
    # No plan file: the configuration has errors, shown in the log and as annotations.
    [[ -f $INPUT_PLAN_FILE ]] || return 0
    output plan-file "$INPUT_PLAN_FILE"
    orgstate_ github outputs --plan "$INPUT_PLAN_FILE"
    if [[ $INPUT_COMMENT == update ]] && on_pull_request; then
        orgstate_ github comment --plan "$INPUT_PLAN_FILE" "${files[@]}" --author "$INPUT_COMMENT_AUTHOR"
    fi
}

apply() {
    local reviewed=$INPUT_REVIEWED_CHANGES code=0
    if [[ -n $INPUT_PLAN_FILE && -f $INPUT_PLAN_FILE ]]; then
        echo "Applying the saved plan $INPUT_PLAN_FILE."
        output plan-file "$INPUT_PLAN_FILE"
        orgstate_ apply "$INPUT_PLAN_FILE" --auto-approve ${reviewed:+--reviewed-changes "$reviewed"}
        return 0
    fi
    if [[ -z $reviewed ]]; then
        reviewed=$(orgstate github reviewed-digest "${files[@]}" --author "$INPUT_COMMENT_AUTHOR") || code=$?
        record "$code"
        ((code == 0)) || return 0
    fi
    echo "Planning again; applying only if the changes are the reviewed ones ($reviewed)."
    orgstate_ apply "${files[@]}" --auto-approve --reviewed-changes "$reviewed"
}

drift() {
    if [[ $INPUT_COMMENT == update ]]; then
        orgstate_ github drift-issue "${files[@]}" --author "$INPUT_COMMENT_AUTHOR"
    else
        orgstate_ drift "${files[@]}"
    fi
    case $status in
        0) output has-changes false ;;
        2) output has-changes true ;;
    esac
}

case $INPUT_COMMAND in
    validate | plan | apply | drift) "$INPUT_COMMAND" ;;
    *) fail "The input command must be validate, plan, apply or drift." ;;
esac
output exit-code "$status"
[[ $status == 0 || $status == 2 ]] || exit 1
