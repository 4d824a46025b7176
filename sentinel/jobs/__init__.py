"""Async chat completions: `POST /v1/async/chat/completions` queues a job in the store,
`sentinel serve` runs it through the Sentinel client and, if asked, delivers the result
to a webhook (signed, retried, at least once, allow-listed hosts only).

Modules: `model` (the job and its views), `submission` (what a POST may hold),
`queue` (jobs in the store, claims), `runtime` (the worker), `delivery` + `signing` +
`allowlist` (webhooks), `schedule` (pure retry timing), `subjects` (GDPR export and
erasure), `metrics`.
"""
