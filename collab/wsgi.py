import os

from django.core.servers.basehttp import WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
application = get_wsgi_application()

# runserver (the embedded default) answers a request it cannot parse itself, before the app,
# with "Server: WSGIServer/0.2 Python/3.x"; no answer should name the software (the app's
# own answers: collab/headers.py; gunicorn's: gunicorn.conf.py). runserver loads this module
# before it serves; gunicorn never uses this class.
WSGIRequestHandler.server_version = "Collab"
WSGIRequestHandler.sys_version = ""
