#!/usr/bin/env bash
# Stop the schema registry that start.sh started, by the PID in STATE_DIR/registry.pid.
state=${1:?usage: stop.sh STATE_DIR}
[ -f "$state/registry.pid" ] || exit 0
pid=$(cat "$state/registry.pid")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null
fi
rm -f "$state/registry.pid"
exit 0
