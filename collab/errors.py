"""Error views that must work when the database does not.

Django calls `server_error` for any exception a view did not handle, still inside the
`except` block, so the exception is at hand. A lost database connection (PostgreSQL
restarting, failing over, refusing connections) is not a bug to report but a few
seconds' outage: the answer is 503 with Retry-After, a page that says to try again, and
JSON for the API. Nothing here touches the database, the session or the user.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if not database_unavailable(exc):
        return django_server_error(request, template_name)
    log.warning("Database unavailable, answered 503: %s", str(exc).strip()[:300])
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": "The service is briefly unavailable. Try again in a minute."}, status=503
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
