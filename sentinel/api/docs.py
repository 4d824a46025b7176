"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from packaged files, never a CDN.

FastAPI's own pages load their scripts from a public CDN: blank on an offline
machine, and a third-party script running on a page that holds an admin's bearer
token. The pages here take Swagger UI and ReDoc from the `fastapi-offline` wheel
(which ships nothing else we use) and our own initialiser, and carry a CSP that allows
only this origin's scripts. SENTINEL_API_DOCS=false removes both pages.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import FastAPI, HTTPException, Response

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ASSETS = {  # name -> (package, media type)
    "swagger-ui-bundle.js": ("fastapi_offline", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("fastapi_offline", "text/css; charset=utf-8"),
    "redoc.standalone.js": ("fastapi_offline", "text/javascript; charset=utf-8"),
    "swagger-init.js": ("sentinel.api", "text/javascript; charset=utf-8"),
}
_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="{spec}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script></body></html>
"""
_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API</title></head>
<body><redoc spec-url="{spec}"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script></body></html>
"""


@cache
def _asset(name: str) -> bytes:
    return resources.files(_ASSETS[name][0]).joinpath("static", name).read_bytes()


def _html(text: str) -> Response:
    return Response(
        text, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": DOCS_CSP}
    )


def install(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets (create the app with docs_url=redoc_url=None)."""
    spec = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> Response:
        return _html(_SWAGGER.format(title=app.title, spec=spec))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Response:
        return _html(_REDOC.format(title=app.title, spec=spec))

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in _ASSETS:
            raise HTTPException(404, "no such asset")
        return Response(
            _asset(name), media_type=_ASSETS[name][1], headers={"Cache-Control": "max-age=3600"}
        )
