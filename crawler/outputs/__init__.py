"""What reaches people, as the application runs it: the digest and the alerts.

``digests`` (the day's digest, configuration read here, rendered by :mod:`storage.outputs`),
``alerts_plan`` (the alerts and settings a run works from), ``alert_runs`` (what is new for
each alert and target) and ``deliveries`` (SMTP, webhooks).

Alerts
------
Saved searches that come to you, the way Google Alerts does: a query, a frequency, and an
e-mail, a webhook or a feed, in ``config/alerts.toml`` (every key explained there; a
missing file means no alerts).

- **The query** is the concept search's (:mod:`storage.concepts`): terms in any language,
  ``OR``, ``AND``, ``NOT`` (upper case), ``"quoted phrases"``, parentheses and ``prefix*``;
  terms side by side must all match. A name the themes know stands for all its aliases, so
  ``哪吒``, ``Nezha`` and ``"Ne Zha"`` find the same articles in both languages. A query that
  cannot be read as written is refused when the file is read, like any other mistake in it:
  one line naming ``alerts.toml``, the line and the key, and exit status 2 (for ``alerts``
  and ``schedule``).
- **What is new**: articles first archived in the last ``delivery.lookback_days`` (7) that
  match the query and filters (``themes``, ``min_relevance``, ``languages``, ``groups``),
  **grouped into stories** as in the digest: each story is listed once, its best copy first,
  with the other outlets that carried it. Each target (each address, the webhook) is sent a
  story once: a story any copy of which it was already sent is not sent again when another
  outlet carries it. A second run with nothing new sends nothing.
- **When**: ``culturewatch alerts run`` runs every alert now (``--name`` for some,
  ``--dry-run`` to see what each target would get, sending and writing nothing).
  ``culturewatch schedule`` runs the ``after_crawl`` alerts after every crawl that was not
  skipped, and the ``daily`` and ``weekly`` ones on ``[schedule]`` of ``alerts.toml``
  (``daily = "0 7 * * *"``, ``weekly = "0 7 * * 1"``, in ``schedule.timezone``);
  ``schedule --list`` shows those jobs. Each run is a row in ``jobs`` (``alerts``). The
  ``after_crawl`` alerts are a job of their own, so the next crawl never waits for them;
  while one run of them is still delivering, the next is skipped and recorded so (a
  ``skipped`` row with the reason), its stories going with the run after. A run of alerts
  starts no delivery after 10 minutes, nor after SIGTERM, which also abandons the delivery
  under way (within a quarter of a second). The
  scheduler reads ``alerts.toml`` again before each run, so an edit counts at once (a changed
  ``[schedule]``, or the first daily or weekly alert, takes a restart).
- **E-mail**: one message per address, multipart text and HTML (the digest's story list:
  title linked, source, time, language, relevance, the other outlets, the first sentences),
  ``Subject: culturewatch alert nezha: 2 new stories``. **Webhook**: a POST of JSON, either a
  generic body (``alert``, ``query``, ``delivery_id``, ``generated_at``, ``story_count``,
  ``article_count``, ``stories``: each with ``title``, ``url``, ``source``, ``published_at``,
  ``fetched_at``, ``language``, ``relevance``, ``themes``, ``extract``, ``outlets`` and the
  URLs of its ``articles``) or the Slack-compatible shape (``text``, ``blocks``), with
  retries after a 5xx, a 429 or a network error with exponential backoff
  (``delivery.retries``, 3; ``delivery.backoff``, 2 s; ``Retry-After`` honoured up to 60 s).
  The message's ``Message-ID`` and the webhook's ``Idempotency-Key`` and
  ``X-Culturewatch-Delivery`` headers carry the delivery's id. A
  webhook is shown (in the archive, ``alerts --list``, errors) by its scheme, host and a
  hash of its URL, ``webhook:https://hooks.slack.com/…3fa9c2d1e0``, never by its path,
  which is often its secret.
- **Deadlines.** Each attempt has a total deadline, whatever the server does: a webhook
  call ``delivery.timeout`` (10 s) from connecting to the end of the answer, each retry as
  much again; an e-mail ``smtp.timeout`` (30 s) for the whole session (connecting, TLS,
  login, the message and the server's final answer). A server that drips its answer is
  abandoned then, and the delivery fails (it is sent again, see below). At most 64 KiB of a
  webhook's answer body is read (its status is what counts: a 2xx is accepted whatever
  follows), 256 KiB of its answer in all, 1 MiB of an SMTP server's answers.
- **Feed** (the pull option): every run rewrites ``FEEDS/NAME.xml``, an Atom feed of the
  alert's stories of the lookback window, newest first; FEEDS is ``delivery.feeds``, else
  ``alerts/`` in the ``digest.out`` directory (``digests/alerts/nezha.xml``). ``feed =
  false`` turns it off.
- **Exactly once, with the receiver's help.** What each alert sent to each target is
  recorded in the archive (``alert_sends``, ``alert_items``), the articles claimed in the
  same write transaction that found them new, so two runs at once never send one story
  twice. A delivery's id is made then, before its first attempt. A delivery that failed is
  recorded with its error, shown by ``alerts --list`` and the canned query
  ``alert_deliveries``, and ``alerts run`` exits with status 1. When the target refused it
  (the server answered an error, the webhook answered 500 through every retry) or it never
  reached it (no connection), its stories are sent by the next run, once, with whatever is
  new, under a new id. When it may have arrived all the same (the whole message or request
  went out and no answer came back: a timeout, a connection dropped before SMTP's final
  ``250``), and when a crash cut it off (after 30 minutes), the next run sends it again
  first, **under the same id with the same stories**: the same ``Message-ID``,
  ``Idempotency-Key`` and ``delivery_id``, so a receiver that keeps the ids it has seen
  drops the duplicate. Until that delivery goes through, nothing new is sent to that
  target (the new stories wait, and go in a delivery of their own after it). One alert's
  or target's failure never stops the others, nor the crawl.
- **Escaped.** Article text is hostile input: the HTML part is escaped (only ``http(s)``
  URLs become links), the text part and the HTML lose control and bidi characters, the
  Slack text escapes ``&``, ``<`` and ``>`` (no ``<!channel>`` from an article), the JSON is
  JSON, the subject carries no article text.
- **Targets are yours**: the private-network guard of the crawl does not apply to them, so a
  mail relay or a chat server on your own network works.

How to point it at a mail server (a local relay, a provider with a login kept in the
environment, implicit TLS, a private certificate authority, or a test server that prints
what it receives) is told in the comments of ``config/alerts.toml``.
"""
