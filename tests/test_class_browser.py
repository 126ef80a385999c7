"""The class end to end: a real class server, two learners' real tutors (one in a session in a
pseudo-terminal, one typing commands), and the instructor's dashboard in a real headless
Chromium (the distribution's, driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pexpect
import pytest

from class_server import start_class_server
from conftest import manage, tutor
from test_session_pty import DOWN, ENTER, MENU, spawn_tutor

pytest.importorskip("aiohttp")
playwright = pytest.importorskip("playwright.sync_api")

LESSON = "first-migrations"
SHOWN_WITHIN = 2.0  # seconds: the bound, from a learner's action to the page
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("TUTOR_TEST_REQUIRE_BROWSER"):
            pytest.fail("no Chromium, and TUTOR_TEST_REQUIRE_BROWSER is set (CI installs it)")
        pytest.skip("no Chromium on this machine (Debian: apt install chromium)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message),
                                        dialog.dismiss()))
    yield opened
    context.close()


def class_menu(child, choices: list[str], item: str) -> None:
    child.expect_exact("What would you like to do")
    child.send(DOWN * choices.index(item) + ENTER)


def wait_for_file(path: Path, test, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if test(data):
                return data
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{path} did not change as awaited")


def test_two_learners_the_dashboard_and_the_room_step(tmp_path, lesson_home, page,
                                                      monkeypatch):
    server = start_class_server(tmp_path / "instructor")
    try:
        page.goto(f"{server.url}/#key={server.key}")
        page.wait_for_selector("#empty:not([hidden])")
        assert "#key" not in page.url  # the key is taken off the address bar
        assert server.code in page.text_content("#join")

        # Ada works in a session and raises her hand.
        ada_home = tmp_path / "ada"
        monkeypatch.setenv("TUTOR_NAME", "Ada")
        ada = spawn_tutor(ada_home, "start", LESSON, "--class", server.url, "--code",
                          server.code, timeout=60)
        ada.expect_exact(f"You are in the class at {server.url} as Ada")
        ada.expect_exact("Step 1/4")
        class_menu(ada, ["hand", *MENU], "hand")
        ada.expect_exact("What are you stuck on?")
        ada.sendline("which migrate <b>command</b>?")
        ada.expect_exact("Your hand is up: the instructor's dashboard shows it.")
        raised_at = time.monotonic()
        page.wait_for_selector("tr.learner.hand-up", timeout=SHOWN_WITHIN * 1000)
        assert time.monotonic() - raised_at <= SHOWN_WITHIN
        first = page.locator("tr.learner").first
        assert first.locator("a.name").text_content() == "Ada"
        assert first.locator(".message").text_content() == "which migrate <b>command</b>?"

        # Bea types commands in her own terminal and passes step 1. Her name is markup.
        bea_name = "Bea <script>alert(1)</script>"
        monkeypatch.setenv("TUTOR_NAME", bea_name)
        bea_home = lesson_home(LESSON)
        assert tutor(bea_home, "class", "join", server.url, "--code", server.code
                     ).returncode == 0
        assert manage(bea_home, "makemigrations", "store").returncode == 0
        assert tutor(bea_home, "check").returncode == 0
        passed_at = time.monotonic()
        bea_row = page.locator("tr.learner", has_text="Bea")
        bea_row.locator("td.first .cell.done").first.wait_for(timeout=SHOWN_WITHIN * 1000)
        assert time.monotonic() - passed_at <= SHOWN_WITHIN
        assert bea_row.locator("a.name").text_content() == bea_name  # as text, not markup
        assert page.dialogs == []  # no script of hers ran
        assert page.locator("script:not([src])").count() == 0
        # Raised hands first, then the others; Bea is at step 2, Ada still at step 1.
        names = page.locator("tr.learner a.name").all_text_contents()
        assert names == ["Ada", bea_name]
        assert "step 2: Is it applied?" in bea_row.locator(".where").text_content()

        # The instructor moves the room to step 3; Ada's tutor hears of it and offers it.
        page.select_option("#target-lesson", LESSON)
        page.select_option("#target-step", "3")
        page.click("#target-set")
        page.wait_for_selector("#target-now:has-text('step 3')")
        wait_for_file(ada_home / "class-room.json",
                      lambda data: (data.get("target") or {}).get("step") == 3)
        class_menu(ada, ["lower", *MENU], "hint")  # any choice: the menu comes back
        ada.expect_exact("The instructor has moved the room to first-migrations, step 3")
        class_menu(ada, ["room", "lower", *MENU], "room")
        ada.expect_exact("Rebuild the sandbox at first-migrations, step 3?")
        ada.send(ENTER)  # yes
        ada.expect_exact("Fast-forwarding first-migrations to step 3")
        ada.expect_exact("at step 3.")
        ada.expect_exact("Step 3/4")
        ada_row = page.locator("tr.learner", has_text="Ada")
        page.wait_for_function(
            "() => [...document.querySelectorAll('tr.learner')].some(row => "
            "row.textContent.includes('Ada') && row.textContent.includes('step 3: Apply it'))",
            timeout=SHOWN_WITHIN * 1000 + 3000)
        assert ada_row.locator(".message").count() == 0  # her hand went down as she moved on
        class_menu(ada, ["hand", *MENU], "quit")  # at the room's step: nothing offered
        ada.expect(pexpect.EOF)
        ada.close()
        assert ada.exitstatus == 0

        # The learner's page: the live state and the timeline, read-only.
        page.click("tr.learner a.name >> text=Bea")
        page.wait_for_selector("#learner-timeline li")
        assert page.text_content("#learner-name") == bea_name
        assert "0001_initial" in page.text_content("#learner-migrations")
        assert page.locator("#learner-timeline li").all_text_contents()[0].endswith(
            "passed step 1 (first-migrations)")  # her one event: the check
        assert page.locator("button").filter(has_text="Move the room").is_hidden()
    finally:
        server.stop()


def test_the_projector_mode_and_the_csv_export(tmp_path, lesson_home, page, monkeypatch):
    server = start_class_server(tmp_path / "instructor")
    try:
        monkeypatch.setenv("TUTOR_NAME", "Projected")
        home = lesson_home(LESSON)
        assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
        assert tutor(home, "check").returncode == 1
        server.wait_for(lambda room: any(r["name"] == "Projected" and r["attempts"] == 1
                                         for r in room["learners"]), what="the check")
        page.goto(f"{server.url}/?big#key={server.key}")
        page.wait_for_selector("tr.learner")
        assert "big" in page.evaluate("document.body.className")
        small = page.evaluate("getComputedStyle(document.querySelector('.cell')).width")
        page.click("#big")
        assert "big" not in page.evaluate("document.body.className")
        assert page.evaluate("getComputedStyle(document.querySelector('.cell')).width") != small
        with page.expect_download() as download:
            page.click("#export")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        from tutor.exports import WHERE_COLUMNS

        assert text.splitlines()[0] == ",".join(WHERE_COLUMNS)
        assert text.splitlines()[1].startswith("Projected,first-migrations,1,")
    finally:
        server.stop()


def test_a_wrong_key_asks_for_the_key_and_shows_nothing(tmp_path, page):
    server = start_class_server(tmp_path / "instructor")
    try:
        server.join("t" * 40, "Hidden Learner")
        page.goto(f"{server.url}/#key=not-the-key")
        page.wait_for_selector("#keyform:not([hidden])")
        assert "not this class's key" in page.text_content("#keyerror")
        assert "Hidden Learner" not in page.content()
        page.fill("#keyinput", server.key)
        page.click("#keyentry button")
        page.wait_for_selector("tr.learner")
        assert page.locator("tr.learner a.name").text_content() == "Hidden Learner"
    finally:
        server.stop()


def test_the_instructor_removes_a_learner_who_filled_seats(tmp_path, page):
    """Issue 27, point 10d: from the learner's page, asked and confirmed; the learner is gone
    from the room, and their tutor's token is refused from then on."""
    server = start_class_server(tmp_path / "instructor")
    try:
        assert server.join("s" * 40, "Seat Squatter")[0] == 200
        assert server.join("k" * 40, "Keeps Her Seat")[0] == 200
        page.goto(f"{server.url}/#key={server.key}")
        page.wait_for_selector("tr.learner")
        page.click("tr.learner a.name >> text=Seat Squatter")
        page.wait_for_selector("#learner-name:has-text('Seat Squatter')")
        assert page.text_content("#learner-address") == "Joined from 127.0.0.1."
        page.click("#remove-ask")
        page.click("#remove-no")  # asked first: nothing happens on one click
        assert [row["name"] for row in server.room()["learners"]].count("Seat Squatter") == 1
        page.click("#remove-ask")
        page.click("#remove-yes")
        page.wait_for_url(f"{server.url}/")
        page.wait_for_selector("tr.learner")
        assert page.locator("tr.learner a.name").all_text_contents() == ["Keeps Her Seat"]
        assert [row["name"] for row in server.room()["learners"]] == ["Keeps Her Seat"]
        status, answer = server.join("s" * 40, "Seat Squatter")
        assert (status, answer["error"]) == (403, "the instructor removed you from this class")
        assert page.dialogs == []
    finally:
        server.stop()
