"""EDEXML parsing: versions, pitfalls of real files, and clear errors. No database needed."""

import json
from datetime import date

import pytest

from consentry.roster.edex import parse_edex
from consentry.roster.records import Roster, from_json, to_json

from . import builders as b
from .conftest import TODAY

# Values that cannot turn up by chance in a hash or a random string (hence the dashes).
SENSITIVE = (
    "<bsn>BSN-123456782</bsn><sofinummer>SOFI-987654321</sofinummer>"
    "<onderwijsnummer>ONDW-555666777</onderwijsnummer><etniciteit>ETNIC-1</etniciteit>"
    "<land>LAND-X</land><land_vader>LAND-V</land_vader><land_moeder>LAND-M</land_moeder>"
    "<gewicht>GEWICHT-0.3</gewicht><gewicht_nieuw>GEWICHT-1.2</gewicht_nieuw>"
    "<postcodenl>1234 AB-PC</postcodenl><geslacht>SEX-2</geslacht>"
    "<bsn_ondwnr-4>B4-4321</bsn_ondwnr-4>"
    "<toevoegingen><blok code='x'><bsnkopie>BSN-COPY-111222333</bsnkopie></blok></toevoegingen>"
)
SENSITIVE_VALUES = (
    "BSN-123456782",
    "SOFI-987654321",
    "ONDW-555666777",
    "ETNIC-1",
    "LAND-X",
    "LAND-V",
    "LAND-M",
    "GEWICHT-0.3",
    "GEWICHT-1.2",
    "1234 AB-PC",
    "SEX-2",
    "B4-4321",
    "BSN-COPY-111222333",
)


def parse(data: bytes, name: str = "school.xml") -> Roster:
    return parse_edex(data, name, today=TODAY)


def only_school(roster: Roster):
    assert not roster.errors, [p.text() for p in roster.errors]
    (school,) = roster.schools
    return school


def texts(roster: Roster) -> list[str]:
    return [p.text() for p in roster.errors]


def test_edexml_21_school_groups_pupils_teachers():
    data = b.edex(
        [
            b.leerling("1001", "Jan", "Berg", voorvoegsel="van der", instroom="2021-08-30"),
            b.leerling("1002", "Zoë", "Müller", groep="G34", jaargroep="3", samengesteld=["PLUS"]),
        ],
        teachers=[
            b.leerkracht("T1", "Fatima", "Amrani", "F.Amrani@School.nl", ["G4A"], ["LRK"]),
            b.leerkracht("T2", "Tim", "Jansen", "tim@school.nl", ["G34"], ["STA"]),
        ],
        brin="12AB",
        dependance="01",
    )
    school = only_school(parse(data))
    assert (school.brin, school.dependance, school.school_year) == ("12AB", "01", "2025-2026")
    assert [(g.key, g.name, g.year_code) for g in school.groups] == [
        ("G4A", "4A", "4"),
        ("G5", "Groep 5", "5"),
        ("G34", "Groep 3/4", "C"),
        ("PLUS", "Plusgroep rekenen", ""),
    ]
    jan, zoe = school.pupils
    assert (jan.given_name, jan.prefix, jan.family_name) == ("Jan", "van der", "Berg")
    assert (jan.date_of_birth, jan.group_key, jan.year_level) == (date(2017, 5, 1), "G4A", 4)
    assert jan.entered_on == date(2021, 8, 30)
    assert (zoe.given_name, zoe.family_name, zoe.group_key, zoe.year_level) == (
        "Zoë",
        "Müller",
        "G34",
        3,
    )  # the pupil's own year level wins over the group's C
    fatima, tim = school.teachers
    assert (fatima.email, fatima.group_keys, fatima.intern) == (
        "f.amrani@school.nl",
        ["G4A"],
        False,
    )
    assert tim.intern  # STA is proposed as an intern, never more


def test_composed_groups_are_read_with_their_members():
    roster = parse(b.edex([b.leerling("1", samengesteld=["PLUS"])]))
    school = only_school(roster)
    assert [g.key for g in school.groups if g.composed] == ["PLUS"]
    assert school.pupils[0].extra_group_keys == ["PLUS"]
    assert not any("composed groups" in w.message for w in roster.warnings)
    broken = parse(b.edex([b.leerling("1", samengesteld=["NOPE"])]))
    assert any("composed group that is not in the file" in t and "NOPE" in t for t in texts(broken))


def test_edexml_103_pupil_with_only_a_year_level():
    groups = '<groepen><groep key="G1"><naam>1/2</naam><jaargroep>1</jaargroep></groep></groepen>'
    data = b.edex(
        [b.leerling("7", groep=None, jaargroep="5"), b.leerling("8", groep="G1")],
        groups=groups,
        version="1.03",
        school_year="2019-2020",
        created="2019-10-01",
    )
    roster = parse(data)
    school = only_school(roster)
    assert roster.version == "1.03"
    only_level, in_group = school.pupils
    assert (only_level.group_key, only_level.year_level) == (None, 5)
    assert (in_group.group_key, in_group.year_level) == ("G1", 1)  # from the group


def test_edexml_20_without_teachers_and_without_header_version():
    data = b.edex([b.leerling("1")], version="2.0").replace(b"<xsdversie>2.0</xsdversie>", b"")
    roster = parse(data)
    school = only_school(roster)
    assert roster.version == "unknown"
    assert school.teachers == [] and school.teachers_complete is False


def test_bom_crlf_and_diacritics():
    data = b.edex(
        [b.leerling("1", "Anaïs", "Çelik"), b.leerling("2", "François", "Brontë")],
        bom=True,
        crlf=True,
    )
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    names = [(p.given_name, p.family_name) for p in only_school(parse(data)).pupils]
    assert names == [("Anaïs", "Çelik"), ("François", "Brontë")]


def test_declared_windows_1252_encoding_is_honoured():
    data = b.edex([b.leerling("1", "Zoë", "Brontë")], encoding="windows-1252")
    assert "ë".encode("cp1252") in data
    assert only_school(parse(data)).pupils[0].given_name == "Zoë"


def test_mangled_encoding_is_reported():
    roster = parse(b.edex([b.leerling("1", "ZoÃ«", "Jansen")]))
    assert any("garbled" in w.message and w.value == "ZoÃ«" for w in roster.warnings)


@pytest.mark.parametrize("prefix", ["v. d.", "Da", "el", "'t", "van den"])
def test_prefixes_are_kept_as_delivered(prefix):
    pupil = only_school(parse(b.edex([b.leerling("1", voorvoegsel=prefix)]))).pupils[0]
    assert pupil.prefix == prefix


def test_pupil_with_only_a_roepnaam_and_belgian_capitalised_prefix():
    data = b.edex([b.leerling("1", "Mo", ""), b.leerling("2", "Lotte", "Van Steeg")])
    one, two = only_school(parse(data)).pupils
    assert (one.given_name, one.family_name) == ("Mo", "")
    assert (two.prefix, two.family_name) == ("", "Van Steeg")


def test_no_name_at_all_is_an_error():
    roster = parse(b.edex([b.leerling("1", "", "")]))
    assert any("no name" in t and "line" in t for t in texts(roster))


def test_vendor_blocks_and_unknown_elements_are_ignored():
    extra = "<toevoegingen><blok code='LVS'><score>9</score></blok></toevoegingen><nieuw>x</nieuw>"
    school = only_school(parse(b.edex([b.leerling("1", extra=extra)])))
    assert school.pupils[0].key == "1"


def test_sensitive_elements_never_reach_the_roster():
    roster = parse(b.edex([b.leerling("1", extra=SENSITIVE)]))
    only_school(roster)
    dumped = json.dumps(to_json(roster))
    for value in SENSITIVE_VALUES:
        assert value not in dumped


def test_a_school_year_after_the_schema_enumeration_is_accepted():
    school = only_school(parse(b.edex([b.leerling("1")], school_year="2031-2032")))
    assert school.school_year == "2031-2032"


def test_uwlr_namespaced_message_reads_alike():
    data = (
        b.edex([b.leerling("1")])
        .replace(
            b"<EDEX ",
            b'<leerlinggegevens xmlns="http://www.edustandaard.nl/leerresultaten/2/'
            b'leerlinggegevens" ',
        )
        .replace(b"</EDEX>", b"</leerlinggegevens>")
    )
    assert only_school(parse(data)).pupils[0].key == "1"


def test_leavers_in_the_file():
    data = b.edex(
        [
            b.leerling("1", uitstroom="2025-07-11"),  # before the file's date: already left
            b.leerling("2", uitstroom="2026-07-10"),  # in the future: still here
            b.leerling("3", groep=None, jaargroep="H"),  # historic year level
            b.leerling("4"),
        ]
    )
    school = only_school(parse(data))
    assert [p.has_left for p in school.pupils] == [True, False, True, False]
    assert school.pupils[0].left_on == date(2025, 7, 11)


def test_temporary_keys_are_skipped_with_a_warning():
    roster = parse(b.edex([b.leerling("#TMP1"), b.leerling("2")]))
    assert [p.key for p in only_school(roster).pupils] == ["2"]
    assert any(w.value == "#TMP1" for w in roster.warnings)


def test_keys_are_text_and_trimmed():
    school = only_school(parse(b.edex([b.leerling(" 00042 ")])))
    assert school.pupils[0].key == "00042"


def test_roster_survives_json_round_trip():
    roster = parse(
        b.edex(
            [b.leerling("1", uitstroom="2025-07-11")],
            teachers=[b.leerkracht("T", "A", "B", "a@b.nl", ["G4A"])],
        )
    )
    assert from_json(Roster, json.loads(json.dumps(to_json(roster)))) == roster


# -- invalid files: a clear error naming file, line or element, and the value -------------


def test_wrong_root_element():
    roster = parse(b"<?xml version='1.0'?><leerlingen><leerling key='1'/></leerlingen>", "x.xml")
    assert texts(roster) == [
        "x.xml, line 1: the root element is <leerlingen>, not <EDEX>: this is not an EDEXML file"
    ]


def test_not_well_formed():
    roster = parse(b"<EDEX>\n<school>\n</EDEX>", "x.xml")
    assert roster.errors[0].loc.line == 3
    assert "not well-formed" in roster.errors[0].message


def test_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<EDEX><school><schooljaar>&lol2;</schooljaar></school></EDEX>"
    )
    roster = parse(bomb)
    assert roster.schools == [] and "DTD" in texts(roster)[0]


def test_external_entity_is_refused():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<EDEX><school><schooljaar>&e;</schooljaar></school></EDEX>"
    )
    assert "DTD" in texts(parse(data))[0]


def test_broken_group_reference_names_line_and_value():
    data = b.edex([b.leerling("1"), b.leerling("2", groep="G9Z")])
    roster = parse(data, "export.xml")
    (error,) = roster.errors
    assert error.value == "G9Z" and error.loc.file == "export.xml" and error.loc.line
    assert '<leerling key="2">/groep' in error.text()


def test_teacher_link_to_unknown_group_is_an_error():
    roster = parse(
        b.edex([b.leerling("1")], teachers=[b.leerkracht("T", "A", "B", "a@b.nl", ["NOPE"])])
    )
    assert any("NOPE" in t for t in texts(roster))


@pytest.mark.parametrize("code", ["9", "17", "X", "10"])
def test_year_level_out_of_range(code):
    roster = parse(b.edex([b.leerling("1", jaargroep=code)]))
    (error,) = roster.errors
    assert "year level out of range" in error.message and error.value == code
    assert "jaargroep" in error.loc.where


@pytest.mark.parametrize(
    ("value", "hint"),
    [("2017-13-01", "exists"), ("1-5-2017", "spreadsheet"), ("gisteren", "YYYY-MM-DD")],
)
def test_a_date_that_is_not_a_date(value, hint):
    roster = parse(b.edex([b.leerling("1", geboortedatum=value)]))
    (error,) = roster.errors
    assert hint in error.message and error.value == value and error.loc.line


def test_bad_school_year_and_brin():
    assert "2025-2026" in texts(parse(b.edex([b.leerling("1")], school_year="2025/26")))[0]
    assert "BRIN" in texts(parse(b.edex([b.leerling("1")], brin="12345")))[0]


def test_duplicate_keys_and_no_pupils():
    assert "same key" in texts(parse(b.edex([b.leerling("1"), b.leerling("1")])))[0]
    assert "no pupils" in texts(parse(b.edex([])))[0]


def test_teacher_without_email_is_skipped_with_a_warning():
    roster = parse(b.edex([b.leerling("1")], teachers=[b.leerkracht("T", "A", "B", None, ["G4A"])]))
    assert only_school(roster).teachers == []
    assert any("e-mail" in w.message for w in roster.warnings)
