"""Receive MM7 (DeliverReq, DeliveryReportReq) in a Flask application.

Serve it with a threaded WSGI server (docs/deployment.md says why)::

    cd examples && gunicorn -k gthread --threads 8 -b 127.0.0.1:8080 flask_app:app

Traps handled here:

- The rule is the exact path ``/mm7`` with POST. A rule written ``/mm7/``
  answers a POST to ``/mm7`` with a 308 redirect, and gateways do not follow
  redirects: every MO would be resent, then dropped.
- Flask never touches the body: no ``request.data``, ``get_data()``,
  ``form`` or ``json``, in the view or in a ``before_request`` hook. Those
  read the whole body into memory first (and ``MAX_CONTENT_LENGTH`` would
  answer 413 in Flask's own format). Returning the mm7codec WSGI app from the
  view lets it stream ``wsgi.input`` into the push decoder with its own
  limits, its own 413 + Fault, and its truncation check. If something did read
  the body first, the message arrives short and is refused (not acknowledged),
  so the gateway resends it.
"""

from __future__ import annotations

from flask import Flask
from mm7_inbox import GATEWAY_AUTH, handle

from mm7codec.http import make_wsgi_app

app = Flask(__name__)
mm7_app = make_wsgi_app(handle, auth=GATEWAY_AUTH)


@app.post("/mm7")
def mm7_endpoint() -> object:
    # Flask calls a returned WSGI application with this request's environ.
    return mm7_app


@app.get("/health")
def health() -> str:
    return "ok"
