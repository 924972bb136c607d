"""`python3 -m abcsmc report RUN.h5 -o report.html` (what `abcsmc report` runs)."""

import sys

from .cli import main

sys.exit(main())
