#!/usr/bin/env bash
# Run an install or build step with its output in a log file: one line when it starts,
# the log's tail only when it fails. Keeps `make lab` and `make test` readable.
#   scripts/quietly.sh "what" LOGFILE command [args...]
set -uo pipefail
what=$1 log=$2
shift 2
mkdir -p "$(dirname "$log")"
printf '%s (log: %s)\n' "$what" "$log"
"$@" >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    echo "failed: $what — the last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit "$status"
fi
