"""What every request to the class server and every answer passes, whoever it is for: the
JSON body read within the door's time and checked as JSON, the caller's bearer token, a
refusal answered with its reason and logged (once, then counted), the security headers on
every answer, and a bug answered 500 while the class goes on (`guard`).
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from .door import BODY_TIMEOUT_SECONDS, Repeats
from .events import Refused

log = logging.getLogger("tutor.class")
# A refusal, or a bug, met again and again (one address trying on) is logged once, then counted.
repeated = Repeats(log)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def answer(data, status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.json_response(data, status=status)


def refuse(request: web.Request, status: int, reason: str) -> web.Response:
    """A refusal: `{"error": reason}` with its status, and a line in the log."""
    said = f"refused {request.method} {request.path} from {request.remote}: {reason} ({status})"
    repeated.say(said, said)
    return answer({"error": reason}, status)


@web.middleware
async def guard(request: web.Request, handler):
    """Security headers on every answer; a refused request answered and logged; anything
    unforeseen logged with its traceback and answered 500, the server going on."""
    try:
        response = await handler(request)
    except Refused as error:
        response = refuse(request, 400, str(error))
    except web.HTTPException as error:
        if error.status >= 400:
            response = refuse(request, error.status, error.reason)
        else:
            raise
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug: said in the log, never the end of the class
        import sys

        said = f"error answering {request.method} {request.path}"
        repeated.say((said, type(sys.exc_info()[1]).__name__), said, logging.ERROR,
                     exc_info=True)
        response = answer({"error": "internal error"}, 500)
    response.headers.update(SECURITY_HEADERS)
    return response


async def read_body(request: web.Request):
    """The request's JSON (its size capped by the application, its time by the door's body
    timeout: a body sent a byte a minute holds no connection for long)."""
    if request.content_type != "application/json":
        raise Refused("the body must be JSON (Content-Type: application/json)")
    try:
        raw = await asyncio.wait_for(request.read(), BODY_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise web.HTTPRequestTimeout(
            reason=f"the body did not arrive within {BODY_TIMEOUT_SECONDS:g} s") from None

    def no_constants(name):
        raise Refused(f"{name} is not a JSON number")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        if isinstance(error, Refused):
            raise
        raise Refused("the body is not valid JSON") from None


def bearer(request: web.Request) -> str:
    """The token after `Authorization: Bearer`; empty when there is none."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""
