"""The wheel, installed into a fresh virtual environment, works from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def offline_install(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """As the README says for a room without internet: `pip wheel . -w wheelhouse` where
    there is a network, then `pip install --no-index --find-links wheelhouse
    migration-tutor` where there is none. Both tests use this one installation."""
    work = tmp_path_factory.mktemp("wheel")
    wheelhouse = work / "wheelhouse"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheelhouse),
                    str(REPO)], check=True)
    environment = work / "offline-venv"
    venv.create(environment, with_pip=True)
    installed = subprocess.run(
        [str(environment / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
         "--find-links", str(wheelhouse), "migration-tutor"], capture_output=True, text=True)
    return environment / "bin" / "tutor", installed


def test_wheel_ships_lessons_and_sandbox_and_runs_from_another_folder(offline_install, tmp_path):
    installed_tutor, installed = offline_install
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    home = tmp_path / "home"

    def run(*args):
        return subprocess.run([str(installed_tutor), *args, "--home", str(home)], cwd=elsewhere,
                              capture_output=True, text=True)

    listed = run("lessons", "--json")
    assert listed.returncode == 0, listed.stderr
    # The same command under a name of its own (Open edX installs a `tutor` command too).
    other = subprocess.run([str(installed_tutor.with_name("migration-tutor")), "lessons",
                            "--json", "--home", str(home)], cwd=elsewhere, capture_output=True,
                           text=True)
    assert other.returncode == 0 and json.loads(other.stdout) == json.loads(listed.stdout)
    ids = [row["id"] for row in json.loads(listed.stdout)["lessons"]]
    assert {"revert-applied", "delete-unapplied"} <= set(ids)

    assert run("reset", "revert-applied").returncode == 0
    assert (home / "sandbox" / "store" / "migrations" / "0003_change_price_field.py").is_file()
    checked = run("check", "--json")
    assert checked.returncode == 1, checked.stderr
    assert json.loads(checked.stdout)["lesson"] == "revert-applied"
    assert (home / "sandbox" / "manage.py").is_file()
    # The course and the sandbox template come out of the installed package, not this checkout.
    python = installed_tutor.parent / "python"
    for folder in ("lessons", "sandbox_project"):
        located = subprocess.run(
            [str(python), "-c", f"from tutor.paths import resource_dir; print(resource_dir({folder!r}))"],
            cwd=elsewhere, capture_output=True, text=True, check=True).stdout.strip()
        assert Path(located).is_relative_to(installed_tutor.parent.parent), located


def test_an_offline_room_installs_from_a_wheelhouse(offline_install):
    """Nothing but the wheelhouse was needed: `--no-index` found every dependency there, and
    the installed Django is the one the wheelhouse holds."""
    installed_tutor, installed = offline_install
    assert installed.returncode == 0, installed.stderr
    shown = subprocess.run([str(installed_tutor.parent / "python"), "-m", "pip", "show",
                            "migration-tutor", "Django"], capture_output=True, text=True)
    assert "Name: migration-tutor" in shown.stdout and "Name: Django" in shown.stdout
