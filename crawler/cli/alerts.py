"""The ``alerts`` group: ``alerts --list`` (each alert's deliveries) and ``alerts run``."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import config_option, db_option, fail, handle_errors

__all__ = ["alerts"]


@click.group(invoke_without_command=True)
@config_option
@db_option
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="List the alerts, each target's last delivery and last error.",
)
@click.pass_context
@handle_errors
def alerts(ctx: click.Context, config: Path | None, db: Path | None, list_only: bool) -> None:
    """Saved searches that reach people (alerts.toml): e-mail, webhooks, an Atom feed each.

    `alerts --list` shows every alert with its targets, last delivery and last error;
    `alerts run` delivers what is new now (the scheduler runs them on their frequency).
    """
    if ctx.invoked_subcommand is not None:
        return
    if not list_only:
        click.echo(ctx.get_help())
        return
    from rich.console import Console
    from rich.table import Table

    from crawler.outputs.alerts_plan import AlertsPlan
    from storage.alert_state import delivery_status
    from storage.connection import reading
    from storage.schema import bring_up_to_date

    plan = AlertsPlan.from_config(config_dir_path=config, db=db)
    for warning in plan.warnings:
        click.echo(warning, err=True)
    status: dict[tuple[str, str], dict] = {}
    if plan.db.exists():
        bring_up_to_date(plan.db)  # an archive of an older release gets the alert tables
        with reading(plan.db) as database:
            status = {(r["alert"], r["target"]): r for r in delivery_status(database)}
    if not plan.config.alerts:
        click.echo(f"no alerts in {plan.config.path} nor saved in {plan.db}")
        return
    table = Table(title=f"alerts of {plan.config.path}, deliveries in {plan.db}")
    for name in ("alert", "frequency", "target", "last delivery", "stories sent", "last error"):
        table.add_column(name, overflow="fold")
    for alert in plan.config.alerts:
        for target in alert.targets or ("(feed only)",):
            row = status.get((alert.name, target), {})
            table.add_row(
                alert.name,
                alert.frequency,
                target,
                row.get("last_delivery") or "never",
                str(row.get("stories_sent") or 0),
                row.get("last_error") or "",
            )
    Console(width=160).print(table)
    if any(a.feed for a in plan.config.alerts):
        click.echo(f"feeds: {plan.feeds}/NAME.xml")


@alerts.command("run")
@config_option
@db_option
@click.option("--name", "names", multiple=True, help="Only this alert (repeatable).")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send and write nothing.")
@handle_errors
def run(config: Path | None, db: Path | None, names: tuple[str, ...], dry_run: bool) -> None:
    """Deliver what is new now for every alert (or --name), whatever its frequency.

    Each target gets the stories none of whose copies it was sent before; a failed delivery
    is recorded and sent with the next run. Every delivery has an id made before its first
    attempt (the e-mail's Message-ID, the webhook's Idempotency-Key header and delivery_id):
    one that may have arrived (a timeout, a drop before the server's final 250) goes again
    first, same stories, same id. Each attempt has a total deadline (delivery.timeout per
    webhook attempt, smtp.timeout per SMTP session) and reads at most 64 KiB of an answer.
    Exit status 1 when a delivery failed.
    """
    from crawler.outputs.alert_runs import run_alerts
    from crawler.outputs.alerts_plan import AlertsPlan

    plan = AlertsPlan.from_config(config_dir_path=config, db=db)
    for warning in plan.warnings:
        click.echo(warning, err=True)
    if not plan.config.alerts:
        click.echo(f"no alerts in {plan.config.path} nor saved in {plan.db}")
        return
    if not plan.db.exists():
        fail(f"no archive at {plan.db}")
    outcomes = run_alerts(plan, names=names, dry_run=dry_run)
    for o in outcomes:
        click.echo(f"{o.alert} -> {o.target}: {o.described()}")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        n = len(failed)
        fail(f"{n} deliver{'y' if n == 1 else 'ies'} failed; sent again by the next run", 1)
