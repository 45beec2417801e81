#!/usr/bin/env bash
# The action's first step: install orgstate from the action's own checkout, with the
# versions constraints.txt locks, into a virtual environment of its own in RUNNER_TEMP,
# and put its bin directory on PATH for the next steps. INPUT_INSTALL=false skips it
# (the job provides orgstate on PATH itself).
set -euo pipefail

case "$INPUT_INSTALL" in
    false) echo "install: false: using $(command -v orgstate || echo 'orgstate (not on PATH)')"; exit 0 ;;
    true) ;;
    *) echo "The input install must be true or false." >&2; exit 1 ;;
esac

venv="$RUNNER_TEMP/orgstate-venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$GITHUB_ACTION_PATH/constraints.txt" "$GITHUB_ACTION_PATH"
echo "$venv/bin" >> "$GITHUB_PATH"
"$venv/bin/orgstate" --version
