"""`python -m tutor.bench`: the speed benchmark (`speed.py`)."""

import sys

from .speed import main

sys.exit(main())
