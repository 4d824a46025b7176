"""Who may call the proxy: Sentinel tokens of scope `proxy`, verified like the API's
(`sentinel.web.tokens`: hashed tokens in the store, RFC 6750 401/403).

A token created with `sentinel tokens create --app NAME` is bound to that app: calls
with it are recorded under NAME, and naming another app is a 403, so one app's token
cannot raise or hide another app's alerts or spend.

That check is a store lookup, run off the event loop. A token that passed is
remembered for a few seconds (`VerifiedTokens`), so an app's steady stream of calls
costs no lookup and no thread hop each.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

from sentinel.compliance.tokens import TokenInfo

SCOPE = "proxy"


def bind_app(kwargs: dict[str, Any], info: TokenInfo) -> None:
    """Hold the call's app to the token's; a bound token's app is used when the call
    names none. (The name itself is checked by the client, `sentinel.appnames`.) The
    call records the token's id, which per-token budgets count (never the token)."""
    kwargs["proxy_token_id"] = info.id
    app = kwargs.get("app")
    if info.app is None:
        return
    if app is not None and app != info.app:
        raise HTTPException(403, "this token is bound to another app")
    kwargs["app"] = info.app
