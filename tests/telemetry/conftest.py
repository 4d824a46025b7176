"""Reuse the client harness (FakeDeepSeek + in-memory OTel + captured ECS log + SQLite)."""

from __future__ import annotations

from client_harness import fake_deepseek, fake_deepseek_factory, harness

__all__ = ["fake_deepseek", "fake_deepseek_factory", "harness"]
