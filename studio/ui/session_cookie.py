"""The cookie that keeps a password sign-in across page reloads.

Why a route of our own: Streamlit pages talk to the server over a WebSocket and cannot set a
cookie, and a cookie set by a page's JavaScript could be read by any script on the page. So the
app is served as an ``st.App`` (``app.py``) with one extra route, :data:`SESSION_PATH`, that sets
the cookie in an HTTP response: ``HttpOnly`` (no script can read it), ``SameSite=Strict``,
``Secure`` when the app is served over HTTPS, and expiring with the sign-in.

The hand-over: after a successful sign-in the page runs one ``fetch`` that POSTs a one-time
ticket (a minute to live, :func:`studio.review.accounts.issue_ticket`); the route swaps it for the
long-lived token (:func:`studio.review.accounts.claim_ticket`) and puts only that in the cookie.
At each page load :func:`studio.ui.auth.current_user` reads the cookie (``st.context.cookies``)
and the server checks the token against the ``sign_in_session`` table. Sign-out revokes the row
(the cookie is worthless from then on) and DELETEs the cookie.
"""

from __future__ import annotations

import json
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from studio.core.database import session_scope
from studio.core.models import utcnow
from studio.core.settings import get_settings
from studio.review import accounts

#: The cookie's name; its value is the random token whose hash the server keeps.
COOKIE_NAME = "studio_session"
#: The route that sets (POST, with a ticket) and clears (DELETE) the cookie.
SESSION_PATH = "/api/studio-session"
#: Largest request body the route reads (a ticket is 43 characters of JSON).
_MAX_BODY = 1024


def _set_cookie(response: Response, request: Request, token: str, expires_at: datetime) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max(0, int((expires_at - utcnow()).total_seconds())),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def _claim(request: Request) -> Response:
    body = await request.body()
    if len(body) > _MAX_BODY:
        return JSONResponse({"error": f"request body over {_MAX_BODY} bytes"}, status_code=413)
    try:
        ticket = json.loads(body)["ticket"]
    except (ValueError, KeyError, TypeError):
        return JSONResponse(
            {"error": 'send JSON {"ticket": "..."} as the sign-in page does'}, status_code=400
        )
    if not isinstance(ticket, str):
        return JSONResponse({"error": "ticket must be a string"}, status_code=400)
    try:
        with session_scope(get_settings().database_url) as session:
            token, signin = accounts.claim_ticket(session, ticket=ticket)
    except accounts.AuthError as exc:
        return JSONResponse({"error": str(exc)}, status_code=403)
    response = JSONResponse({"username": signin.username, "expires_at": str(signin.expires_at)})
    _set_cookie(response, request, token, signin.expires_at)
    return response


async def _clear(request: Request) -> Response:
    # Revoking happens in the app (studio.ui.auth.sign_out); this only tidies the browser.
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def routes() -> list[BaseRoute]:
    """The routes ``app.py`` adds to the Streamlit server."""
    return [
        Route(SESSION_PATH, _claim, methods=["POST"]),
        Route(SESSION_PATH, _clear, methods=["DELETE"]),
    ]


def claim_script(ticket: str) -> str:
    """The page script that swaps ``ticket`` for the HttpOnly cookie (run once after sign-in)."""
    payload = json.dumps({"ticket": ticket})
    return (
        f"<script>fetch({json.dumps(SESSION_PATH)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(payload)}}});"
        "</script>"
    )


def clear_script() -> str:
    """The page script that asks the server to delete the cookie (after sign-out)."""
    return (
        f"<script>fetch({json.dumps(SESSION_PATH)}, "
        "{method: 'DELETE', credentials: 'same-origin'});</script>"
    )
