"""``python -m adamtheory`` = the ``adamtheory`` command."""

import sys

from .cli import main

sys.exit(main())
