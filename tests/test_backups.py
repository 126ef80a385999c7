"""Backups judged by what they hold (`backup = "FILE"`): the objects `dumpdata` writes, in any
of its formats and orders, compared row by row with the table; never a piece of the file's
text. The files here are what Django's own `dumpdata` writes (its JSON, JSON Lines and XML);
the learner paths play `dumpdata` itself (tests/paths/data-loss-on-revert/)."""

from __future__ import annotations

import json

import pytest
from test_judge import state

from tutor.backups import BackupUnreadable, read_backup
from tutor.checks import Context, judge_expectation
from tutor.lessons import Expectation

ROWS = [{"id": 1, "name": "Mug", "price": 9.99}, {"id": 2, "name": "Pot", "price": 12}]
OBJECTS = [{"model": "store.product", "pk": 1, "fields": {"name": "Mug", "price": "9.99"}},
           {"model": "store.product", "pk": 2, "fields": {"name": "Pot", "price": "12.00"}}]
XML = ('<?xml version="1.0" encoding="utf-8"?>\n<django-objects version="1.0">'
       '<object model="store.product" pk="2"><field name="name" type="CharField">Pot</field>'
       '<field name="price" type="DecimalField">12.00</field></object>'
       '<object model="store.product" pk="1"><field name="name" type="CharField">Mug</field>'
       '<field name="price" type="DecimalField">9.99</field></object></django-objects>')

FORMATS = {  # what dumpdata writes, each under the name loaddata reads it by
    "backup.json": json.dumps(OBJECTS),
    "indented, reversed.json": json.dumps(OBJECTS[::-1], indent=4),
    "backup.jsonl": "\n".join(json.dumps(o) for o in OBJECTS) + "\n",
    "backup.xml": XML,
}


def judged(tmp_path, text: str | bytes, rows=ROWS, of: str = "step", name="backup.json"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    began = state(rows=rows)
    expectation = Expectation("backup", name,
                              {"tables": ["store_product"], **({"of": of} if of != "step" else {})})
    return judge_expectation(expectation, state(rows=[]),
                             Context(tmp_path, start=state(rows=ROWS), began=began))


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_dumpdata_writes_is_read(tmp_path, name):
    outcome = judged(tmp_path, FORMATS[name], name=name)
    assert outcome.met, outcome.detail


@pytest.mark.parametrize("compression", ["gzip", "bz2", "lzma"])
def test_a_compressed_backup_is_read_as_loaddata_reads_it(tmp_path, compression):
    import importlib

    module = importlib.import_module(compression)
    suffix = {"gzip": ".gz", "bz2": ".bz2", "lzma": ".xz"}[compression]
    data = module.compress(FORMATS["backup.json"].encode())
    assert judged(tmp_path, data, name=f"backup.json{suffix}").met
    assert "it is not a .gz file" in judged(tmp_path, b"not gzip", name="backup.json.gz").detail


def test_a_backup_loaddata_could_not_read_back_by_its_name_is_refused(tmp_path):
    """`loaddata backup.json` reads JSON: XML or JSON Lines under that name holds every row
    and still could not be loaded back."""
    outcome = judged(tmp_path, XML)
    assert not outcome.met
    assert outcome.detail == ("It holds XML, which `loaddata backup.json` would read as JSON (by "
                              "its extension), and fail: write it with `dumpdata --format "
                              "json`, or give it the extension .xml.")
    assert "knows no format for it" in judged(tmp_path, FORMATS["backup.json"],
                                              name="backup.bak").detail


def test_the_utf16_of_a_powershell_redirect_is_read_as_it_is(tmp_path):
    """Read, so that a table can be compared with it (`rows = ... same_as`); a backup it is
    not, as loaddata cannot read it back (below)."""
    path = tmp_path / "backup.json"
    path.write_bytes(FORMATS["backup.json"].encode("utf-16"))
    backup = read_backup(path)
    assert len(backup.objects) == 2 and not backup.plain_utf8


def test_a_partial_backup_is_refused_with_the_rows_it_lacks(tmp_path):
    """`dumpdata store.Product --pks 2`."""
    outcome = judged(tmp_path, json.dumps(OBJECTS[1:]))
    assert not outcome.met
    assert outcome.detail == "It lacks the row of store_product with id 1 (Mug)."


def test_a_backup_with_other_values_is_refused(tmp_path):
    stale = [OBJECTS[0], {**OBJECTS[1], "fields": {"name": "Pot", "price": "10.00"}}]
    outcome = judged(tmp_path, json.dumps(stale))
    assert outcome.detail == "Its row with id 2 (Pot) has price 10.00 (store_product had 12)."
    no_price = [{**o, "fields": {"name": o["fields"]["name"]}} for o in OBJECTS]
    assert "row with id 1 (Mug) has no price" in judged(tmp_path, json.dumps(no_price)).detail


@pytest.mark.parametrize("text, reason", [
    ("[", "it holds only `[`, what `dumpdata --output` leaves behind when it fails"),
    ("[{", "it is neither JSON nor JSON Lines (line 1 is not JSON)"),
    ("", "it is empty"),
    ('{"model": "store.product"}', "not the list of objects dumpdata writes"),
    ('<!DOCTYPE x [<!ENTITY a "b">]><django-objects/>', "a document type, which dumpdata never writes"),
    ("<html></html>", "it is XML, but not dumpdata's"),
    (b"\xff\xfe\x00\xd8", "it is not text"),
])
def test_what_is_no_backup_is_said(tmp_path, text, reason):
    outcome = judged(tmp_path, text)
    assert not outcome.met and reason in outcome.detail


def test_a_comment_or_text_in_the_file_never_decides(tmp_path):
    """The text the old check looked for, `"price": "12.00"`, in a file that holds one row."""
    outcome = judged(tmp_path, json.dumps(OBJECTS[1:]) + "\n")
    assert not outcome.met


def test_a_missing_file_and_the_lesson_start(tmp_path):
    expectation = Expectation("backup", "backup.json", {"tables": ["store_product"]})
    outcome = judge_expectation(expectation, state(), Context(tmp_path, start=state()))
    assert outcome.detail == "there is no file backup.json."
    # `of = "start"`: the rows of the lesson's start, not those the step began with.
    changed = [ROWS[0], {**ROWS[1], "price": 10}]
    assert judged(tmp_path, FORMATS["backup.json"], rows=changed, of="start").met
    assert not judged(tmp_path, FORMATS["backup.json"], rows=changed).met


def test_an_oversized_file_is_not_read(tmp_path, monkeypatch):
    import tutor.backups

    monkeypatch.setattr(tutor.backups, "MAX_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text(FORMATS["backup.json"])
    with pytest.raises(BackupUnreadable, match="more than the tutor reads"):
        read_backup(path)


def test_a_backup_loaddata_would_refuse_is_refused(tmp_path):
    """What `loaddata` cannot read or write back: a byte-order mark or UTF-16 in JSON (the
    JSON reader takes plain UTF-8), a row the table never had, a field the model lacks."""
    bom = judged(tmp_path, b"\xef\xbb\xbf" + FORMATS["backup.json"].encode())
    assert "starts with a byte-order mark, which `loaddata` cannot read" in bom.detail
    assert "cannot read" in judged(tmp_path, FORMATS["backup.json"].encode("utf-16")).detail
    extra = OBJECTS + [{"model": "store.product", "pk": 4, "fields": {"name": "Cup"}}]
    assert judged(tmp_path, json.dumps(extra)).detail == (
        "It holds a row of store_product with id 4, which store_product did not have.")
    odd = [OBJECTS[0], {**OBJECTS[1], "fields": {**OBJECTS[1]["fields"], "color": "red"}}]
    assert judged(tmp_path, json.dumps(odd)).detail == (
        "Its row with id 2 has color, which store.product does not have: `loaddata` would "
        "refuse it.")
