"""The README documents every command and option a learner can type."""

from __future__ import annotations

import argparse

from conftest import REPO

from tutor.cli import COMMANDS, build_parser

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme():
    subparsers = next(a for a in build_parser()._actions
                      if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        assert f"`tutor {name}" in README, name
        for action in subparsers.choices[name]._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, (name, option)


def test_the_readme_names_its_two_commands():
    assert "pip install ." in README
    assert "python -m pytest" in README
