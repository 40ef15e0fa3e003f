"""Sessions that end when idle, without a database write on every request.

A session lasts SESSION_COOKIE_AGE seconds from its last save. Saving it on every request
(Django's SESSION_SAVE_EVERY_REQUEST) would make that an exact idle timeout at the cost of
one write per request; instead the session is saved again once COLLAB_SESSION_TOUCH_SECONDS
have passed since it was last renewed, so the idle timeout holds to within that margin.
SESSION_SAVE_EVERY_REQUEST=true still works for those who want it exact.
"""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

RENEWED = "collab_session_renewed"


@receiver(user_logged_in, dispatch_uid="collab_session_renewed_at_login")
def renewed_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get(RENEWED, 0) >= settings.COLLAB_SESSION_TOUCH_SECONDS:
                session[RENEWED] = now  # marks it modified: saved, with a new expiry
        return response
