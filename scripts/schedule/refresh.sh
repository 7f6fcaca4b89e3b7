#!/usr/bin/env bash
# A scheduled corpus refresh on one machine: `lmforge corpus --root ROOT --refresh`, kept to one
# at a time by flock (the refresh's own lease on ROOT also refuses a second one, on any machine;
# flock just makes an overlapping cron start wait-free and quiet). Logs go to ROOT/logs/.
#
# Usage:  scripts/schedule/refresh.sh CONFIG ROOT [more lmforge corpus options]
# Cron (daily at 03:17, from the repository checkout):
#   17 3 * * *  cd /opt/lmforge && scripts/schedule/refresh.sh conf/sample.conf /data/corpus >/dev/null 2>&1
# Environment: LMFORGE (default: bin/lmforge of this checkout), LOCK (default: /tmp/lmforge-refresh.lock).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONFIG="${1:?usage: refresh.sh CONFIG ROOT [options]}"
ROOT_DIR="${2:?usage: refresh.sh CONFIG ROOT [options]}"
shift 2
LMFORGE="${LMFORGE:-$HERE/bin/lmforge}"
LOCK="${LOCK:-/tmp/lmforge-refresh.lock}"
mkdir -p "$ROOT_DIR/logs"
log="$ROOT_DIR/logs/refresh-$(date -u +%Y%m%dT%H%M%SZ).log"
# -n: if the previous refresh still runs, this one exits at once (status 75, EX_TEMPFAIL).
exec 9>"$LOCK"
if ! flock -n 9; then
  echo "lmforge refresh: another refresh holds $LOCK; skipping this one" | tee -a "$log" >&2
  exit 75
fi
status=0
"$LMFORGE" corpus --config "$CONFIG" --root "$ROOT_DIR" --refresh "$@" >>"$log" 2>&1 || status=$?
echo "lmforge refresh: exit $status, log $log"
exit $status
