"""What the two HTTP apps Sentinel serves (the API in `sentinel.api`, the proxy in
`sentinel.proxy`) share: the middleware (`middleware`), bearer-token verification
against the token registry (`tokens`) and the typed application state both build once
at creation (`state`). Neither app is imported from here."""
