"""gunicorn's settings file, read from the working folder (the image's /app).

gunicorn writes `Server: gunicorn` on every response and has no setting to change it; a
response should not name the server's software (collab/headers.py does the same for the
development server, with the same name). gunicorn reads this module-level name for each
response.
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "Collab"
