"""`consentry import edex|oneroster|guardians`: options, JSON summary, exit status."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consentry.schools.models import Guardianship, Pupil, School

from . import builders as b
from .test_guardians_csv import guardians_csv

ENTITIES = ("schools", "groups", "pupils", "teachers", "guardians")


def run(*args: str) -> tuple[dict | str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    text = out.getvalue()
    return (json.loads(text) if "--json" in args else text), err.getvalue()


def test_edex_dry_run_json_then_import(world, tmp_path):
    path = tmp_path / "school.xml"
    path.write_bytes(b.generated_edex(b.generated_pupils(1000)))
    summary, _err = run("edex", str(path), "--dry-run", "--json", "--confirm-leavers")
    assert set(summary) >= {*ENTITIES, "errors", "warnings", "dry_run", "applied"}
    assert summary["dry_run"] and not summary["applied"] and summary["errors"] == []
    assert summary["pupils"] == {"created": 1000, "updated": 0, "unchanged": 0, "left": 2}
    assert Pupil.objects.filter(school=world.school).count() == 2
    summary, _err = run("edex", str(path), "--school", "99XX", "--json", "--confirm-leavers")
    assert summary["applied"] and summary["groups"]["created"] == 16
    assert summary["teachers"]["created"] == 16
    assert Pupil.objects.filter(school=world.school).current().count() == 1000


def test_text_report(world, tmp_path):
    path = tmp_path / "school.xml"
    path.write_bytes(b.edex([b.leerling("1001", "Emma", "Test")]))
    text, _err = run("edex", str(path), "--school", str(world.school.pk), "--dry-run")
    assert "dry run" in text and "pupils" in text and "created" in text


def test_an_invalid_file_exits_with_an_error_and_changes_nothing(world, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_bytes(b.edex([b.leerling("1001", jaargroep="9")]))
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", "edex", str(path), "--json", stdout=out)
    assert raised.value.returncode == 1
    summary = json.loads(out.getvalue())
    assert summary["errors"][0]["value"] == "9" and summary["errors"][0]["file"] == "broken.xml"
    assert not summary["applied"]


def test_create_school_with_board(world, tmp_path):
    path = tmp_path / "new.xml"
    path.write_bytes(b.edex([b.leerling("1", "Kim", "Nieuw")], brin="12AB"))
    summary, _err = run("edex", str(path), "--create-school", "--board", "Bestuur A", "--json")
    assert summary["schools"]["created"] == 1
    assert School.objects.get(brin="12AB").board == world.board


def test_unknown_school_or_board(world, tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(b.edex([b.leerling("1")]))
    with pytest.raises(CommandError, match="No school"):
        run("edex", str(path), "--school", "77QQ")
    with pytest.raises(CommandError, match="No board"):
        run("edex", str(path), "--create-school", "--board", "Nobody")


def test_oneroster_zip_and_folder(db, tmp_path):
    files = b.board_package(1, 5)
    archive = tmp_path / "oneroster.zip"
    archive.write_bytes(b.zipped(files))
    summary, _err = run("oneroster", str(archive), "--create-school", "--json", "--dry-run")
    assert summary["pupils"]["created"] == 5 and summary["guardians"]["created"] == 10
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    summary, _err = run("oneroster", str(folder), "--create-school", "--json")
    assert summary["applied"] and summary["schools"]["created"] == 1


def test_guardians_csv_needs_a_school(world, tmp_path):
    path = tmp_path / "ouders.csv"
    path.write_bytes(guardians_csv(delimiter=";", bom=True))
    with pytest.raises(CommandError):
        run("guardians", str(path), "--json")
    summary, _err = run("guardians", str(path), "--school", "99XX", "--json")
    assert summary["guardians"]["created"] == 2
    assert Guardianship.objects.filter(guardian__email="henk@example.nl").exists()


def test_the_consentry_entry_point_knows_the_command():
    exe = os.path.join(os.path.dirname(sys.executable), "consentry")
    result = subprocess.run(
        [exe, "import", "--help"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "CONSENTRY_TESTING": "1",
            "DJANGO_SETTINGS_MODULE": "consentry.settings",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "edex" in result.stdout and "oneroster" in result.stdout
    assert "guardians" in result.stdout
