"""``culturewatch schedule``: crawls, digests and alerts on a cron schedule, unattended.

``scheduler`` (the APScheduler loop and its signals), ``plan`` (the configuration it runs on,
checked at start) and ``jobs`` (what each job runs and records). The cron expressions are
read by :mod:`crawler.config.cron`.

How it behaves
--------------
``[schedule]`` in ``settings.toml`` holds two cron expressions (five fields: minute, hour, day
of month, month, day of week with 0 or 7 = Sunday) and the time zone they are read in
(``timezone``, any IANA name; it is also the digests' day). An expression may restrict the
day of month or the day of week, not both (``0 7 1 * 1``): crontab reads that as either day,
APScheduler as both, so ``schedule`` refuses it rather than run it less often. Each crawl
runs in a fresh process (``python -m crawler crawl``), so a crash or a leak in one never
affects the next. The digest job writes the digest of the day that just ended
(``digest.day = "previous"``) or of today so far (``"today"``) into ``digest.out``. The
alerts of ``alerts.toml`` run after every crawl that was not skipped (``after_crawl``) and on
their own ``[schedule]`` (``daily``, ``weekly``); ``schedule --list`` shows every job and its
next run.

- **One crawl at a time per archive.** Every crawl, scheduled or started by hand, holds an
  ``fcntl`` lock on ``<archive>.lock`` (e.g. ``data/culturewatch.db.lock``,
  :mod:`crawler.lock`). A crawl started while another runs stops at once with one line and
  exit status 75 (EX_TEMPFAIL); a scheduled crawl that finds the lock taken is recorded as
  skipped. ``culturewatch rescore`` and ``culturewatch stories rebuild`` hold the same lock,
  and the line says what holds it: ``a rescore is running on data/culturewatch.db (pid
  1234); try again when it has finished``.
- **Missed runs** (the machine slept, a crawl ran long) are coalesced into one run, which
  still happens if it is late by less than 10 minutes (crawl) or 12 hours (digest, daily
  and weekly alerts). A run skipped (too late, or the previous run of the job still
  running) is a ``skipped`` row in ``jobs`` with the reason (``missed by 900s, more than its
  grace time (600s)``, ``the previous crawl run was still running``).
- **Alerts never hold the crawls.** The ``after_crawl`` alerts run as a job of their own
  after each crawl (a run while the previous one still delivers is skipped and recorded;
  its stories go with the next); every delivery attempt has a total deadline
  (``smtp.timeout``, ``delivery.timeout``), and a run of alerts starts no delivery after 10
  minutes.
- **Failures are recorded, the schedule goes on.** Every job is a row in the ``jobs`` table
  (browse it in Datasette) and two log lines on stderr: when it started, and when it ended
  with what it did (the crawl's summary, the digest's files) or why it failed.
- **Stopping.** SIGINT or SIGTERM stops the scheduler: a running crawl is passed the signal
  once, finishes the requests in flight (for at most about 7 seconds), records its run as
  interrupted; running alerts abandon the delivery under way within a quarter of a second
  and start no other (the run is recorded ``interrupted``; what it did not deliver goes with
  the next run), and the scheduler exits with status 0. A second signal stops the crawl at
  once. Under systemd, ``KillMode=mixed`` sends SIGTERM to the scheduler only, which passes
  it on to a running crawl exactly once.
- Invalid cron expressions or time zones stop ``schedule`` (and every other command) at start
  with one line naming ``settings.toml`` and the key, and exit status 2.

A systemd service
-----------------
``/etc/systemd/system/culturewatch.service``; then ``systemctl enable --now culturewatch``, and
``journalctl -u culturewatch -f`` for the log::

    [Unit]
    Description=culturewatch scheduled crawls and daily digests
    After=network-online.target
    Wants=network-online.target

    [Service]
    User=culturewatch
    WorkingDirectory=/srv/culturewatch
    ExecStart=/srv/culturewatch/.venv/bin/culturewatch schedule
    # SIGTERM to the scheduler only: it passes the signal on to a running crawl exactly once
    KillMode=mixed
    TimeoutStopSec=180
    Restart=on-failure

    [Install]
    WantedBy=multi-user.target

The login of an alert's mail server goes into the environment of this service, never into a
file of the repository: ``EnvironmentFile=/etc/culturewatch/smtp.env`` (mode 0600) under
``[Service]`` (``config/alerts.toml`` says what it holds). Without a long-running process,
plain cron works too (README, "Run it unattended"): the lock keeps a slow crawl and the next
one apart.
"""
