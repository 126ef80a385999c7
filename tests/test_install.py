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
def installed_tutor(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(work / "dist"), str(REPO)], check=True)
    wheel = next((work / "dist").glob("migration_tutor-*.whl"))
    environment = work / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    # Install the same Django line as the running tests, from PyPI or pip's cache.
    import django

    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel),
                    f"Django=={django.__version__}"], check=True)
    return environment / "bin" / "tutor"


def test_wheel_ships_lessons_and_sandbox_and_runs_from_another_folder(installed_tutor, tmp_path):
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    home = tmp_path / "home"

    def run(*args):
        return subprocess.run([str(installed_tutor), *args, "--home", str(home)], cwd=elsewhere,
                              capture_output=True, text=True)

    listed = run("lessons", "--json")
    assert listed.returncode == 0, listed.stderr
    ids = [row["id"] for row in json.loads(listed.stdout)["lessons"]]
    assert {"revert-applied", "delete-unapplied"} <= set(ids)

    assert run("reset", "revert-applied").returncode == 0
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


def test_an_offline_room_installs_from_a_wheelhouse(tmp_path):
    """As the README says: `pip wheel . -w wheelhouse` where there is a network, then
    `pip install --no-index --find-links wheelhouse migration-tutor` where there is none."""
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheelhouse),
                    str(REPO)], check=True)
    environment = tmp_path / "offline-venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links",
         str(wheelhouse), "migration-tutor"], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    home = tmp_path / "home"
    reset = subprocess.run([str(environment / "bin" / "tutor"), "reset", "revert-applied",
                            "--home", str(home)], capture_output=True, text=True, cwd=tmp_path)
    assert reset.returncode == 0, reset.stderr
    assert (home / "sandbox" / "store" / "migrations" / "0003_change_price_field.py").is_file()
