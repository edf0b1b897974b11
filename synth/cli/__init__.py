"""The ``synth`` command line: parse options, open the library, call one library function,
print. Every :class:`~synth.errors.SynthError` becomes one ``error: ...`` line on stderr and
the error's exit code; an ingest in which some items failed exits 1 after its summary.

:mod:`~synth.cli.app` holds the group and its helpers, :mod:`~synth.cli.library_commands` the
commands on papers, :mod:`~synth.cli.report_commands` those on reports.
"""

from synth.cli import library_commands, report_commands  # noqa: F401 (registers the commands)
from synth.cli.app import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="synth")
