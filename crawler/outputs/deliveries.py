"""How an alert reaches people: an e-mail over SMTP, a JSON POST to a webhook.

The targets are the operator's own configuration (``alerts.toml``), not pages the crawler
was sent to, so the private-network guard of the crawl does not apply: a mail relay or a
chat server on the local network is a normal target.

E-mail: :func:`build_message` makes a multipart text + HTML message whose Message-ID is the
send's id (a send made again after a crash carries the same one); :func:`send_mail` sends it
with :mod:`smtplib`, over ``none``, ``starttls`` or ``tls``, logging in with the user and
password found in the environment variables ``[smtp]`` names (never in a file).

Webhook: :func:`post_json` POSTs a JSON body with the send's id in ``Idempotency-Key`` and
``X-Culturewatch-Delivery``; a network error, a timeout, a 429 or a 5xx is retried with
exponential backoff (``Retry-After`` honoured up to :data:`MAX_WAIT`), any other answer but a
2xx fails at once. Redirects are not followed (a webhook that moved is a configuration to fix).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from crawler.config.alerts import Smtp, webhook_label

__all__ = ["MAX_WAIT", "DeliveryError", "build_message", "post_json", "send_mail"]

MAX_WAIT = 60.0  # seconds: the longest wait before a webhook retry


class DeliveryError(Exception):
    """A delivery that did not go through, in one line; *attempts* were made."""

    def __init__(self, message: str, attempts: int = 1):
        super().__init__(" ".join(message.split()))
        self.attempts = attempts


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


def send_mail(smtp: Smtp, message: EmailMessage, *, env: Mapping[str, str] | None = None) -> None:
    """Send *message* through the server of *smtp*; raises :class:`DeliveryError`."""
    login = _login(smtp, os.environ if env is None else env)
    where = f"{smtp.host}:{smtp.port}"
    try:
        context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        try:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
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
        raise DeliveryError(f"SMTP {where}: {type(exc).__name__}: {exc}") from None
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
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is raised as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirect)


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
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
) -> int:
    """POST *payload* as JSON to *url*; returns the attempts made. Raises
    :class:`DeliveryError` when no attempt was accepted (a 2xx)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        "Idempotency-Key": delivery_id,
        "X-Culturewatch-Delivery": delivery_id,
    }
    shown = webhook_label(url)  # the URL itself may be the webhook's secret
    attempts = 0
    while True:
        attempts += 1
        wait: float | None = None
        try:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with _OPENER.open(request, timeout=timeout) as response:
                response.read()
                return attempts
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                raise DeliveryError(f"webhook {shown} answered {problem}", attempts) from None
            wait = _retry_after(exc)
        except OSError as exc:  # URLError, timeouts, refused connections
            reason = getattr(exc, "reason", exc)
            problem = f"{type(reason).__name__}: {reason}"
        if attempts > retries:
            tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
            raise DeliveryError(f"webhook {shown}: {problem} ({tries})", attempts)
        sleep(min(MAX_WAIT, wait if wait is not None else backoff * 2 ** (attempts - 1)))
