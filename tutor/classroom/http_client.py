"""How a learner's tutor talks to a class server: one small JSON request, one bounded answer.

A server's answer is data from the network: at most `MAX_ANSWER_BYTES` of it is read, whole
within `ANSWER_DEADLINE_FACTOR` times the request's timeout; one that is larger, late, or not
a JSON object is a failure (`BadAnswer`, or `OSError` when the server is not reached), never a
"yes". What of it is shown to the learner goes through `shown` (control characters made
visible, `markup.printable`). Standard library only: a learner's tutor needs no HTTP package.
"""

from __future__ import annotations

import json

# A class server's answers are small JSON objects (a room step, an error): more is not one.
MAX_ANSWER_BYTES = 64 * 1024
# And they come whole within this many times a request's timeout, however slowly a server
# drips them (each read's own timeout would let one byte every few seconds go on for hours).
ANSWER_DEADLINE_FACTOR = 2


class BadAnswer(OSError):
    """What answered is not a class server: too large an answer, or not a JSON object."""


def shown(value, limit: int = 200) -> str:
    """Text from the network as it may be printed: control characters visible, bounded."""
    from ..markup import printable

    text = printable(str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def post(url: str, path: str, body: dict, token: str = "", timeout: float = 5.0):
    """POST JSON; returns (status, answer). Raises OSError when the server is not reached."""
    return _request(url, path, json.dumps(body).encode("utf-8"), token, timeout)


def get(url: str, path: str, token: str = "", timeout: float = 5.0):
    return _request(url, path, None, token, timeout)


def _request(url: str, path: str, data: bytes | None, token: str, timeout: float):
    import http.client
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json", "User-Agent": "migration-tutor"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, data=data, headers=headers,
                                     method="POST" if data is not None else "GET")

    def fetch() -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            try:
                return error.code, error.read(MAX_ANSWER_BYTES + 1)
            except OSError:
                return error.code, b""
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise OSError(str(getattr(error, "reason", error))) from None
        except http.client.HTTPException as error:  # a reply that is not HTTP
            raise BadAnswer(f"its answer is not HTTP ({type(error).__name__})") from None

    status, raw = _within(fetch, timeout * ANSWER_DEADLINE_FACTOR)
    if len(raw) > MAX_ANSWER_BYTES:
        raise BadAnswer(f"its answer is larger than {MAX_ANSWER_BYTES // 1024} KiB")
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        if 200 <= status < 300:
            raise BadAnswer("its answer is not a class server's (not a JSON object)")
        answer = {}  # an error page from something on the way: its status says enough
    return status, answer


def _within(fetch, seconds: float):
    """`fetch()`, or OSError once `seconds` have passed without its answer (it goes on in a
    thread of its own, which dies with the process: its socket times out on its own)."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = fetch()
        except BaseException as error:  # handed to the caller, whatever it is
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="class-request")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise OSError(f"no whole answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]
