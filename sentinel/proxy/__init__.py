"""OpenAI-compatible sidecar proxy: apps in any language point their OpenAI SDK at it
and get every Sentinel guarantee, with the upstream key kept in the sidecar.

`sentinel.proxy.app.create_proxy_app` builds the ASGI app; `sentinel.proxy.server` runs
it (`sentinel proxy`, or `sentinel serve --proxy`). Nothing is imported here, so the
`sentinel` command stays fast to start.
"""
