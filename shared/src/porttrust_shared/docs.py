"""Swagger UI (`/docs`) and ReDoc (`/redoc`) served from packaged assets, never a CDN.

Operators use these pages on networks without internet: the JavaScript, CSS and favicon come
from the `fastapi-offline` package (a maintained bundle of swagger-ui-dist and ReDoc's
standalone build) through `/docs/static/...`, no web font is loaded, and a Content Security
Policy keeps the pages from reaching anything but this service and identity's token endpoint.
Every URL in the pages is relative, so they work behind a path prefix (with or without
uvicorn's `root_path`).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from porttrust_shared.errors import NotFound

_VENDOR = Path(fastapi_offline.__file__).parent / "static"
_OWN = Path(__file__).parent / "docs_static"
ASSETS = {
    "swagger-ui-bundle.js": _VENDOR / "swagger-ui-bundle.js",
    "swagger-ui.css": _VENDOR / "swagger-ui.css",
    "redoc.standalone.js": _VENDOR / "redoc.standalone.js",
    "favicon.png": _VENDOR / "favicon.png",
    "swagger-init.js": _OWN / "swagger-init.js",
    "redoc-init.js": _OWN / "redoc-init.js",
}
STATIC = "docs/static/"  # relative to /docs and /redoc, which both sit at the root

_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Swagger UI</title>
<link rel="icon" type="image/png" href="{static}favicon.png">
<link rel="stylesheet" href="{static}swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{static}swagger-ui-bundle.js"></script>
<script src="{static}swagger-init.js" data-openapi="openapi.json"></script>
</body></html>
"""

_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - ReDoc</title>
<link rel="icon" type="image/png" href="{static}favicon.png">
<style>body {{ margin: 0; padding: 0; }}</style>
</head><body><div id="redoc"></div>
<script src="{static}redoc.standalone.js"></script>
<script src="{static}redoc-init.js" data-openapi="openapi.json"></script>
</body></html>
"""


def content_security_policy(token_url: str) -> str:
    """Only this origin, plus identity's for the Authorize dialog's token request.

    'unsafe-inline' styles: both UIs set style attributes; blob: workers: ReDoc's search."""
    parts = urlsplit(token_url)
    identity = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self'; worker-src 'self' blob:; "
            f"connect-src 'self' {identity}".rstrip() + "; frame-ancestors 'self'; "
            "base-uri 'self'; form-action 'self'")


def docs_router(title: str, token_url: str) -> APIRouter:
    """The two pages and their assets, outside the OpenAPI document."""
    router = APIRouter(include_in_schema=False)
    headers = {"Content-Security-Policy": content_security_policy(token_url),
               "Cache-Control": "no-cache"}
    name = html.escape(title)

    @router.get("/docs")
    async def swagger_ui_page() -> HTMLResponse:
        return HTMLResponse(_SWAGGER.format(title=name, static=STATIC), headers=headers)

    @router.get("/redoc")
    async def redoc_page() -> HTMLResponse:
        return HTMLResponse(_REDOC.format(title=name, static=STATIC), headers=headers)

    @router.get("/docs/static/{name}")
    async def docs_asset(name: str) -> FileResponse:
        path = ASSETS.get(name)
        if path is None:
            raise NotFound("No such documentation asset.")
        # Versioned by the installed package: a day in the browser's cache is safe.
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return router
