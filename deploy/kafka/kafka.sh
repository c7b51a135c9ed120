#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x (KRaft, combined broker+controller) for
# ipr-exchange development and tests -- no Docker, no Apache tarball.
#
# The Kafka jars come from Maven Central through `mvn` (see pom.xml next to
# this script, which pins the version) and are cached outside the repo. Maven
# only reads that pom (its build dir is under java.io.tmpdir), so the script
# also runs from a read-only installed copy.
#
# Usage: deploy/kafka/kafka.sh {up|down|status|reset|fetch|help}
# See deploy/kafka/README.md for the environment variables.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/log4j2.yaml"

KAFKA_VERSION="$(sed -n 's:.*<kafka\.version>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</kafka\.version>.*:\1:p' "$POM" | head -n 1)"
if [[ -z "$KAFKA_VERSION" ]]; then
  echo "error: could not read <kafka.version> from $POM" >&2
  exit 2
fi

CACHE_DIR="${IPRX_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iprx/kafka-$KAFKA_VERSION}"
LIBS_DIR="$CACHE_DIR/libs"
FETCH_MARKER="$CACHE_DIR/.fetch-complete"

# An installed copy (site-packages/iprx/deploy/kafka) has no repository around it to keep data in:
# there the caller (`iprx kafka up`) names the data dir.
if [[ -n "${IPRX_KAFKA_DATA:-}" ]]; then
  DATA_DIR="$IPRX_KAFKA_DATA"
elif [[ -f "$REPO_ROOT/pyproject.toml" ]]; then
  DATA_DIR="$REPO_ROOT/.iprx/kafka"
else
  case "${1:-}" in
    fetch | help | -h | --help | "") DATA_DIR="<IPRX_KAFKA_DATA>" ;;
    *)
      echo "error: IPRX_KAFKA_DATA must name the data dir when kafka.sh runs outside a source checkout ($SCRIPT_DIR); 'iprx kafka $1' sets it" >&2
      exit 2
      ;;
  esac
fi
case "$DATA_DIR" in /* | "<IPRX_KAFKA_DATA>") ;; *) DATA_DIR="$PWD/$DATA_DIR" ;; esac

PORT="${IPRX_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${IPRX_KAFKA_CONTROLLER_PORT:-9093}"
START_TIMEOUT="${IPRX_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${IPRX_KAFKA_STOP_TIMEOUT:-30}"
HOST="127.0.0.1"
# Set by `iprx kafka up --secure`: a directory with the TLS, SCRAM and authorizer settings to add.
SECURE_DIR="${IPRX_KAFKA_SECURE_DIR:-}"

CONF="$DATA_DIR/server.properties"
PID_FILE="$DATA_DIR/kafka.pid"
STATE_FILE="$DATA_DIR/kafka.state"
CLUSTER_ID_FILE="$DATA_DIR/cluster.id"
LOG_DIRS="$DATA_DIR/kraft-combined-logs"
LOG_DIR="$DATA_DIR/log"
OUT_LOG="$LOG_DIR/kafka.out"
SERVER_LOG="$LOG_DIR/server.log"
ADMIN_CONF="$DATA_DIR/healthcheck-admin.properties"

KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
# Short-lived admin tools (format, health check): small heap, fast startup.
TOOL_JVM_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$SCRIPT_DIR/tools-log4j2.yaml")

JAVA="java"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  JAVA="${JAVA_HOME}/bin/java"
fi

# ---------------------------------------------------------------- helpers

die() { # die EXIT_CODE MESSAGE...
  local code="$1"
  shift
  echo "$*" >&2
  exit "$code"
}

validate_port() { # validate_port NAME VALUE
  [[ "$2" =~ ^[0-9]+$ ]] && (("$2" > 0 && "$2" < 65536)) ||
    die 2 "error: $1 must be a TCP port number (got '$2')"
}

need_java() {
  command -v "$JAVA" >/dev/null 2>&1 ||
    die 2 "error: Java 17+ is required to run the local Kafka broker (install a JDK, e.g. apt-get install openjdk-17-jre-headless)"
  local ver major
  ver="$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)"
  if [[ "$ver" == 1.* ]]; then
    major="$(echo "$ver" | cut -d. -f2)"
  else
    major="$(echo "$ver" | sed 's/[^0-9].*//')"
  fi
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 17)) ||
    die 2 "error: Java 17+ is required to run the local Kafka broker, found '${ver:-unknown}' (install a JDK, e.g. apt-get install openjdk-17-jre-headless)"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 ||
    die 2 "error: Maven is required to fetch the Kafka jars from Maven Central (install it, e.g. apt-get install maven)"
}

# Command line of a live, non-zombie process, or nothing.
proc_cmdline() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [[ -n "$stat" && "$stat" != Z* ]] || return 1
  ps -ww -o args= -p "$pid" 2>/dev/null
}

# True if PID is alive and is the broker started with THIS data dir's config
# (guards against a stale PID file whose PID was reused by something else).
is_our_broker() {
  local args
  args="$(proc_cmdline "$1")" || return 1
  [[ "$args" == *"kafka.Kafka $CONF"* ]]
}

# Prints the PID of our running broker; fails if none.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] && is_our_broker "$pid" || return 1
  echo "$pid"
}

state_get() { # state_get KEY
  [[ -f "$STATE_FILE" ]] && sed -n "s/^$1=//p" "$STATE_FILE" | head -n 1
}

port_open() { # port_open PORT -> true if something accepts TCP on HOST:PORT
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# Any process (live, not zombie) still running with our config file. Read-only:
# it only reports, nothing is ever stopped by pattern. The pattern goes to awk
# through the environment so that awk's own command line does not match it.
leftover_pids() {
  ps -e -ww -o pid=,stat=,args= 2>/dev/null |
    IPRX_KAFKA_MATCH="kafka.Kafka $CONF" awk 'index($0, ENVIRON["IPRX_KAFKA_MATCH"]) && $2 !~ /^Z/ {print $1}' || true
}

file_size() { # bytes, 0 if missing
  if [[ -f "$1" ]]; then wc -c <"$1" | tr -d ' '; else echo 0; fi
}

# Last 30 lines each log got since this start (offsets saved by cmd_up).
SERVER_LOG_START=0
OUT_LOG_START=0
show_logs() {
  local f start size
  for f in "$SERVER_LOG" "$OUT_LOG"; do
    start="$OUT_LOG_START"
    [[ "$f" == "$SERVER_LOG" ]] && start="$SERVER_LOG_START"
    size="$(file_size "$f")"
    ((size >= start)) || start=0 # rolled over meanwhile
    if ((size > start)); then
      echo "----- last 30 lines of $f -----" >&2
      tail -c "+$((start + 1))" "$f" | tail -n 30 >&2
    fi
  done
}

with_lock() {
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.kafka.sh.lock"
  if ! flock -w 120 9; then
    die 1 "error: another kafka.sh is working on $DATA_DIR (lock held for 120 s)"
  fi
}

# ---------------------------------------------------------------- fetch

is_fetched() {
  [[ -f "$FETCH_MARKER" && -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] &&
    grep -qx "version=$KAFKA_VERSION" "$FETCH_MARKER"
}

cmd_fetch() {
  local quiet="${1:-}"
  if is_fetched; then
    [[ -n "$quiet" ]] || echo "Apache Kafka $KAFKA_VERSION jars already cached in $LIBS_DIR"
    return 0
  fi
  need_java
  need_mvn
  mkdir -p "$CACHE_DIR"
  local partial="$CACHE_DIR/libs.partial" mvn_log="$CACHE_DIR/fetch.log" t0=$SECONDS
  echo "fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only) ..."
  echo "  jars -> $LIBS_DIR (maven log: $mvn_log)"
  rm -f "$FETCH_MARKER"
  rm -rf "$partial" "$LIBS_DIR"
  # -C: fail on checksum mismatch instead of warning.
  if ! mvn -q -B -C -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$partial" >"$mvn_log" 2>&1; then
    echo "error: mvn could not fetch Apache Kafka $KAFKA_VERSION; last lines of $mvn_log:" >&2
    tail -n 20 "$mvn_log" >&2
    exit 1
  fi
  if [[ ! -f "$partial/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    die 1 "error: mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing from $partial"
  fi
  mv "$partial" "$LIBS_DIR"
  local n
  n="$(find "$LIBS_DIR" -maxdepth 1 -name '*.jar' | wc -l | tr -d ' ')"
  {
    echo "version=$KAFKA_VERSION"
    echo "jars=$n"
    echo "fetched_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$FETCH_MARKER.tmp"
  mv "$FETCH_MARKER.tmp" "$FETCH_MARKER"
  echo "fetched $n jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- up

write_config() {
  mkdir -p "$LOG_DIRS" "$LOG_DIR"
  cat >"$CONF.tmp" <<EOF
# Generated by deploy/kafka/kafka.sh on each 'up'; edits are overwritten.
# Single-node KRaft: this process is both broker and (the only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER

listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$LOG_DIRS
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false

# Internal topics: one replica on a one-node cluster.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1

# Consumer groups start at once instead of after 3 s.
group.initial.rebalance.delay.ms=0

# Sized for a 2-core dev machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
  # --secure: `iprx kafka up --secure` wrote the TLS, SCRAM and authorizer settings; later keys win.
  if [[ -n "$SECURE_DIR" ]]; then cat "$SECURE_DIR/server.properties" >>"$CONF.tmp"; fi
  mv "$CONF.tmp" "$CONF"
  cat >"$ADMIN_CONF" <<EOF
# Admin client settings for kafka.sh's health check (fail fast, retry in the script).
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
  if [[ -n "$SECURE_DIR" ]]; then cat "$SECURE_DIR/admin.properties" >>"$ADMIN_CONF"; fi
}

run_tool() { # run_tool MAIN_CLASS ARGS...
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$LIBS_DIR/*" "$@"
}

format_storage_if_needed() {
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then
    if [[ -n "$SECURE_DIR" && ! -f "$DATA_DIR/secure.formatted" ]]; then
      die 2 "error: the storage in $LOG_DIRS was formatted without --secure (no SCRAM users); run 'iprx kafka reset' first"
    fi
    return 0
  fi
  local scram=()
  if [[ -n "$SECURE_DIR" ]]; then
    local user
    while IFS= read -r user; do [[ -n "$user" ]] && scram+=(--add-scram "$user"); done <"$SECURE_DIR/scram-users"
  fi
  local cid
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cid="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    cid="$(run_tool kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/format.log" | tr -d '[:space:]')"
    [[ -n "$cid" ]] || { tail -n 20 "$LOG_DIR/format.log" >&2; die 1 "error: could not generate a KRaft cluster id"; }
    echo "$cid" >"$CLUSTER_ID_FILE"
  fi
  echo "formatting KRaft storage in $LOG_DIRS (cluster id $cid) ..."
  if ! run_tool kafka.tools.StorageTool format --cluster-id "$cid" --config "$CONF" ${scram[@]+"${scram[@]}"} \
    >>"$LOG_DIR/format.log" 2>&1; then
    echo "error: formatting KRaft storage failed; last lines of $LOG_DIR/format.log:" >&2
    tail -n 20 "$LOG_DIR/format.log" >&2
    exit 1
  fi
  if [[ -n "$SECURE_DIR" ]]; then touch "$DATA_DIR/secure.formatted"; fi
}

# A real client round trip: Admin describeCluster via Kafka's own ClusterTool,
# and the cluster id it returns must be ours.
health_check() {
  local out cid
  out="$(timeout 30 "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$LIBS_DIR/*" org.apache.kafka.tools.ClusterTool \
    cluster-id --bootstrap-server "$HOST:$PORT" --command-config "$ADMIN_CONF" 2>>"$LOG_DIR/healthcheck.log")" || return 1
  cid="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  [[ "$out" == *"Cluster ID: $cid"* ]]
}

# Stop PID: SIGTERM, wait, then SIGKILL. Only ever by PID.
stop_pid() {
  local pid="$1" waited=0 limit=$((STOP_TIMEOUT * 2))
  kill -TERM "$pid" 2>/dev/null || true
  while is_our_broker "$pid" && ((waited < limit)); do
    sleep 0.5
    waited=$((waited + 1))
    ((waited % 4 == 0)) && printf '.'
  done
  if is_our_broker "$pid"; then
    echo
    echo "Kafka (pid $pid) did not stop within ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while is_our_broker "$pid" && ((waited < 20)); do
      sleep 0.5
      waited=$((waited + 1))
    done
  fi
  ! is_our_broker "$pid"
}

cmd_up() {
  validate_port IPRX_KAFKA_PORT "$PORT"
  validate_port IPRX_KAFKA_CONTROLLER_PORT "$CONTROLLER_PORT"
  [[ "$PORT" != "$CONTROLLER_PORT" ]] ||
    die 2 "error: IPRX_KAFKA_PORT and IPRX_KAFKA_CONTROLLER_PORT must differ (both $PORT)"
  [[ "$START_TIMEOUT" =~ ^[0-9]+$ ]] || die 2 "error: IPRX_KAFKA_START_TIMEOUT must be a number of seconds"
  need_java
  cmd_fetch quiet
  with_lock

  local pid
  if pid="$(running_pid)"; then
    local rport
    rport="$(state_get port)"
    echo "Kafka $(state_get version) already running (pid $pid, bootstrap $HOST:${rport:-?}); reusing it"
    if [[ -n "$rport" && "$rport" != "$PORT" ]]; then
      echo "warning: it listens on $rport, not IPRX_KAFKA_PORT=$PORT; run 'kafka.sh down' first to change ports" >&2
    fi
    return 0
  fi
  rm -f "$PID_FILE" "$STATE_FILE"

  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      die 1 "error: $HOST:$p is already in use by another process (not our Kafka broker); free it or set IPRX_KAFKA_PORT / IPRX_KAFKA_CONTROLLER_PORT"
    fi
  done

  write_config
  format_storage_if_needed

  local heap perf extra
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a perf <<<"$KAFKA_JVM_PERFORMANCE_OPTS"
  read -r -a extra <<<"${KAFKA_OPTS:-}"
  {
    echo
    echo "===== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting Apache Kafka $KAFKA_VERSION ====="
  } >>"$OUT_LOG"
  : >"$LOG_DIR/healthcheck.log"
  SERVER_LOG_START="$(file_size "$SERVER_LOG")"
  OUT_LOG_START="$(file_size "$OUT_LOG")"
  local t0=$SECONDS
  # setsid: own session, so the broker survives the calling terminal/CI step;
  # nohup: ignore SIGHUP. Both exec, so $! is the java PID.
  nohup setsid "$JAVA" "${heap[@]}" "${perf[@]}" ${extra[@]+"${extra[@]}"} \
    "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dkafka.logs.dir=$LOG_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONF" >>"$OUT_LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  {
    echo "pid=$pid"
    echo "port=$PORT"
    echo "controller_port=$CONTROLLER_PORT"
    echo "version=$KAFKA_VERSION"
  } >"$STATE_FILE"

  printf 'starting Apache Kafka %s (pid %s) on %s:%s ' "$KAFKA_VERSION" "$pid" "$HOST" "$PORT"
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! is_our_broker "$pid"; then
      echo
      echo "error: Kafka exited during startup (see $SERVER_LOG)" >&2
      show_logs
      rm -f "$PID_FILE" "$STATE_FILE"
      exit 1
    fi
    if port_open "$PORT" && health_check; then
      echo " ready in $((SECONDS - t0)) s"
      echo "bootstrap servers: $HOST:$PORT  (log: $SERVER_LOG)"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo
      echo "error: Kafka did not answer on $HOST:$PORT within ${START_TIMEOUT} s (IPRX_KAFKA_START_TIMEOUT); stopping it" >&2
      show_logs
      stop_pid "$pid" >/dev/null || true
      rm -f "$PID_FILE" "$STATE_FILE"
      exit 1
    fi
    printf '.'
    sleep 1
  done
}

# ---------------------------------------------------------------- down/status/reset

cmd_down() {
  with_lock
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE" "$STATE_FILE"
    local left
    left="$(leftover_pids | tr '\n' ' ')"
    if [[ -n "${left// /}" ]]; then
      die 1 "error: no PID file, but Kafka processes using $CONF are still running: $left(stop them by PID)"
    fi
    echo "Kafka not running"
    return 0
  fi
  local t0=$SECONDS
  printf 'stopping Kafka (pid %s) ' "$pid"
  if ! stop_pid "$pid"; then
    echo
    die 1 "error: Kafka (pid $pid) is still alive after SIGKILL"
  fi
  rm -f "$PID_FILE" "$STATE_FILE"
  local left
  left="$(leftover_pids | tr '\n' ' ')"
  if [[ -n "${left// /}" ]]; then
    echo
    die 1 "error: Kafka processes using $CONF are still running: $left"
  fi
  echo " stopped in $((SECONDS - t0)) s"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "Kafka running: pid $pid, bootstrap $HOST:$(state_get port), version $(state_get version), data $DATA_DIR, log $SERVER_LOG"
    return 0
  fi
  echo "Kafka not running (version $KAFKA_VERSION, data $DATA_DIR)"
  return 3
}

cmd_reset() {
  cmd_down
  case "$DATA_DIR" in
    "" | "/" | "$HOME" | "$REPO_ROOT" | "$REPO_ROOT/" | "$SCRIPT_DIR")
      die 2 "error: refusing to delete data dir '$DATA_DIR'"
      ;;
  esac
  if [[ -d "$DATA_DIR" ]]; then
    rm -rf "$DATA_DIR"
    echo "deleted $DATA_DIR (jar cache kept in $CACHE_DIR)"
  else
    echo "nothing to delete ($DATA_DIR does not exist)"
  fi
}

usage() {
  cat <<EOF
usage: $(basename "$0") {up|down|status|reset|fetch}
  up      fetch jars if needed, start (or reuse) the local broker, wait until it answers
  down    stop the broker by PID (SIGTERM, then SIGKILL after ${STOP_TIMEOUT} s)
  status  one line; exit 0 if running, 3 if not
  reset   down, then delete the data dir ($DATA_DIR)
  fetch   download Apache Kafka $KAFKA_VERSION jars from Maven Central into $CACHE_DIR
EOF
}

case "${1:-}" in
  up) cmd_up ;;
  down | stop) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  fetch) cmd_fetch ;;
  help | -h | --help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
