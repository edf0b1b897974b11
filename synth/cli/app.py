"""The ``synth`` group, its shared options and the helpers every command uses: turning any
:class:`~synth.errors.SynthError` into one ``error: ...`` line and its exit code, progress
bars, opening the library, parsing ``--format``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from synth import __version__
from synth.config import Settings, load_settings
from synth.errors import SynthError
from synth.store.db import Store, open_store

BUG_EXIT = 70  # EX_SOFTWARE: synth itself failed
MAX_MESSAGE = 500  # characters of an error's message on its line (its hint follows in full)


class SynthGroup(click.Group):
    """Every failure a user can meet ends as one ``error: ...`` line and a non-zero exit: a
    :class:`SynthError` with its own exit code, anything else (a bug) with :data:`BUG_EXIT`
    and its traceback only under ``--verbose``."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SynthError as err:
            message = err.message if len(err.message) <= MAX_MESSAGE else \
                err.message[:MAX_MESSAGE] + "…"
            click.echo(f"error: {message}" + (f" ({err.hint})" if err.hint else ""), err=True)
            ctx.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as err:  # noqa: BLE001 - the last line of defence: one line, no traceback
            if logging.getLogger().isEnabledFor(logging.INFO):
                logging.getLogger("synth").exception("internal error")
            detail = " ".join(str(err).split())[:200]
            click.echo(f"error: synth failed unexpectedly ({type(err).__name__}: {detail}); "
                       "this is a bug in synth: please report it with the command you ran "
                       "(add -v for the traceback)", err=True)
            ctx.exit(BUG_EXIT)


class Bars:
    """tqdm progress bars keyed by label; the library only calls ``(label, done, total)``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, object] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(label)
        if bar is None:
            bar = self.bars[label] = tqdm(total=total, desc=label, unit=" items",
                                          file=sys.stderr, leave=False)
        if total is None:
            bar.update(done)  # type: ignore[attr-defined]
        else:
            bar.update(done - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


@contextmanager
def progress_bars(quiet: bool) -> Iterator[Bars]:
    bars = Bars(enabled=not quiet and sys.stderr.isatty())
    try:
        yield bars
    finally:
        bars.close()


@click.group(cls=SynthGroup)
@click.version_option(__version__, prog_name="synth")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Library folder (default: $SYNTH_HOME, else ~/.local/share/synth).")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does to stderr.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, verbose: bool) -> None:
    """synth: literature synthesis in which every claim traces to a page and character span."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = load_settings(home=home)


def _store(settings: Settings) -> Store:
    return open_store(settings.db_path)


def _formats(value: str) -> list[str]:
    from synth.report.render import FORMATS

    formats = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(f"use a comma-separated list of {', '.join(FORMATS)}")
    return formats


