"""Attribute and metric names: OpenTelemetry GenAI semantic conventions (plus the HTTP,
server and error ones they build on), and Sentinel's own under `sentinel.*`.

Kept in one place so spans, metrics and log lines agree and a rename is one edit. The
attributes of a call's own fields are declared with the fields, in the table of call
fields (`sentinel.models.CallRecord`); these are the others.
"""

from __future__ import annotations

PROVIDER = "deepseek"
OPERATION_CHAT = "chat"

GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"

HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
ERROR_TYPE = "error.type"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"

SENTINEL_APP = "sentinel.app"
SENTINEL_SUBJECT_KEY = "sentinel.subject_key"
SENTINEL_OUTCOME = "sentinel.outcome"

METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
METRIC_WARNINGS = "sentinel.client.warnings"
SENTINEL_WARNING_KIND = "sentinel.warning.kind"
SENTINEL_WARNING_MESSAGE = "sentinel.warning.message"
METRIC_REQUESTS = "sentinel.client.requests"
METRIC_RETRIES = "sentinel.client.retries"
METRIC_FAILOVERS = "sentinel.client.failovers"
METRIC_BREAKER_OPENS = "sentinel.client.breaker.opens"
METRIC_FEEDBACK = "sentinel.client.feedback"
METRIC_FEEDBACK_SCORE = "sentinel.client.feedback.score"
METRIC_CACHE_HITS = "sentinel.client.cache.hits"
METRIC_CACHE_MISSES = "sentinel.client.cache.misses"
SENTINEL_SATISFIED = "sentinel.satisfied"

# Bucket boundaries the GenAI conventions recommend.
DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
TOKEN_BUCKETS = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
