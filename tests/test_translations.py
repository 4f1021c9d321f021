"""Every user-visible string has a Dutch translation, and the Dutch catalogs are up to date.

Dutch is the default language, so an untranslated string is an English string in front of a
Dutch parent. These tests fail when:

- a msgid in `consentry/locale/nl/LC_MESSAGES/django.po` has no msgstr, or is marked fuzzy;
- the code has a string that the .po lacks (someone added or changed a string and did not run
  makemessages), or the .po still holds a string the code no longer has;
- the compiled `django.mo` does not match the .po (someone forgot compilemessages).

The fix, from the repository root:

    cd consentry && CONSENTRY_DEMO=true ../.venv/bin/consentry makemessages -l nl --no-obsolete
    # translate every empty msgstr, check and remove every "#, fuzzy" flag, then:
    CONSENTRY_DEMO=true ../.venv/bin/consentry compilemessages
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

SOURCE = Path(__file__).resolve().parent.parent / "consentry"
PO = SOURCE / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

FIX = (
    "Run `cd consentry && CONSENTRY_DEMO=true ../.venv/bin/consentry makemessages -l nl "
    "--no-obsolete`, translate every new msgid, remove the fuzzy flags, then run "
    "`CONSENTRY_DEMO=true ../.venv/bin/consentry compilemessages`."
)
PLACEHOLDER = re.compile(r"%\((\w+)\)")


@dataclass
class Entry:
    """One message of a .po file (obsolete `#~` entries are left out)."""

    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def parse_po(path: Path) -> list[Entry]:
    """A small .po parser: enough for what makemessages writes (contexts and plurals too)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # the field that continuation lines add to

    def start(number: int) -> Entry:
        new = Entry(line=number)
        entries.append(new)
        return new

    def append(text: str) -> None:
        assert entry is not None and target is not None
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#"):
            # A comment after a complete entry opens the next one.
            if entry is None or entry.msgstr:
                entry = start(number)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            target = None
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: a string outside any field")
            append(ast.literal_eval(line))
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
            entry = start(number)
        assert entry is not None
        if keyword == "msgstr":
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            target = ("msgstr", int(keyword[7:-1]))
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = (keyword, 0)
            setattr(entry, keyword, "")
        else:
            raise ValueError(f"{path}:{number}: unexpected {keyword!r}")
        append(ast.literal_eval(value))
    return entries


def split_header(entries: list[Entry]) -> tuple[Entry, list[Entry]]:
    header = entries[0] if entries and entries[0].msgid == "" else None
    assert header is not None, f"{PO} has no header entry"
    return header, entries[1:]


@pytest.fixture(scope="module")
def committed() -> list[Entry]:
    assert PO.is_file(), f"{PO} is missing. {FIX}"
    return parse_po(PO)


def test_header_declares_dutch(committed: list[Entry]) -> None:
    header, _messages = split_header(committed)
    text = header.msgstr.get(0, "")
    assert not header.fuzzy, f"The header of {PO} is marked fuzzy: remove the flag."
    assert "Language: nl\n" in text
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in text
    assert "charset=UTF-8" in text


def test_every_message_is_translated(committed: list[Entry]) -> None:
    _header, messages = split_header(committed)
    assert messages, f"{PO} has no messages"
    untranslated = [
        str(entry)
        for entry in messages
        if not entry.msgstr
        or not all(entry.msgstr.values())
        or (entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1])
    ]
    fuzzy = [str(entry) for entry in messages if entry.fuzzy]
    problems = []
    if untranslated:
        problems.append("Untranslated (empty msgstr):\n  " + "\n  ".join(untranslated))
    if fuzzy:
        problems.append("Fuzzy (check the guess, then remove the flag):\n  " + "\n  ".join(fuzzy))
    assert not problems, f"{PO}:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders(committed: list[Entry]) -> None:
    _header, messages = split_header(committed)
    wrong = []
    for entry in messages:
        singular = set(PLACEHOLDER.findall(entry.msgid))
        plural = set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for index, text in sorted(entry.msgstr.items()):
            if not text:
                continue  # test_every_message_is_translated reports it
            used = set(PLACEHOLDER.findall(text))
            if entry.msgid_plural is None:
                ok, expected = used == singular, singular
            elif index == 0:
                # The singular form may leave out the count ("één leerling").
                ok, expected = used <= singular | plural, singular | plural
            else:
                ok, expected = used == plural, plural
            if not ok:
                wrong.append(f"{entry}, msgstr[{index}] {text!r}: expected {sorted(expected)}")
    assert not wrong, "Placeholders changed in translation:\n  " + "\n  ".join(wrong)


def test_po_is_up_to_date_with_the_code(
    committed: list[Entry], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages, run on a copy of the source tree, finds exactly the committed msgids."""
    copy = tmp_path / "consentry"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    monkeypatch.chdir(copy)
    # Without this, makemessages would write into the real LOCALE_PATHS, not the copy.
    with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["nl"], no_obsolete=True, verbosity=0)
    fresh = parse_po(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po")

    in_code = {entry.key: entry for entry in split_header(fresh)[1]}
    in_po = {entry.key: entry for entry in split_header(committed)[1]}
    missing = [str(in_code[key]).partition(": ")[2] for key in in_code if key not in in_po]
    stale = [str(in_po[key]) for key in in_po if key not in in_code]
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} string(s) in the code are not in {PO.name} (untranslated):\n  "
            + "\n  ".join(missing)
        )
    if stale:
        problems.append(
            f"{len(stale)} msgid(s) in {PO.name} are no longer in the code:\n  "
            + "\n  ".join(stale)
        )
    assert not problems, "\n".join(problems) + f"\n{FIX}"


def expected_catalog(entries: list[Entry]) -> dict[str | tuple[str, int], str]:
    """What msgfmt puts in the .mo, keyed the way gettext.GNUTranslations reads it back."""
    catalog: dict[str | tuple[str, int], str] = {}
    for entry in entries:
        if entry.fuzzy or not entry.msgstr or not all(entry.msgstr.values()):
            continue  # msgfmt leaves fuzzy and untranslated messages out
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            catalog[msgid] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                catalog[(msgid, index)] = text
    return catalog


def header_fields(header: str | None) -> list[str]:
    """The header's lines; newer msgfmt drops POT-Creation-Date from the .mo."""
    lines = (header or "").splitlines()
    return [line for line in lines if not line.startswith("POT-Creation-Date:")]


def test_mo_is_compiled_from_the_current_po(committed: list[Entry]) -> None:
    assert MO.is_file(), f"{MO} is missing. {FIX}"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected = expected_catalog(committed)
    compiled_header = compiled.pop("", None)
    expected_header = expected.pop("", None)
    problems = [f"not in the .mo: {key!r}" for key in expected if key not in compiled]
    problems += [f"no longer in the .po: {key!r}" for key in compiled if key not in expected]
    problems += [
        f"{key!r}: .mo has {compiled[key]!r}, .po has {expected[key]!r}"
        for key in expected
        if key in compiled and compiled[key] != expected[key]
    ]
    if header_fields(compiled_header) != header_fields(expected_header):
        problems.append("the header differs")
    assert not problems, (
        f"{MO.name} is out of date with {PO.name}; run `CONSENTRY_DEMO=true ../.venv/bin/"
        "consentry compilemessages` in consentry/:\n  " + "\n  ".join(problems[:30])
    )


def test_django_serves_the_dutch_translations(committed: list[Entry]) -> None:
    """The catalog Django loads for "nl" gives our msgstr for every plain message."""
    _header, messages = split_header(committed)
    wrong = []
    with translation.override("nl"):
        for entry in messages:
            plain = entry.msgctxt is None and entry.msgid_plural is None
            if plain and not entry.fuzzy and entry.msgstr.get(0):
                served = translation.gettext(entry.msgid)
                if served != entry.msgstr.get(0):
                    wrong.append(f"{entry}: Django gives {served!r}")
    assert not wrong, "Django does not serve the committed translation:\n  " + "\n  ".join(wrong)
