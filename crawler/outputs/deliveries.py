"""How an alert reaches people: an e-mail over SMTP, a JSON POST to a webhook.

The targets are the operator's own configuration (``alerts.toml``), not pages the crawler
was sent to, so the private-network guard of the crawl does not apply: a mail relay or a
chat server on the local network is a normal target.

Every attempt has a total deadline (:mod:`crawler.outputs.deadlines`): ``smtp.timeout`` for
a whole SMTP session (connecting, TLS, login, the message and the server's last answer),
``delivery.timeout`` for each webhook attempt (connecting, the request and the answer); a
server that drips its answer is abandoned when it passes, and so is an attempt under way
when the scheduler is asked to stop. What is read is capped: :data:`ANSWER_LIMIT` bytes of
a webhook's body (the status is what counts), :data:`SMTP_READ_LIMIT` bytes of an SMTP
session's answers.

E-mail: :func:`build_message` makes a multipart text + HTML message whose Message-ID is the
send's id (a send made again carries the same one); :func:`send_mail` sends it with
:mod:`smtplib`, over ``none``, ``starttls`` or ``tls``, logging in with the user and
password found in the environment variables ``[smtp]`` names (never in a file).

Webhook: :func:`post_json` POSTs a JSON body with the send's id in ``Idempotency-Key`` and
``X-Culturewatch-Delivery``; a network error, a timeout, a 429 or a 5xx is retried with
exponential backoff (``Retry-After`` honoured up to :data:`MAX_WAIT`), any other answer but a
2xx fails at once. Redirects are not followed (a webhook that moved is a configuration to fix).
The environment's proxy is used (``https_proxy``, ``http_proxy``, ``no_proxy``).

A failure says whether the target may have got it all the same
(:attr:`DeliveryError.maybe_delivered`): the whole message or request went out and no
answer came back (a timeout, a connection dropped before SMTP's final ``250``). Such a send
keeps its id for the next try (:mod:`crawler.outputs.alert_runs`), so the receiver can drop
a duplicate.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import smtplib
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from crawler.config.alerts import Smtp, webhook_label
from crawler.outputs.deadlines import (
    Deadline,
    DeadlineContext,
    DeadlineSocket,
    connect,
)

__all__ = [
    "ANSWER_LIMIT",
    "MAX_WAIT",
    "SMTP_READ_LIMIT",
    "DeliveryError",
    "build_message",
    "post_json",
    "send_mail",
]

MAX_WAIT = 60.0  # seconds: the longest wait before a webhook retry
ANSWER_LIMIT = 64 * 1024  # bytes of a webhook's answer body read (then the connection closes)
HTTP_READ_LIMIT = 256 * 1024  # bytes of a webhook's answer in all: status, headers, body
SMTP_READ_LIMIT = 1024 * 1024  # bytes of an SMTP server's answers in one session


class DeliveryError(Exception):
    """A delivery that did not go through, in one line; *attempts* were made, and
    *maybe_delivered* says the target may have got it all the same (no answer came back
    after the whole message or request went out)."""

    def __init__(self, message: str, attempts: int = 1, *, maybe_delivered: bool = False):
        super().__init__(" ".join(message.split()))
        self.attempts = attempts
        self.maybe_delivered = maybe_delivered


# --------------------------------------------------------------------------- e-mail
def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, send_id: str, alert: str
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML); headers carry no article text."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "culturewatch.invalid"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<alert-{send_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Culturewatch-Alert"] = alert
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _login(smtp: Smtp, env: Mapping[str, str]) -> tuple[str, str] | None:
    if smtp.user_env is None or smtp.password_env is None:
        return None
    missing = [name for name in (smtp.user_env, smtp.password_env) if not env.get(name)]
    if missing:
        raise DeliveryError(f"the environment variable {missing[0]} (the SMTP login) is not set")
    return env[smtp.user_env], env[smtp.password_env]


class _SMTP(smtplib.SMTP):
    """:class:`smtplib.SMTP` on a :class:`DeadlineSocket` (implicit TLS when *tls* is given);
    ``handed_over`` once the message itself went out after the server's ``354``."""

    def __init__(self, smtp: Smtp, deadline: Deadline, tls: ssl.SSLContext | None):
        self._deadline = deadline
        self._tls = tls
        self._after_354 = False
        self.handed_over = False
        super().__init__(smtp.host, smtp.port, timeout=smtp.timeout)

    def _get_socket(self, host: str, port: int, timeout: float | None) -> DeadlineSocket:
        sock = connect(host, port, self._deadline, limit=SMTP_READ_LIMIT)
        if self._tls is not None:
            try:
                sock = sock.handshake(self._tls, host)
            except BaseException:
                sock.close()
                raise
        return sock

    def getreply(self) -> tuple[int, bytes]:
        code, text = super().getreply()
        self._after_354 = code == 354
        return code, text

    def send(self, s: Any) -> None:
        content, self._after_354 = self._after_354, False
        super().send(s)
        self.handed_over = self.handed_over or content


def send_mail(
    smtp: Smtp,
    message: EmailMessage,
    *,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    until: float | None = None,
) -> None:
    """Send *message* through the server of *smtp*, all within ``smtp.timeout`` seconds (and
    before the monotonic time *until*, while *stop* is not set); raises
    :class:`DeliveryError`."""
    login = _login(smtp, os.environ if env is None else env)
    where = f"{smtp.host}:{smtp.port}"
    deadline = Deadline(smtp.timeout, until=until, stop=stop)
    client: _SMTP | None = None
    try:
        context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
        client = _SMTP(smtp, deadline, context if smtp.security == "tls" else None)
        try:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=DeadlineContext(context))  # type: ignore[call-overload]
                client.ehlo()
            if login:
                client.login(*login)
            refused = client.send_message(message)
        finally:
            _quit(client)
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        raise DeliveryError(f"SMTP {where} answered {exc.smtp_code} {text}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"SMTP {where} refused {', '.join(exc.recipients)}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        maybe = client is not None and client.handed_over
        problem = deadline.reason or f"{type(exc).__name__}: {exc}"
        if maybe:
            problem += " (after the message went out, before the server's final answer)"
        raise DeliveryError(f"SMTP {where}: {problem}", maybe_delivered=maybe) from None
    if refused:
        raise DeliveryError(f"SMTP {where} refused {', '.join(refused)}")


def _quit(client: smtplib.SMTP) -> None:
    """End the session; once the message is accepted, a bad answer to QUIT changes nothing
    (it was delivered: failing it now would send it again)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


# --------------------------------------------------------------------------- webhooks
class _Attempt(Exception):
    """One webhook attempt that got no answer: *problem*, whether the request went out
    (*maybe_delivered*), and whether it must be the *last* one."""

    def __init__(self, problem: str, maybe_delivered: bool, last: bool):
        super().__init__(problem)
        self.problem = problem
        self.maybe_delivered = maybe_delivered
        self.last = last  # the run is stopping, or its deadline passed: no retry


def _post_once(
    url: str, body: bytes, headers: Mapping[str, str], deadline: Deadline
) -> tuple[int, str, str | None]:
    """POST *body* to *url* within *deadline*: (status, reason, Retry-After); reads at most
    :data:`ANSWER_LIMIT` bytes of the answer's body. Raises :class:`_Attempt`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = dict(headers)
    # the environment's proxy (http_proxy, https_proxy, no_proxy), as urllib would use it
    proxy = (
        None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(parts.scheme)
    )
    via = urlsplit(proxy if proxy and "://" in proxy else f"http://{proxy}") if proxy else None
    tunnel_headers = {}
    if via is not None and via.username:
        login = f"{unquote(via.username)}:{unquote(via.password or '')}".encode()
        tunnel_headers["Proxy-Authorization"] = "Basic " + base64.b64encode(login).decode()
    connect_to = (via.hostname or "", via.port or 80) if via is not None else (host, port)
    conn: http.client.HTTPConnection
    if https:
        context = DeadlineContext(ssl.create_default_context())
        conn = http.client.HTTPSConnection(*connect_to, context=context)  # type: ignore[call-overload]
        if via is not None:
            conn.set_tunnel(host, port, headers=tunnel_headers)
    else:
        conn = http.client.HTTPConnection(*connect_to)
        if via is not None:  # a plain HTTP proxy is sent the whole URL
            target = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
            headers.update(tunnel_headers)
    conn._create_connection = (  # type: ignore[attr-defined]
        lambda address, *_args: connect(address[0], address[1], deadline, limit=HTTP_READ_LIMIT)
    )
    phase = "connect"
    try:
        conn.connect()
        phase = "send"
        conn.request("POST", target, body=body, headers=headers)
        phase = "answer"
        response = conn.getresponse()
        try:  # the status is the answer; what follows is read a little, never whole
            response.read(ANSWER_LIMIT)
        except (OSError, http.client.HTTPException):
            pass
        return response.status, response.reason, response.getheader("Retry-After")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        problem = deadline.reason or f"{type(exc).__name__}: {exc}"
        if phase == "connect" and deadline.expired:
            problem = f"connecting: {problem}"
        raise _Attempt(problem, phase == "answer", deadline.ends_run) from None
    finally:
        conn.close()


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def post_json(
    url: str,
    payload: Any,
    *,
    delivery_id: str,
    user_agent: str,
    timeout: float = 10,
    retries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
    until: float | None = None,
) -> int:
    """POST *payload* as JSON to *url*; returns the attempts made. Raises
    :class:`DeliveryError` when no attempt was accepted (a 2xx).

    Each attempt has *timeout* seconds in all; none starts after the monotonic time *until*
    or once *stop* is set (which also ends an attempt under way, and a wait)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        "Idempotency-Key": delivery_id,
        "X-Culturewatch-Delivery": delivery_id,
        "Connection": "close",
    }
    shown = webhook_label(url)  # the URL itself may be the webhook's secret
    attempts = 0
    maybe = False  # some attempt went out and got no answer

    def failed(problem: str) -> DeliveryError:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        return DeliveryError(
            f"webhook {shown}: {problem} ({tries})", attempts, maybe_delivered=maybe
        )

    while True:
        attempts += 1
        wait: float | None = None
        try:
            status, reason, retry_after = _post_once(
                url, body, headers, Deadline(timeout, until=until, stop=stop)
            )
        except _Attempt as exc:
            problem = exc.problem
            maybe = maybe or exc.maybe_delivered
            if exc.last:
                raise failed(problem) from None
        else:
            if 200 <= status < 300:
                return attempts
            problem = f"HTTP {status} {reason}"
            if status != 429 and status < 500:
                raise DeliveryError(
                    f"webhook {shown} answered {problem}", attempts, maybe_delivered=maybe
                )
            wait = _retry_after(retry_after)
        if attempts > retries:
            raise failed(problem)
        pause = min(MAX_WAIT, wait if wait is not None else backoff * 2 ** (attempts - 1))
        if until is not None and time.monotonic() + pause >= until:
            raise failed(f"{problem}; no time for a retry before the job's deadline")
        if stop is None:
            sleep(pause)
        elif stop.wait(pause):
            raise failed(f"{problem}; stopped: the scheduler is stopping")
