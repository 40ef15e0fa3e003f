"""Response headers every dynamic answer carries: the one place for caching and the server.

Pages, htmx partials, the API and exports all show one signed-in person's view of the
figures, so no shared cache (a proxy, a shared browser's back button) may keep or serve
them to anyone else:

- every response but a static file: `Cache-Control: private, no-cache` (the browser may
  keep it but must ask again before showing it) and `Vary: Cookie`;
- an export (a download, `Content-Disposition: attachment`): `private, no-store`, kept
  nowhere at all;
- a view that chose its own Cache-Control keeps it, unless it is an export.

No response names the server's software or version: runserver's `WSGIServer/0.2
CPython/3.x` is replaced here (wsgiref adds its own only when the app sent none), and
gunicorn's is replaced in gunicorn.conf.py (gunicorn always writes its own, so the app
must not add a second).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

SERVER_NAME = "Collab"


def _is_export(response: HttpResponse) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class ResponseHeadersMiddleware:
    """Outermost, so that WhiteNoise's static files pass through it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            if _is_export(response):
                response["Cache-Control"] = "private, no-store"
            elif not response.has_header("Cache-Control"):
                response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ["Cookie"])
        if not request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
            response["Server"] = SERVER_NAME
        return response
