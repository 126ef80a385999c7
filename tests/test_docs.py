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
    """Install-and-start is one command line, the tests one more, and .ci/run runs that very
    line (it reads it from here)."""
    assert "$ python -m venv .venv && . .venv/bin/activate && python -m pip install . && " \
        "tutor start\n" in README
    assert '$ python -m pip install ".[test]" && python -m pytest\n' in README
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci and 'bash -c "$TEST_LINE"' in ci
    assert "`python3 -m venv .venv`" in README and "Windows" in README
    assert "migration-tutor" in README


def test_every_json_key_is_documented(lesson_home):
    """The JSON a script reads is documented: every top-level key each command prints."""
    import json

    from conftest import manage, tutor

    home = lesson_home("first-migrations")
    outputs = {
        "check": tutor(home, "check", "--json"),
        "status": tutor(home, "status", "--json"),
        "lessons": tutor(home, "lessons", "--json"),
    }
    manage(home, "makemigrations", "store")
    assert tutor(home, "check").returncode == 0  # on to the question step
    outputs["question"] = tutor(home, "answer", "--json")
    outputs["answer"] = tutor(home, "answer", "--none", "--json")
    outputs["error"] = tutor(home, "answer", "--json")  # an error, in JSON too
    section = README[README.index("### JSON output"):]
    assert json.loads(outputs["error"].stdout)["error"]
    for command, result in outputs.items():
        data = json.loads(result.stdout)
        keys = set(data)
        for nested in ("check",):
            if isinstance(data.get(nested), dict):
                keys |= set(data[nested])
        for key in keys:
            assert f"`{key}`" in section, (command, key)


def test_no_color_is_honoured_on_a_terminal(lesson_home):
    import os
    import sys

    import pexpect

    home = lesson_home("revert-applied")
    for no_color, coloured in (("", True), ("1", False)):
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        if no_color:
            env["NO_COLOR"] = no_color
        env.update(PYTHONPATH=str(REPO), TERM="xterm")
        child = pexpect.spawn(sys.executable, ["-m", "tutor", "check", "--home", str(home)],
                              env=env, encoding="utf-8", timeout=30)
        child.expect(pexpect.EOF)
        assert ("\x1b[" in child.before) is coloured, child.before


def test_the_lesson_format_reference_documents_every_kind_and_field():
    """lessons/README.md, the lesson writer's reference, names every expectation kind and
    option, every field of a migration named by what it does, and every `about` of a
    question: a field a writer cannot look up is a field nobody uses right."""
    from tutor.lessons import (ALLOWANCE_FIELDS, EXPECTATION_KINDS, QUESTION_ABOUT,
                               SELECTOR_FIELDS)
    from tutor.mutants import mutants_of

    reference = (REPO / "lessons" / "README.md").read_text(encoding="utf-8")
    for kind, declared in EXPECTATION_KINDS.items():
        assert f"`{kind} = " in reference, kind
        for option in declared.options:
            assert f"`{option}" in reference, (kind, option)
    for name in SELECTOR_FIELDS:
        assert f"| `{name}` |" in reference, name
    for about in QUESTION_ABOUT:
        assert f'`about = "{about}"`' in reference, about
    for word in ("[[invariants]]", "when = ", "holds = false", "[[steps.explanation]]",
                 "files_build_database = true", "database_kept = true", "[[steps.allow]]",
                 "[[steps.accepted_mutants]]", "why = "):
        assert word in reference, word
    # The protections' exceptions, each with its options, in the table that lists them.
    for kind, options in ALLOWANCE_FIELDS.items():
        row = next((line for line in reference.splitlines()
                    if line.startswith(f"| `{kind} = ")), "")
        assert row, kind
        for option in (*options, "backends"):
            assert f"`{option}`" in row, (kind, option)
    # Every kind of mutant the lint makes is named in its table.
    from tutor.lessons import SolutionAction

    solution = [SolutionAction(run="python manage.py migrate store 0002 --database teammate"),
                SolutionAction(run="python manage.py migrate")]
    for mutant in mutants_of(solution, ["default", "teammate"]):
        kind = mutant.name.split()[0]
        assert f"| `{kind}" in reference, mutant.name


def test_the_lesson_format_reference_says_each_kind_as_declared():
    """Each expectation kind's row in lessons/README.md names exactly its declared options,
    says each default (and each choice) as the kind declares it, and begins to say what it
    holds in the kind's words; and the kinds said to take `database`, or not, are those whose
    scope says so (course/kinds.py is the one declaration; the reference follows it)."""
    import re

    from tutor.course.kinds import DATABASE, DATABASES, EXPECTATION_KINDS, FILES, RELEASE, \
        kinds_about

    reference = (REPO / "lessons" / "README.md").read_text(encoding="utf-8")
    section = reference[reference.index("## Expectations"):
                        reference.index("### A migration named by what it does")]
    rows = {line.split("`")[1].split(" = ")[0]: line.split("|")[1:4]
            for line in section.splitlines() if re.match(r"\| `[a-z_]+ = ", line)}
    assert set(rows) == set(EXPECTATION_KINDS)
    for name, kind in EXPECTATION_KINDS.items():
        _, options, holds = rows[name]
        assert set(re.findall(r"`([a-z_]+)(?:`| = )", options)) == set(kind.options), name
        for option_name, option in kind.options.items():
            if option.has_default:
                shown = f": {option.default_words}" if option.default_words \
                    else f" {_toml(option.default)}"
                assert f"`{option_name}` (default{shown}" in options, (name, option_name)
            for choice in option.choices:
                assert f'`"{choice}"`' in options, (name, option_name, choice)
        assert kind.words in holds, name
    paragraph = " ".join(reference[reference.index("Every expectation about one database"):
                                   reference.index("| key | options | holds when |")].split())
    for scope, opening in ((DATABASE, "Every expectation about one database ("),
                           (FILES, "The expectations about the files ("),
                           (DATABASES, "several databases at once ("),
                           (RELEASE, "about a release (")):
        listed = paragraph[paragraph.index(opening) + len(opening):].split(")")[0]
        said = set(re.findall(r"`([a-z_]+)`", listed)) & set(EXPECTATION_KINDS)
        assert said == set(kinds_about(scope)), scope


def _toml(value) -> str:
    """A default as a lesson would write it: `true`, `"store"`."""
    return str(value).lower() if isinstance(value, bool) else f'`"{value}"`'


def test_the_development_section_names_every_module():
    """A newcomer finds every module's one job in the README (issue 28, point 1): a module
    added without a word there fails here."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Development"):readme.index("### The benchmark")]
    modules = [path for path in sorted((REPO / "tutor").rglob("*.py"))
               if path.name not in ("__init__.py", "__main__.py")]
    assert len(modules) > 40
    # A package's module is named by its name, or by its package and name (`course/load.py`).
    missing = [str(path.relative_to(REPO)) for path in modules
               if f"`{path.name}`" not in section
               and f"`{path.parent.name}/{path.name}`" not in section]
    assert missing == []
    packages = [path.parent.name for path in (REPO / "tutor").glob("*/__init__.py")]
    assert "classroom" in packages
    for package in packages:
        assert f"`{package}/`" in section, package


def test_the_readme_lists_the_course_as_its_path_of_chapters():
    """"The course" shows the shipped chapters in their order, each with its title and
    promise, and every lesson once, under its chapter, in the path's order."""
    import re

    from tutor.lessons import load_course

    section = README[README.index("## The course\n"):README.index("## Development")]
    course = load_course()
    headings = re.findall(r"^### (\d+)\. (.+)$", section, flags=re.MULTILINE)
    assert headings == [(str(i), c.title) for i, c in enumerate(course.chapters, 1)]
    for chapter in course.chapters:
        assert f"\n{chapter.promise}\n" in section, chapter.id
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE)
    assert listed == course.order
