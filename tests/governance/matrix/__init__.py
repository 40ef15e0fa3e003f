"""The permission matrix's expected answers, one file per app, as literal tables.

Each table maps a URL name (as `reverse` knows it) to an entry. A URL may have more than
one entry: "name?query" adds a query string to it, "name#label" only tells two entries
(say, two different POSTs) apart. Entry fields:

    "object":  which kind of object the URL's `pk` is: collaborative, team, series, cycle,
               import, user, or none (see world.py for the targets of each kind)
    "does":    the action the URL performs, in words: view, edit, export, delete/archive
    "kwargs":  fixed values for the URL's other parameters (a format, a step), if any
    "data":    what a POST sends (an empty form if absent: a permitted POST then shows the
               form's errors, 200, or does its one thing and redirects, 302)
    "GET", "POST": {target: answers}, where answers is a tuple with one answer per role in
               ROLES order, or a single answer for the token-authenticated API.

An answer is an HTTP status, or LOGIN: a 302 redirect to the log-in page. Any other 302
is the redirect after a permitted action. 404 means "not yours, and it may not exist";
403 means "you can see it but not do this".
"""

ROLES = (
    "national",  # national viewer
    "director",  # AHSN director, east
    "manager",  # improvement manager, east AHSN scope (runs falls and sepsis)
    "faculty",  # clinical lead of falls
    "lead",  # trust lead of alpha (and of withdrawn omega)
    "member",  # team member of alpha (and of withdrawn omega)
    "beta_lead",  # trust lead of beta, alpha's peer in falls
    "outsider",  # signed in, no role
    "anonymous",  # not signed in
)

LOGIN = "login"
