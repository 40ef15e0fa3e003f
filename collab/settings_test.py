"""Test settings: the embedded default, made fast; services only when the environment names them."""

import os

os.environ.setdefault("COLLAB_ENV", "embedded")

from collab.settings import *  # noqa: E402,F403
from collab.settings import DATABASES, REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Off, because the database is rolled back between tests but a cache is not: ids come back,
# and a fragment kept by one test could answer the next. The tests of the cache, and the
# permission and disclosure matrices, turn it on with the `fragment_cache` fixture
# (tests/conftest.py), which empties it first; `pytest --fragment-cache` turns it on for
# every test.
COLLAB_FRAGMENT_CACHE = False
# Tests run tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the app folders in tests; no collectstatic output needed.
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
# django-axes needs a request in every authenticate() call, and Client.login() sends none;
# the lockout tests (tests/governance/test_login_security.py) turn it back on.
AXES_ENABLED = False
