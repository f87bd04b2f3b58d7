"""Keep secrets out of messages: credentials in URLs and known secret values.

Error messages are shown in the app, printed by the CLI and may be logged; the README promises
that API keys never appear there. Every message that could quote a server's answer or a
configured URL passes through :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
#: Query parameters that carry credentials in URLs.
SECRET_PARAMETERS = frozenset(
    {"key", "api_key", "apikey", "api-key", "token", "access_token", "password", "secret", "sig"}
)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
#: Things shaped like API keys (sk-..., Bearer tokens) even when the exact key is not known.
_KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|Bearer\s+[A-Za-z0-9._~+/=-]{8,})")


def redact_url(url: str) -> str:
    """``url`` without a password or user in it and with credential query parameters hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, HIDDEN if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL's credentials, every known secret and key-shaped token hidden."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return _KEY_SHAPED.sub(HIDDEN, text)
