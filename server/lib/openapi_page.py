"""The OpenAPI documentation page at /schema: Swagger UI from the app's own files, so that it works offline and under
the same Content-Security-Policy as the rest of the app (scripts and styles from 'self' only, nothing inline).

Litestar's own render plugins load their viewer from a CDN and start it with an inline script that embeds the whole
document; this page names its files and the document's URL instead, and ``console/js/api-docs.js`` starts the viewer.
The viewer is pinned and vendored under ``console/vendor/`` (its README says where it came from).
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER_UI_DIR = "/console/vendor/swagger-ui-5.36.0"


class SwaggerUiPage(OpenAPIRenderPlugin):
    def __init__(self, path: list[str]) -> None:
        super().__init__(path=path, favicon='<link rel="icon" href="data:,">', style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        document_url = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>{title}</title>
  {self.favicon}
  <link rel="stylesheet" href="{SWAGGER_UI_DIR}/swagger-ui.css">
  <script defer src="{SWAGGER_UI_DIR}/swagger-ui-bundle.js"></script>
  <script type="module" src="/console/js/api-docs.js"></script>
</head>
<body>
  <div id="swagger-ui" data-document-url="{document_url}">
    <noscript>This page needs JavaScript; the document is <a href="{document_url}">{document_url}</a>.</noscript>
  </div>
</body>
</html>
""".encode()
