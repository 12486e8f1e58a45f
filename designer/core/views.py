"""The browser app: one HTML page; client-side routing does the rest."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

_PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>Conveyor</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem">
<h1>Conveyor</h1><p>The browser app has not been built. Run <code>make run</code>, which builds
<code>frontend/</code>, or use the API at <a href="/api/docs/">/api/docs/</a>.</p></body></html>"""


@ensure_csrf_cookie
def spa(request: HttpRequest) -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    html = index.read_text(encoding="utf-8") if index.is_file() else _PLACEHOLDER
    response = HttpResponse(html)
    response["Cache-Control"] = "no-cache"
    return response
