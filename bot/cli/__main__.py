"""``python -m bot.cli``: the same as the ``stylist`` command."""

import sys

from bot.cli import main

sys.exit(main())
