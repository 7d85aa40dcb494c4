"""The ``stylist`` command line: a terminal front-end over the engine. Its ``--json`` output is a contract.

Modules, each importing only those above it in this list: ``output`` and ``files`` (talking back, reading
photos), ``command`` (what a command is; opens the app from ``bot.main``), the command groups ``photos``,
``wardrobe``, ``outfits`` and ``maintenance``, ``parser`` (all groups in one parser) and ``runner`` (settings,
logging, dispatch and the central error handler).
"""

from __future__ import annotations

from bot.process import set_process_defaults


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    set_process_defaults()
    # Imported only now: numpy, torch and the Hugging Face libraries read those defaults when they load.
    from bot.cli.runner import run

    return run(argv)


__all__ = ["main"]
