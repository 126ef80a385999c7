"""`python -m tutor.classroom.bench`, the class server's load benchmark as the README names it:
it lives with the speed benchmark, in `tutor/bench/class_load.py`."""

import sys

from ..bench.class_load import main

if __name__ == "__main__":
    sys.exit(main())
