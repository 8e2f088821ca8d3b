"""``billing-reports``: the service's one command line (docs/contract.md §9).

    billing-reports migrate                  create or upgrade the schema of DATABASE_URL
    billing-reports serve [--host --port --workers]
    billing-reports demo [--json] [--reset]  load the demo world, generate its reports
    billing-reports generate PERIOD          generate (or regenerate) a period's reports
    billing-reports token create --organization ID|NAME [--name --scope ... --expires-in-days]
    billing-reports token revoke TOKEN
    billing-reports export-schema [--output FILE]
    billing-reports import-usage FILE [--skip-invalid]        (server.import_command)
    billing-reports auto-submit [--as-of TIMESTAMP]          (server.ops_commands)
    billing-reports export report REPORT_ID | period YYYY-MM [--partner ID] [--output FILE]
    billing-reports usage-partitions list | create | archive YYYY-MM    (server.partition_commands)

The database is ``DATABASE_URL`` (Tortoise URL form, e.g. ``sqlite://billing_reports.sqlite3`` or
``postgres://user:password@host:5432/billing``), else ``billing_reports.sqlite3`` in the
working directory. Errors are one line on stderr and a non-zero exit (2: bad arguments).
Stdlib ``argparse`` only; the API (``server.app``, ``resolvers.root``) is imported by the
commands that need it, so the rest works without loading Strawberry.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from server import commands, import_command, ops_commands, partition_commands
from server.database import database_url
from server.database_session import CommandError, is_postgres_url, open_database, require_migrated
from server.settings import Settings
from workflow.core.errors import DomainError

PROG = "billing-reports"
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # server.metrics.MULTIPROC_DIR, read before it is imported


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
        return 0
    except CommandError as error:
        return _fail(str(error), error.exit_code)
    except DomainError as error:
        return _fail("; ".join(p.message for p in error.problems))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as error:  # the last resort: one line, or the traceback if asked
        if args.traceback:
            traceback.print_exc()
        return _fail(f"{type(error).__name__}: {error}" + ("" if args.traceback else " (--traceback shows where)"))


def _fail(message: str, exit_code: int = 1) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Monthly billing reports for a two-tier channel. "
        "The database is DATABASE_URL (Tortoise URL form), else ./billing_reports.sqlite3.",
    )
    parser.add_argument("--traceback", action="store_true", help="show the traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("migrate", help="create or upgrade the database schema (idempotent)")
    p.set_defaults(run=_migrate)

    p = sub.add_parser("serve", help="serve the GraphQL API and the CSV exports")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="processes; more than 1 needs PostgreSQL")
    p.set_defaults(run=_serve)

    p = sub.add_parser("demo", help="load the demo world (an empty database) and generate its reports")
    p.add_argument("--json", action="store_true", help="print the world and its tokens as JSON, only that")
    p.add_argument("--reset", action="store_true", help="delete ALL data first, if the database holds any")
    p.set_defaults(run=_demo)

    p = sub.add_parser("generate", help="generate the reports of a period, regenerate editable ones")
    p.add_argument("period", metavar="PERIOD", help="YYYY-MM, e.g. 2026-10")
    p.set_defaults(run=_generate)

    p = sub.add_parser("token", help="create or revoke API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    t = token_sub.add_parser("create", help="create a token (printed once on stdout)")
    t.add_argument(
        "--organization",
        required=True,
        metavar="ID_OR_NAME",
        help="the organization's global ID (as the API shows it) or exact name",
    )
    t.add_argument("--name", help="who or what uses the token (default: 'command line')")
    t.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="repeat for several; default: the scopes of the organization's tier",
    )
    t.add_argument("--expires-in-days", type=int, metavar="DAYS", help="default: never expires")
    t.set_defaults(run=_token_create)
    t = token_sub.add_parser("revoke", help="revoke a token")
    t.add_argument("token", metavar="TOKEN")
    t.set_defaults(run=_token_revoke)

    p = sub.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    p.add_argument("--output", metavar="FILE", help="write it to FILE instead of stdout")
    p.set_defaults(run=_export_schema)
    ops_commands.add_commands(sub)
    import_command.add_parser(sub)
    partition_commands.add_commands(sub)
    return parser


def _migrate(args: argparse.Namespace) -> None:
    asyncio.run(commands.migrate(database_url()))


def _demo(args: argparse.Namespace) -> None:
    asyncio.run(commands.demo(database_url(), as_json=args.json, reset=args.reset))


def _generate(args: argparse.Namespace) -> None:
    asyncio.run(commands.generate(database_url(), args.period))


def _token_create(args: argparse.Namespace) -> None:
    asyncio.run(commands.create_token(database_url(), args.organization, args.name, args.scope, args.expires_in_days))


def _token_revoke(args: argparse.Namespace) -> None:
    asyncio.run(commands.revoke(database_url(), args.token))


def _serve(args: argparse.Namespace) -> None:
    url = database_url()
    if args.workers < 1:
        raise CommandError("--workers must be at least 1", exit_code=2)
    if args.workers > 1 and not is_postgres_url(url):
        # SQLite has one writer, and live events travel in-process: one worker only.
        raise CommandError(
            f"--workers {args.workers} needs PostgreSQL: with SQLite the API runs in one process "
            "(set DATABASE_URL=postgres://... or use --workers 1)",
            exit_code=2,
        )
    settings = Settings.from_env()  # fail here, clearly, on a malformed setting
    # Before prometheus-client is first imported (it picks its mode then): every worker
    # writes its metrics in this directory, and /metrics sums them (server.metrics).
    _prepare_metrics_directory(args.port)
    asyncio.run(_check_schema(url))
    _run_uvicorn(args, settings)


def _prepare_metrics_directory(port: int) -> None:
    """``PROMETHEUS_MULTIPROC_DIR``, else one of this port's in the temporary directory, emptied.

    Set before prometheus-client is first imported: it picks its multi-process mode then.
    The directory stays after the server exits (uvicorn exits by re-raising SIGTERM); the
    next ``serve`` on the port empties it.
    """
    path = os.environ.get(METRICS_DIR_VARIABLE)
    if not path:
        path = os.path.join(tempfile.gettempdir(), f"billing-reports-metrics-{os.getuid()}-{port}")
        os.environ[METRICS_DIR_VARIABLE] = path
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):  # a former run's values would be summed in
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def _run_uvicorn(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn  # loaded only to serve
    from uvicorn.config import LOGGING_CONFIG

    import server.app  # noqa: F401  (fail here, clearly, if the API cannot be imported)

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # all logs on stderr
    if settings.log_format == "json":  # one JSON object per line, with the request ID (server.logs)
        for formatter in ("default", "access"):
            log_config["formatters"][formatter] = {"()": "server.logs.JsonFormatter"}
        # Every other logger too (Strawberry's errors, the request IDs' own), not Python's bare last resort.
        log_config["root"] = {"handlers": ["default"], "level": "WARNING"}
    # The service's own logs (the background deadline sweep) beside uvicorn's.
    log_config["loggers"]["billing_reports"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config,
        access_log=settings.access_log,
        ws_max_size=1024 * 1024,  # a WebSocket message is bounded like a POST body (1 MiB)
        # On SIGTERM uvicorn stops listening at once, lets requests in flight finish, then
        # runs the lifespan's shutdown; without a bound one endless stream would hold it.
        # uvicorn hints int, but waits with asyncio: a fraction of a second works (the tests use one).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds or None,  # type: ignore[arg-type]  # see above
    )


async def _check_schema(url: str) -> None:
    async with open_database(url):
        await require_migrated()


def _export_schema(args: argparse.Namespace) -> None:
    from resolvers.root import schema  # loaded only for this command

    sdl = schema.as_str().rstrip("\n") + "\n"
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
        commands.progress(f"wrote the schema to {args.output}")
    else:
        sys.stdout.write(sdl)


if __name__ == "__main__":
    sys.exit(main())
