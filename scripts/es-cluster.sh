#!/usr/bin/env bash
# Three Elasticsearch nodes on loopback for tests/cluster: start | stop | status | urls |
# kill N | start-node N (N = 1..3; kill is SIGKILL, for the node-loss test).
#
# Each node is scripts/es.sh with its own ports, data directory and a 320 MB heap (`make
# test` runs the cluster after stopping the suite's single node): HTTP 9280-9282,
# transport 9380-9382, all master-eligible data nodes, so losing any one keeps a quorum
# of two. The cluster is a throwaway: `start` wipes the data of nodes that are not running.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE_PORT="${SENTINEL_CLUSTER_BASE_PORT:-9280}"
NODES=3
HEAP="${SENTINEL_CLUSTER_HEAP:-320m}"
START_TIMEOUT="${SENTINEL_CLUSTER_START_TIMEOUT:-180}"
CLUSTER=sentinel-cluster-test

log() { echo "es-cluster.sh: $*" >&2; }

http_port() { echo $((BASE_PORT + $1 - 1)); }
transport_port() { echo $((BASE_PORT + 100 + $1 - 1)); }

seed_hosts() {
  local n hosts=()
  for n in $(seq 1 $NODES); do hosts+=("127.0.0.1:$(transport_port "$n")"); done
  (IFS=,; echo "${hosts[*]}")
}

masters() {
  local n names=()
  for n in $(seq 1 $NODES); do names+=("$CLUSTER-$n"); done
  (IFS=,; echo "${names[*]}")
}

node() { # node N es.sh-command
  local n="$1"
  shift
  SENTINEL_ES_PORT="$(http_port "$n")" \
    SENTINEL_ES_TRANSPORT_PORT="$(transport_port "$n")" \
    SENTINEL_ES_CLUSTER_NAME="$CLUSTER" \
    SENTINEL_ES_NODE_NAME="$CLUSTER-$n" \
    SENTINEL_ES_SEED_HOSTS="$(seed_hosts)" \
    SENTINEL_ES_MASTER_NODES="$(masters)" \
    SENTINEL_ES_HEAP="$HEAP" \
    bash "$ROOT/scripts/es.sh" "$@"
}

urls() {
  local n out=()
  for n in $(seq 1 $NODES); do out+=("http://127.0.0.1:$(http_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}

green() {
  curl -fsS -m 5 "http://127.0.0.1:$(http_port 1)/_cluster/health?wait_for_status=green&wait_for_nodes=$NODES&timeout=2s" 2>/dev/null |
    grep -q '"timed_out":false'
}

wipe_stopped() {
  local n state
  for n in $(seq 1 $NODES); do
    if ! node "$n" status >/dev/null 2>&1; then
      # es.sh keeps each node's data in <cache>/es-<port>; the cache may be under /var/tmp.
      for state in "$ROOT/.cache/es-$(http_port "$n")" "/var/tmp/sentinel-es-cache/es-$(http_port "$n")"; do
        rm -rf "$state/data"
      done
    fi
  done
}

start() {
  wipe_stopped
  # A start that fails (a node that does not come up, no green in time, Ctrl-C) stops
  # the nodes it started: `make test-cluster` never reaches its own stop then, and three
  # JVMs with pre-touched heaps would stay on a shared machine.
  trap 'log "start failed: stopping the nodes"; stop' EXIT
  local n
  for n in $(seq 1 $NODES); do SENTINEL_ES_WAIT=0 node "$n" start; done
  local deadline=$((SECONDS + START_TIMEOUT))
  until green; do
    if [ $SECONDS -ge "$deadline" ]; then
      log "the cluster did not turn green with $NODES nodes within ${START_TIMEOUT}s"
      exit 1
    fi
    sleep 1
  done
  trap - EXIT
  log "green with $NODES nodes: $(urls)"
}

stop() {
  local n
  for n in $(seq 1 $NODES); do node "$n" stop || true; done
}

status() {
  local n rc=0
  for n in $(seq 1 $NODES); do
    echo "node $n: $(node "$n" status 2>&1)" || rc=1
  done
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  urls) urls ;;
  kill) node "${2:?node number}" kill ;;
  start-node) node "${2:?node number}" start ;;
  *) echo "usage: $0 start|stop|status|urls|kill N|start-node N" >&2; exit 2 ;;
esac
