#!/usr/bin/env bash
# One-shot setup for docker-compose.elk.yml, run in the Elasticsearch image once the
# node is healthy: gives the built-in kibana_system user its password and creates
# least-privilege users for Sentinel (its own sentinel-* indices and templates) and for
# the OTel Collector (create-only on the OTel data streams). Idempotent: re-running it
# resets the same passwords and roles. Passwords come from the environment and travel
# on stdin and curl config pipes, so no process's arguments hold them.
set -euo pipefail
ES_URL="${ES_URL:-http://elasticsearch:9200}"

for var in ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD SENTINEL_ES_PASSWORD OTEL_ES_PASSWORD; do
  value="${!var:-}"
  # Restricting the alphabet keeps the JSON below valid without a JSON tool in the image.
  if [[ ! "$value" =~ ^[A-Za-z0-9._~+=-]{16,}$ ]]; then
    echo "setup: $var must be at least 16 characters of A-Z a-z 0-9 . _ ~ + = - (see .env.example)" >&2
    exit 1
  fi
done

auth() {  # curl config with the credentials: printf is a builtin, so no argv holds them
  printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD"
}

es() {  # es METHOD PATH: JSON body on stdin, fails on any non-2xx answer
  curl --silent --show-error --fail -K <(auth) \
    -X "$1" "${ES_URL}$2" -H 'Content-Type: application/json' --data-binary @-
  echo
}

until curl -fsS -K <(auth) "${ES_URL}/_cluster/health?wait_for_status=yellow&timeout=10s" \
  >/dev/null; do
  echo "setup: waiting for Elasticsearch at ${ES_URL}"
  sleep 3
done

es POST /_security/user/kibana_system/_password <<JSON
{"password": "${KIBANA_SYSTEM_PASSWORD}"}
JSON

es PUT /_security/role/sentinel_writer <<'JSON'
{"cluster": ["monitor", "manage_index_templates", "manage_ilm"],
 "indices": [{"names": ["sentinel-*"], "privileges": ["all"]}]}
JSON
es PUT /_security/user/sentinel <<JSON
{"password": "${SENTINEL_ES_PASSWORD}", "roles": ["sentinel_writer"],
 "full_name": "DeepSeek Sentinel daemon"}
JSON

es PUT /_security/role/otel_writer <<'JSON'
{"cluster": ["monitor"],
 "indices": [{"names": ["traces-*", "metrics-*", "logs-*"],
              "privileges": ["auto_configure", "create_doc"]}]}
JSON
es PUT /_security/user/otel <<JSON
{"password": "${OTEL_ES_PASSWORD}", "roles": ["otel_writer"],
 "full_name": "OpenTelemetry Collector"}
JSON

echo "setup: users kibana_system, sentinel and otel are ready"
