"""Process-wide defaults every front-end sets first: offline models, quiet libraries, one line per log record."""

from __future__ import annotations

import logging
import os
import sys

_NOISY_LOGGERS = ("alembic", "chromadb", "httpx", "onnxruntime", "sentence_transformers")


def set_process_defaults() -> None:
    """Set the environment the engine's libraries read when they load; call before importing the engine."""
    # Nothing is ever downloaded at run time, and library progress bars would clutter the terminal.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Composing runs small matrix products; an idle BLAS worker spinning on the other core only slows them.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, one line per record, with the chatty libraries held to warnings."""
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in _NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
