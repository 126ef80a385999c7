"""`python -m tutor.probe SANDBOX [--fresh-build]`: prints the sandbox's state as one JSON
answer (`probe()`); `--fresh-build-only SANDBOX` prints the fresh build's alone (the fresh
build's own process, where there is no fork)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..state import SETTINGS_MODULE
from . import probe
from .fresh_build import fresh_build


def main(argv: list[str]) -> int:
    fresh_only = argv[:1] == ["--fresh-build-only"]
    arguments = [a for a in argv if not a.startswith("--")]
    sandbox = Path(arguments[0]).resolve()
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(sandbox))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if fresh_only:
        print(json.dumps(fresh_build(sandbox).to_json()))
        return 0
    print(json.dumps(probe(sandbox, "--fresh-build" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
