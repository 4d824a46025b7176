#!/usr/bin/env bash
# A real, local Elasticsearch for the test suite and for development: start | stop | status.
#
# Why this shape:
# * 8.19.3 pairs with the pinned `elasticsearch==8.19.3` Python client (same major, so the
#   client's compatibility headers are accepted) and runs on Debian's JDK 17; 9.x would need
#   JDK 21+.
# * The integ-test-zip distribution is the smallest official server build and is published on
#   Maven Central, so Maven (already needed for nothing else but this) fetches and caches it;
#   no Docker and no download site outside Maven Central. It is stripped: no reindex module
#   (so no _delete_by_query), no painless, no mapper-extras; ElasticStore uses only core APIs.
# * Elasticsearch refuses to run as root, so under root it runs as the `sentinel-es` user.
# * Loopback only, single-node discovery, 512 MB heap, disk watermarks off (CI disks are full
#   enough to trip them), security off: it is a throwaway test server on 127.0.0.1.
# Everything lives under .cache/ (git-ignored); SENTINEL_ES_PORT picks the HTTP port.
# One node of a cluster (scripts/es-cluster.sh): SENTINEL_ES_CLUSTER_NAME, _NODE_NAME,
# _SEED_HOSTS (transport host:port list) and _MASTER_NODES replace single-node discovery;
# SENTINEL_ES_HEAP sizes the heap; SENTINEL_ES_WAIT=0 returns before the node is healthy
# (a cluster's first node is not, until a quorum of masters has formed).
set -euo pipefail

VERSION=8.19.3
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${VERSION}:zip"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ES_USER=sentinel-es
CACHE="$ROOT/.cache"
# Under root the server runs as $ES_USER, who must be able to reach the unpacked files: a
# checkout inside a private home (/root is mode 700) is not, so the cache moves to /var/tmp.
if [ "$(id -u)" -eq 0 ]; then
  id -u "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  runuser -u "$ES_USER" -- test -x "$ROOT" 2>/dev/null || CACHE="/var/tmp/sentinel-es-cache"
fi
PORT="${SENTINEL_ES_PORT:-9250}"
TRANSPORT_PORT="${SENTINEL_ES_TRANSPORT_PORT:-$((PORT + 100))}"
ES_HOME="$CACHE/elasticsearch-$VERSION"
STATE="$CACHE/es-$PORT"
PID_FILE="$STATE/elasticsearch.pid"
LOG_DIR="$STATE/logs"
DATA_DIR="$STATE/data"
URL="http://127.0.0.1:$PORT"
# Generous: a start that took 8 s here idle takes several times that on a loaded 2-core CI
# box, and a process that died ends the wait at once anyway.
START_TIMEOUT="${SENTINEL_ES_START_TIMEOUT:-300}"
HEAP="${SENTINEL_ES_HEAP:-512m}"
CLUSTER_NAME="${SENTINEL_ES_CLUSTER_NAME:-sentinel-test}"
NODE_NAME="${SENTINEL_ES_NODE_NAME:-sentinel-test-node}"
if [ -n "${SENTINEL_ES_SEED_HOSTS:-}" ]; then
  DISCOVERY=(-E discovery.seed_hosts="$SENTINEL_ES_SEED_HOSTS"
    -E cluster.initial_master_nodes="${SENTINEL_ES_MASTER_NODES:?with SENTINEL_ES_SEED_HOSTS}")
else
  DISCOVERY=(-E discovery.type=single-node)
fi

log() { echo "es.sh: $*" >&2; }

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

healthy() {
  curl -fsS -m 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

fetch() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return 0
  command -v mvn >/dev/null || { log "Maven (mvn) is required: run \`make system-deps\`"; exit 1; }
  local repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
  local zip="$repo/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$VERSION/elasticsearch-$VERSION.zip"
  if [ ! -f "$zip" ]; then
    log "fetching $ARTIFACT from Maven Central"
    # a fresh CI machine has no copy: one dropped connection must not fail the whole run
    local attempt
    for attempt in 1 2 3; do
      mvn -q -B -Dstyle.color=never dependency:get -Dartifact="$ARTIFACT" -Dtransitive=false \
        -Dmaven.repo.local="$repo" && break
      [ "$attempt" -eq 3 ] && { log "could not fetch $ARTIFACT after 3 attempts"; exit 1; }
      log "fetch failed (attempt $attempt of 3); retrying in $((attempt * 10))s"
      sleep $((attempt * 10))
    done
  fi
  mkdir -p "$CACHE"
  local tmp
  tmp="$(mktemp -d "$CACHE/unpack.XXXXXX")"
  if command -v unzip >/dev/null; then unzip -q "$zip" -d "$tmp"; else python3 -m zipfile -e "$zip" "$tmp"; fi
  chmod +x "$tmp/elasticsearch-$VERSION/bin/"*
  mv "$tmp/elasticsearch-$VERSION" "$ES_HOME"
  rmdir "$tmp"
}

java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return; fi
  command -v java >/dev/null || { log "Java 17+ is required: run \`make system-deps\`"; exit 1; }
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

start() {
  if running_pid >/dev/null && healthy; then
    log "already running at $URL"
    return 0
  fi
  if pid="$(running_pid)"; then
    log "process $pid is up but not healthy yet; waiting"
  else
    fetch
    mkdir -p "$DATA_DIR" "$LOG_DIR"
    rm -f "$PID_FILE"
    local -a run=()
    if [ "$(id -u)" -eq 0 ]; then
      chown -R "$ES_USER:" "$ES_HOME" "$STATE"
      run=(runuser -u "$ES_USER" --)
    fi
    log "starting Elasticsearch $VERSION on $URL"
    if ! ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${SENTINEL_ES_JAVA_OPTS:-}" \
      "${run[@]}" "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE" \
      -E cluster.name="$CLUSTER_NAME" \
      -E node.name="$NODE_NAME" \
      -E network.host=127.0.0.1 \
      -E http.port="$PORT" \
      -E transport.port="$TRANSPORT_PORT" \
      "${DISCOVERY[@]}" \
      -E path.data="$DATA_DIR" \
      -E path.logs="$LOG_DIR" \
      -E cluster.routing.allocation.disk.threshold_enabled=false \
      -E xpack.security.enabled=false \
      -E action.auto_create_index=true \
      >"$STATE/start.out" 2>&1; then
      log "Elasticsearch failed to start:"
      tail -n 40 "$STATE/start.out" >&2
      tail -n 40 "$LOG_DIR/$CLUSTER_NAME.log" >&2 2>/dev/null || true
      exit 1
    fi
  fi
  [ "${SENTINEL_ES_WAIT:-1}" = 0 ] && { log "started $NODE_NAME (pid $(running_pid))"; return 0; }
  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy; do
    if ! running_pid >/dev/null && [ -f "$PID_FILE" ] || [ $SECONDS -ge "$deadline" ]; then
      log "Elasticsearch did not become healthy at $URL within ${START_TIMEOUT}s; last log lines:"
      tail -n 40 "$LOG_DIR/$CLUSTER_NAME.log" >&2 2>/dev/null || tail -n 40 "$STATE/start.out" >&2
      exit 1
    fi
    sleep 1
  done
  log "ready at $URL (pid $(running_pid))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    rm -f "$PID_FILE"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; log "stopped"; return 0; }
    sleep 1
  done
  log "still running after 60s; killing $pid"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

# SIGKILL, for fault tests: no shutdown hooks, no flush, like a machine losing power.
kill_hard() {
  local pid
  pid="$(running_pid)" || { log "not running"; return 0; }
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -f "$PID_FILE"
  log "killed $pid"
}

status() {
  if pid="$(running_pid)" && healthy; then
    echo "running at $URL (pid $pid)"
  elif pid="$(running_pid)"; then
    echo "process $pid running, not healthy at $URL"
    return 1
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_hard ;;
  *) echo "usage: $0 start|stop|status|kill" >&2; exit 2 ;;
esac
