"""What every baton command shares: the --config/--debug options, loading the config,
and turning user mistakes into one line and an exit code (never a traceback unless
--debug): 0 ok, 1 a source or the database failed, 2 bad config, a bad BATON_* variable
or flag, or a port that is taken, 75 locked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import OperationalError

from baton.config import BatonConfig, load_config
from baton.listen import ListenError
from baton.settings import SettingsError, env_settings
from rules.configfile import ConfigError, Problem

EXIT_FAILED, EXIT_CONFIG = 1, 2

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", help="baton.yaml to use (default: $BATON_CONFIG, else ./baton.yaml).",
    dir_okay=False)]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    typer.echo(f"baton: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Turn known user-facing failures into one line and an exit code (tracebacks with
    --debug or BATON_DEBUG=1)."""
    try:
        debug = debug or env_settings().debug
        yield
    except (SettingsError, ListenError) as exc:
        fail(str(exc), EXIT_CONFIG)
    except ConfigError as exc:
        if debug:
            raise
        typer.echo(exc.report(), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    except OperationalError as exc:
        if debug:
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        where = ("that baton may write to its folder" if isinstance(exc.orig, sqlite3.Error)
                 else "that the server is up")
        fail(f"database: {reason}; check `database` in your config and {where}")


def load(config_path: Path | None, *, secrets: bool = False) -> BatonConfig:
    """baton.yaml from --config, else $BATON_CONFIG. Only commands that call an API (sync,
    config check) pass `secrets=True`; the others run without the sources' secrets."""
    path = config_path or env_settings().config
    if not path.exists():
        raise ConfigError([Problem(str(path), 1, 1, (
            "config file not found; pass --config FILE or set BATON_CONFIG "
            "(start from config/baton.example.yaml)"))])
    return load_config(path, secrets=secrets)
