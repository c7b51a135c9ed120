#!/usr/bin/env bash
# Start the test schema registry (Karapace 3.15.2, Apache-2.0) on 127.0.0.1, next to a Kafka broker.
#   start.sh PORT KAFKA_BOOTSTRAP STATE_DIR   -> prints the registry URL; its PID is in STATE_DIR/registry.pid
# Builds its virtualenv first if needed (install.sh). Schemas are kept in the Kafka topic
# $REGISTRY_TOPIC (default _schemas). stop.sh STATE_DIR stops it.
set -euo pipefail
usage="usage: start.sh PORT KAFKA_BOOTSTRAP STATE_DIR"
port=${1:?$usage}; bootstrap=${2:?$usage}; state=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
cache=$("$here/install.sh")
py="$cache/venv/bin/python"
mkdir -p "$state/runtime"
if [ -f "$state/registry.pid" ] && kill -0 "$(cat "$state/registry.pid")" 2>/dev/null; then
  echo "schema registry: already running (pid $(cat "$state/registry.pid")); stop it with stop.sh $state" >&2
  exit 1
fi
cat >"$state/karapace.json" <<JSON
{
  "advertised_hostname": "127.0.0.1", "host": "127.0.0.1", "port": $port,
  "bootstrap_uri": "$bootstrap", "client_id": "iprx-test-registry", "group_id": "iprx-test-registry",
  "topic_name": "${REGISTRY_TOPIC:-_schemas}", "replication_factor": 1, "compatibility": "BACKWARD",
  "karapace_rest": false, "karapace_registry": true, "master_eligibility": true,
  "security_protocol": "PLAINTEXT", "log_level": "WARNING", "session_timeout_ms": 10000,
  "protobuf_runtime_directory": "$state/runtime"
}
JSON
nohup setsid "$cache/venv/bin/karapace" "$state/karapace.json" >"$state/registry.log" 2>&1 &
echo $! >"$state/registry.pid"
for _ in $(seq 1 120); do
  if "$py" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1).read()' \
       "http://127.0.0.1:$port/subjects" 2>/dev/null; then
    echo "http://127.0.0.1:$port"; exit 0
  fi
  kill -0 "$(cat "$state/registry.pid")" 2>/dev/null \
    || { tail -20 "$state/registry.log" >&2; echo "schema registry exited (log: $state/registry.log)" >&2; exit 1; }
  sleep 0.5
done
tail -20 "$state/registry.log" >&2; echo "schema registry did not answer in 60 s (log: $state/registry.log)" >&2
"$here/stop.sh" "$state"; exit 1
