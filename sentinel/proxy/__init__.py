"""OpenAI-compatible sidecar proxy: apps in any language point their OpenAI SDK at it
and get every Sentinel guarantee, with the upstream key kept in the sidecar."""

from sentinel.proxy.app import create_proxy_app

__all__ = ["create_proxy_app"]
