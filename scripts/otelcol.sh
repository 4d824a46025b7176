#!/usr/bin/env bash
# A real OpenTelemetry Collector for the test suite: build | binary (prints its path).
#
# Why this shape:
# * The collector is built from Go modules with the OpenTelemetry Collector Builder
#   (deploy/otelcol/builder.yaml: OTLP receiver, memory_limiter + batch + attributes
#   processors, health_check, every module at one release), so only the Go module proxy
#   is needed: no Docker, no download site. The manifest says why its exporter is the
#   `file` one: the contrib elasticsearch exporter cannot be fetched here.
# * The binary is cached under .cache/otelcol/<hash of the manifest>/, like Elasticsearch's
#   unpacked zip; the Go module and build caches (~/go, ~/.cache/go-build) make a rebuild
#   on the same machine quick (6 s); a cold build took 16.7 min here (README, "Tests").
# * tests/deploy/test_otel_collector_live.py starts it with deploy/otel-collector.yaml's
#   receivers, processors and pipelines, on loopback ports of its own.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MANIFEST="$ROOT/deploy/otelcol/builder.yaml"
BUILDER_VERSION=v0.161.0
CACHE="$ROOT/.cache/otelcol"
HASH="$( (cat "$MANIFEST"; echo "$BUILDER_VERSION") | sha256sum | cut -c1-12)"
BUILD_DIR="$CACHE/$HASH"
BINARY="$BUILD_DIR/_build/otelcol-sentinel"

log() { echo "otelcol.sh: $*" >&2; }
NETWORK_ERRORS='i/o timeout|dial tcp|connection reset|connection refused|TLS handshake timeout|unexpected EOF|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout'

build() {
  if [ -x "$BINARY" ]; then
    log "cached: $BINARY"
    return 0
  fi
  command -v go >/dev/null || { log "Go is required to build the collector (go.dev toolchain on PATH)"; exit 1; }
  mkdir -p "$BUILD_DIR/bin"
  local started=$SECONDS
  if [ ! -x "$BUILD_DIR/bin/builder" ]; then
    log "installing go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
    GOBIN="$BUILD_DIR/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" ||
      { sleep 10; GOBIN="$BUILD_DIR/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"; }
  fi
  log "building the collector from $MANIFEST (slow on a cold Go cache)"
  # The builder resolves output_path against its working directory. A cold build fetches
  # hundreds of modules and the go command does not retry one: a fetch that failed on the
  # network is retried (what was fetched stays in the module cache), a build error is not.
  local attempt
  for attempt in 1 2 3; do
    (cd "$BUILD_DIR" && "$BUILD_DIR/bin/builder" --config="$MANIFEST" >"$BUILD_DIR/build.log" 2>&1) && break
    if [ "$attempt" -lt 3 ] && grep -qE "$NETWORK_ERRORS" "$BUILD_DIR/build.log"; then
      log "a module fetch failed on the network (attempt $attempt of 3); retrying"
      sleep $((attempt * 10))
      continue
    fi
    log "collector build failed; last lines of $BUILD_DIR/build.log:"
    tail -n 40 "$BUILD_DIR/build.log" >&2
    exit 1
  done
  log "built $BINARY in $((SECONDS - started))s"
}

case "${1:-}" in
  build) build ;;
  binary) echo "$BINARY" ;;
  *) echo "usage: $0 build|binary" >&2; exit 2 ;;
esac
