"""The sample files in tests/roster/files (for trying the commands by hand) stay importable."""

from pathlib import Path

from consentry.schools.models import Guardianship, Pupil, School, StaffRole

from .conftest import counts, do_import, errors

FILES = Path(__file__).parent / "files"


def test_the_sample_files_import_in_turn(world):
    edex = do_import(
        "edex",
        (FILES / "edex-2.1-sample.xml").read_bytes(),
        name="edex-2.1-sample.xml",
        create_school=True,
        board=world.board,
    )
    assert edex.applied, errors(edex)
    assert counts(edex, "pupils") == (4, 0, 0, 0)  # the leaver and the #-key are skipped
    school = School.objects.get(brin="34CD")
    assert Pupil.objects.get(school=school, pupil_number="4001").full_name == "Jan v. d. Heuvel"
    assert StaffRole.objects.get(user__email="tim@34cd.example.nl").role == "intern"

    guardians = do_import("guardians", (FILES / "guardians-sample.csv").read_bytes(), school=school)
    assert guardians.applied and counts(guardians, "guardians") == (3, 0, 0, 0)
    henk = Guardianship.objects.get(guardian__email="henk@home.example.nl")
    assert henk.has_parental_authority is False

    folder = {p.name: p.read_bytes() for p in (FILES / "oneroster-1.2").iterdir()}
    oneroster = do_import("oneroster", folder, create_school=True, board=world.board)
    assert oneroster.applied and counts(oneroster, "pupils") == (2, 0, 0, 0)
