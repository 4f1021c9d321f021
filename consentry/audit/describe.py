"""The audit trail in words: each entry as one sentence in the viewer's language.

Entries hold ids, never names (see `models`). The trail page is for the school's leadership
and the board's privacy officer, who see the school's pupils and its people anyway; so the
sentences name the pupils they may see (`access.pupils_visible_to`) and the people of the
school (`school_people`: staff, guardians, pupils with an account). Names are looked up in
bulk (`load_names`): a fixed number of queries per page, however many entries it shows.
An id that no longer leads anywhere (an erased pupil, a deleted photo) is said in words,
never shown as the id. Nothing the entries leave out (a never-photograph flag's reason)
can show here, since only the entries and these names are read.

One decision about several categories writes one entry per category; those entries, next
to each other in the chain, read as one line: "... for categories 1, 2 and 4 (web)."

An action without a sentence of its own (or an old entry whose data a sentence does not
understand) reads as "<who>: <the action in words>"; the technical record stays on the
page for whoever needs it.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.adhoc.models import ConsentRequest
from consentry.breaches.models import Breach
from consentry.conduct.models import Acknowledgement
from consentry.consent.models import ConsentEvent
from consentry.photos.models import Photo, Publication
from consentry.research.models import Material, Project
from consentry.retention.erasure import Reason
from consentry.schools import access
from consentry.schools.models import Group, Guardianship, Pupil, School, StaffRole

from .models import AuditEntry

# Who an entry without an account was written by (`services.record`'s actor labels).
ACTOR_LABELS = {
    "system": _("the system"),
    "public form": _("someone using the public report form"),
    "command line": _("an administrator on the command line"),
    "retention job": _("the retention job"),
    "anonymous": _("someone who was not signed in"),
}
# The photo audiences, as the review page names them (`photos.gate.audiences_for`).
AUDIENCES = {
    "1": _("1 · portfolio (educational reporting)"),
    "2": _("2 · the class group"),
    "3": _("3 · the school"),
    "4": _("4 · public"),
}
# Where ids are in an entry: its object (by model label) and keys of its data.
OBJECT_IDS = {
    "schools.pupil": "pupils",
    "photos.photo": "photos",
    "photos.publication": "publications",
    "adhoc.consentrequest": "requests",
    "research.project": "projects",
    "breaches.breach": "breaches",
}
DATA_IDS = {
    "pupil_id": "pupils",
    "pupil_ids": "pupils",
    "pupils": "pupils",
    "guardian_id": "people",
    "user_id": "people",
    "group": "groups",
    "photo": "photos",
    "publication": "publications",
    "replaces": "publications",
    "request_id": "requests",
    "project_id": "projects",
}
# A decision's entries are written in one transaction, one after the other.
SAME_DECISION = timedelta(minutes=1)


def school_people(school: School) -> QuerySet:
    """Ids of the people of a school whom its leadership and privacy officer may see named:
    its staff (and the board's privacy officer), the guardians of its pupils, and its
    pupils with an account of their own. A union of index lookups (see `access`)."""
    staff = StaffRole.objects.filter(
        Q(school=school) | Q(role=StaffRole.Role.PRIVACY_OFFICER, board_id=school.board_id)
    ).values("user_id")
    guardians = Guardianship.objects.filter(pupil__school=school).values("guardian_id")
    own = Pupil.objects.filter(school=school, account__isnull=False).values("account_id")
    return staff.union(guardians, own, all=True)


def pupil_name(given: str, prefix: str, family: str) -> str:
    return " ".join(part for part in (given, prefix, family) if part)


@dataclass
class Names:
    """What a page's entries point at, by id, as far as the viewer may see it."""

    pupils: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    photo_groups: dict[int, int] = field(default_factory=dict)  # photo -> group
    publications: dict[int, tuple[int, str]] = field(default_factory=dict)  # (photo, audience)
    requests: dict[int, str] = field(default_factory=dict)  # purpose
    projects: dict[int, str] = field(default_factory=dict)  # title
    breaches: dict[int, str] = field(default_factory=dict)  # reference


def load_names(entries: Iterable[AuditEntry], school: School, viewer: User) -> Names:
    """Every name the entries need, in at most eight queries whatever their number; only
    things of this school, and pupils only as far as the viewer may see them."""
    wanted = _wanted_ids(entries)
    names = Names()
    # Publications lead to photos and requests, photos to groups: read them in that order.
    names.publications = _publications(wanted["publications"], school)
    for photo, audience in names.publications.values():
        wanted["photos"].add(photo)
        wanted["requests"].update(_ints(audience[1:]) if audience.startswith("r") else [])
    names.photo_groups = _by_id(Photo, wanted["photos"], school, "group_id")
    wanted["groups"].update(names.photo_groups.values())
    names.pupils = _pupils(wanted["pupils"], school, viewer)
    names.people = _people(wanted["people"], school)
    names.groups = _by_id(Group, wanted["groups"], school, "name")
    names.requests = _by_id(ConsentRequest, wanted["requests"], school, "purpose")
    names.projects = _by_id(Project, wanted["projects"], school, "title")
    names.breaches = _by_id(Breach, wanted["breaches"], school, "reference")
    return names


def _publications(ids: set[int], school: School) -> dict[int, tuple[int, str]]:
    """Publication id -> (photo id, audience key: "2", or "r7" for separate request 7)."""
    if not ids:
        return {}
    rows = Publication.objects.filter(pk__in=sorted(ids), photo__school_id=school.pk).order_by()
    return {
        pk: (photo, str(category) if category else f"r{request}")
        for pk, photo, category, request in rows.values_list(
            "pk", "photo_id", "category", "consent_request_id"
        )
    }


def _pupils(ids: set[int], school: School, viewer: User) -> dict[int, str]:
    if not ids:
        return {}
    pupils = access.pupils_visible_to(viewer).filter(school_id=school.pk, pk__in=sorted(ids))
    rows = pupils.order_by().values_list("pk", "given_name", "family_name_prefix", "family_name")
    return {pk: pupil_name(given, prefix, family) for pk, given, prefix, family in rows}


def _people(ids: set[int], school: School) -> dict[int, str]:
    if not ids:
        return {}
    people = User.objects.filter(pk__in=sorted(ids)).filter(pk__in=school_people(school))
    rows = people.values_list("pk", "full_name", "email")
    return {pk: name or email for pk, name, email in rows}


def _by_id(model, ids: set[int], school: School, column: str) -> dict[int, Any]:
    """Id -> one column, of the school's rows of a model with a `school` field."""
    if not ids:
        return {}
    rows = model.objects.filter(school=school, pk__in=sorted(ids)).order_by()
    return dict(rows.values_list("pk", column))


def _wanted_ids(entries: Iterable[AuditEntry]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.actor_id is not None:
            wanted["people"].add(entry.actor_id)
        if entry.object_type in OBJECT_IDS:
            wanted[OBJECT_IDS[entry.object_type]].update(_ints(entry.object_id))
        data = _data(entry)
        for key, kind in DATA_IDS.items():
            wanted[kind].update(_ints(data.get(key)))
        audience = data.get("audience")
        if isinstance(audience, str) and audience.startswith("r"):
            wanted["requests"].update(_ints(audience[1:]))
    return wanted


def _ints(value: Any) -> list[int]:
    """The ids in a value of an entry: a number, a number as text, or a list of them."""
    if isinstance(value, list):
        return [number for each in value for number in _ints(each)]
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and value.isdigit():
        return [int(value)]
    return []


def _data(entry: AuditEntry) -> dict[str, Any]:
    return entry.data if isinstance(entry.data, dict) else {}


@dataclass
class Line:
    """One line of the page: one entry, or the entries of one decision (newest first)."""

    entries: list[AuditEntry]
    text: str = ""

    @property
    def action(self) -> str:
        return self.entries[0].action

    @property
    def when(self):
        return self.entries[0].recorded_at

    @property
    def records(self) -> list[tuple[AuditEntry, str]]:
        """The technical record: each entry, oldest first, with its data as JSON."""
        return [
            (entry, json.dumps(entry.data, ensure_ascii=False, sort_keys=True))
            for entry in reversed(self.entries)
        ]


def lines_for(entries: Iterable[AuditEntry], school: School, viewer: User) -> list[Line]:
    """A page of entries (newest first) as lines with their sentences."""
    entries = list(entries)
    names = load_names(entries, school, viewer)
    lines: list[Line] = []
    for entry in entries:
        if lines and _same_decision(lines[-1].entries[-1], entry):
            lines[-1].entries.append(entry)
        else:
            lines.append(Line([entry]))
    for line in lines:
        line.text = sentence(line, names)
    return lines


def _same_decision(newer: AuditEntry, older: AuditEntry) -> bool:
    """Two entries of one consent decision: the same person deciding about the same pupil,
    the same way, through the same channel, written one right after the other."""
    return (
        newer.action == older.action == "consent.recorded"
        and newer.sequence == older.sequence + 1
        and (newer.actor_id, newer.actor_label) == (older.actor_id, older.actor_label)
        and newer.recorded_at - older.recorded_at < SAME_DECISION
        and _decision(newer) == _decision(older)
    )


def _decision(entry: AuditEntry) -> dict[str, Any]:
    return {key: value for key, value in _data(entry).items() if key not in ("category", "row")}


def sentence(line: Line, names: Names) -> str:
    """The line as one sentence; the fallback for an action without its own sentence, or an
    entry whose data the sentence does not understand (written by older code)."""
    words = Words(line, names)
    phrase = PHRASES.get(line.action)
    if phrase is not None:
        try:
            text = str(phrase) if isinstance(phrase, Promise) else phrase(words)
            return capfirst(text % words)
        except (KeyError, TypeError, ValueError):
            pass
    action = line.action.replace(".", " ").replace("_", " ")
    return capfirst(gettext("%(who)s: %(action)s") % {"who": words["who"], "action": action})


class Words(dict):
    """The placeholders of one line's sentence, each worked out when the sentence asks for
    it (`%(pupil)s` calls `_pupil`); a key the data lacks raises KeyError."""

    def __init__(self, line: Line, names: Names):
        super().__init__()
        self.line = line
        self.entry = line.entries[0]
        self.data = _data(self.entry)
        self.names = names

    def __missing__(self, key: str) -> Any:
        method = getattr(self, f"_{key}", None)
        if method is None:
            raise KeyError(key)
        self[key] = value = method()
        return value

    # People and pupils

    def _who(self) -> str:
        entry = self.entry
        if entry.actor_id is not None:
            return self.person(entry.actor_id)
        label = ACTOR_LABELS.get(entry.actor_label)
        return str(label) if label is not None else entry.actor_label

    def person(self, pk: int) -> str:
        name = self.names.people.get(pk)
        return name if name is not None else gettext("a person no longer linked to this school")

    def pupil(self, pk: int) -> str:
        return self.names.pupils.get(pk) or gettext("an erased pupil")

    def _pupil(self) -> str:
        if "pupil_id" in self.data:
            return self.pupil(self.data["pupil_id"])
        if self.entry.object_type == "schools.pupil":
            return self.pupil(int(self.entry.object_id))
        raise KeyError("pupil")

    def _pupils(self) -> str:
        ids = self.data.get("pupils", self.data.get("pupil_ids"))
        return str(get_text_list([self.pupil(pk) for pk in _ints(ids)], gettext("and")))

    def _pupil_count(self) -> int:
        return len(self.data["pupil_ids"])

    def _guardian(self) -> str:
        return self.person(self.data["guardian_id"])

    # Consent

    def _categories(self) -> str:
        numbers = sorted({entry.data["category"] for entry in self.line.entries})
        listed = str(get_text_list([str(n) for n in numbers], gettext("and")))
        return ngettext("category %(numbers)s", "categories %(numbers)s", len(numbers)) % {
            "numbers": listed
        }

    def _channel(self) -> str:
        return str(ConsentEvent.Channel(self.data["channel"]).label)

    # Photos

    def _photo(self) -> str:
        group = self._group_of_photo()
        if group is None:
            return gettext("a photo that has since been deleted")
        return gettext("a photo of group %(group)s") % {"group": group}

    def _group_of_photo(self) -> str | None:
        """The photo's group: named in the data (upload, deletion), or the photo's own."""
        if "group" in self.data:
            return self.names.groups.get(self.data["group"])
        photo = self._photo_id()
        group = self.names.photo_groups.get(photo) if photo is not None else None
        return self.names.groups.get(group) if group is not None else None

    def _photo_id(self) -> int | None:
        if "photo" in self.data:
            return self.data["photo"]
        if self.entry.object_type == "photos.photo":
            return int(self.entry.object_id)
        publication = self.names.publications.get(self._publication_id())
        return publication[0] if publication else None

    def _publication_id(self) -> int:
        if self.entry.object_type == "photos.publication":
            return int(self.entry.object_id)
        return self.data["publication"]

    def _audience(self) -> str:
        key = self.data.get("audience")
        if key is None:
            publication = self.names.publications.get(self._publication_id())
            if publication is None:
                return gettext("an audience no longer known")
            key = publication[1]
        if key in AUDIENCES:
            return str(AUDIENCES[key])
        return self.request(int(key[1:]))

    def _mode(self) -> str:
        return str(Publication.Mode(self.data["mode"]).label)

    # Separate requests, research

    def request(self, pk: int) -> str:
        purpose = self.names.requests.get(pk)
        if purpose is None:
            return gettext("a separate request that has since been deleted")
        return gettext("the separate request “%(purpose)s”") % {"purpose": purpose}

    def _request(self) -> str:
        if self.entry.object_type == "adhoc.consentrequest":
            return self.request(int(self.entry.object_id))
        return self.request(self.data["request_id"])

    def _project(self) -> str:
        title = self.names.projects.get(self.data["project_id"])
        if title is None:
            return gettext("a research project that has since been deleted")
        return gettext("the research project “%(title)s”") % {"title": title}

    def _material(self) -> str:
        return str(Material.Kind(self.data["kind"]).label)

    def _deadline(self) -> str:
        return _day(self.data["deadline"])

    def _ends_on(self) -> str:
        return _day(self.data["new_ends_on"])

    def _first_ends_on(self) -> str:
        return _day(self.data["first_ends_on"])

    # Registers, roster, retention

    def _breach(self) -> str:
        reference = self.data.get("reference") or self.names.breaches.get(int(self.entry.object_id))
        if not reference:
            return gettext("a data breach")
        return gettext("the data breach %(reference)s") % {"reference": reference}

    def _role(self) -> str:
        return str(Acknowledgement.Role(self.data["role"]).label)

    def _period_from(self) -> str:
        return _day(self.data["period_from"])

    def _period_to(self) -> str:
        return _day(self.data["period_to"])

    def _reason(self) -> str:
        return str(Reason(self.data["reason"]).label)

    def _format(self) -> str:
        return str(self.data["format"]).upper()

    def _created(self) -> int:
        return self.data["counts"]["pupils"]["created"]

    def _updated(self) -> int:
        return self.data["counts"]["pupils"]["updated"]

    def _left(self) -> int:
        return self.data["counts"]["pupils"]["left"]

    def _what(self) -> str:
        return str(apps.get_model(self.data["what"])._meta.verbose_name_plural)

    def _items(self) -> int:
        return len(self.data["ids"])

    def _guardians(self) -> int:
        return self.data["guardians"]

    def _years(self) -> int:
        return self.data["left_pupil_years"]

    # Texts of the data as they are (a leaflet's label, a file name)

    def _label(self) -> str:
        return str(self.data["label"])

    def _name(self) -> str:
        return str(self.data["name"])

    def _file(self) -> str:
        return str(self.data["file"])

    def _rule(self) -> str:
        return str(self.data["rule"])


def _day(iso: str) -> str:
    return date_format(date.fromisoformat(iso), "DATE_FORMAT")


# The sentences. Each is one translatable text with %(name)s placeholders (`Words`), or a
# function that chooses one (yes or no, on paper or on the web).


def _consent(w: Words) -> str:
    given = w.data["given"]
    if w.data["channel"] == ConsentEvent.Channel.PAPER:
        if w.data["guardian_id"] is None:
            if given:
                return gettext(
                    "%(who)s recorded a paper form on which %(pupil)s, 16 or older, gave "
                    "consent for %(categories)s."
                )
            return gettext(
                "%(who)s recorded a paper form on which %(pupil)s, 16 or older, refused "
                "consent for %(categories)s."
            )
        if given:
            return gettext(
                "%(who)s recorded a paper form on which %(guardian)s gave consent for "
                "%(pupil)s for %(categories)s."
            )
        return gettext(
            "%(who)s recorded a paper form on which %(guardian)s refused consent for "
            "%(pupil)s for %(categories)s."
        )
    if w.data["actor_role"] == ConsentEvent.ActorRole.PUPIL:
        if given:
            return gettext("%(who)s gave consent for themself for %(categories)s (%(channel)s).")
        return gettext("%(who)s refused consent for themself for %(categories)s (%(channel)s).")
    if given:
        return gettext("%(who)s gave consent for %(pupil)s for %(categories)s (%(channel)s).")
    return gettext("%(who)s refused consent for %(pupil)s for %(categories)s (%(channel)s).")


def _authority(w: Words) -> str:
    if w.data["has_authority"]:
        return gettext("%(who)s recorded that %(guardian)s has parental authority over %(pupil)s.")
    return gettext("%(who)s recorded that %(guardian)s has no parental authority over %(pupil)s.")


def _reminders(w: Words) -> str:
    return ngettext(
        "%(who)s sent a reminder to %(guardians)s guardian.",
        "%(who)s sent reminders to %(guardians)s guardians.",
        w["guardians"],
    )


def _request_created(w: Words) -> str:
    return ngettext(
        "%(who)s drafted %(request)s about %(pupil_count)s pupil, answers due %(deadline)s.",
        "%(who)s drafted %(request)s about %(pupil_count)s pupils, answers due %(deadline)s.",
        w["pupil_count"],
    )


def _answer(w: Words) -> str:
    if w.data["given"]:
        return gettext("%(who)s answered yes to %(request)s for %(pupil)s.")
    return gettext("%(who)s answered no to %(request)s for %(pupil)s.")


def _tagged(w: Words) -> str:
    if w.data.get("pupils"):
        return gettext("%(who)s said who is who in %(photo)s: %(pupils)s.")
    return gettext("%(who)s said who is who in %(photo)s.")


def _leaflet(w: Words) -> str:
    if w.data["material_change"]:
        return gettext(
            "%(who)s published the leaflet “%(label)s” as a material change: every family "
            "answers again."
        )
    return gettext(
        "%(who)s published the leaflet “%(label)s” as a minor change: the answers given "
        "still count."
    )


def _acknowledged(w: Words) -> str:
    if w.data["channel"] == Acknowledgement.Channel.PAPER:
        return gettext(
            "%(who)s recorded that a %(role)s signed the privacy rules “%(label)s” on paper, "
            "for %(period_from)s to %(period_to)s."
        )
    return gettext(
        "%(who)s acknowledged the privacy rules “%(label)s” as %(role)s, for %(period_from)s "
        "to %(period_to)s."
    )


def _retention_policy(w: Words) -> str:
    return ngettext(
        "%(who)s set how long the data of pupils who left is kept to %(years)s year.",
        "%(who)s set how long the data of pupils who left is kept to %(years)s years.",
        w["years"],
    )


PHRASES: dict[str, Promise | Callable[[Words], str]] = {
    # Consent, flags, authority, reminders
    "consent.recorded": _consent,
    "never_flag.set": _("%(who)s set the never-photograph flag for %(pupil)s."),
    "never_flag.lifted": _("%(who)s lifted the never-photograph flag for %(pupil)s."),
    "guardian.authority_set": _authority,
    "reminders.requested": _reminders,
    # Separate requests
    "adhoc.request.created": _request_created,
    "adhoc.request.changed": _("%(who)s changed %(request)s."),
    "adhoc.request.opened": _(
        "%(who)s sent %(request)s to the guardians, answers due %(deadline)s."
    ),
    "adhoc.request.closed": _("%(who)s closed %(request)s."),
    "adhoc.answer.recorded": _answer,
    # Photos
    "photo.uploaded": _("%(who)s uploaded %(photo)s."),
    "photo.detection_retried": _("%(who)s had the faces in %(photo)s looked for again."),
    "photo.faces_checked": _("%(who)s checked every face in %(photo)s by eye."),
    "photo.tagged": _tagged,
    "photo.face_added": _("%(who)s marked a face by hand in %(photo)s."),
    "photo.deleted": _("%(who)s deleted %(photo)s."),
    "photo.published": _("%(who)s published %(photo)s for %(audience)s (%(mode)s)."),
    "photo.republished": _(
        "%(who)s replaced %(photo)s for %(audience)s with a copy that hides %(pupil)s."
    ),
    "photo.takedown.done": _(
        "%(who)s took down %(photo)s for %(audience)s: %(pupil)s may no longer appear in it."
    ),
    "photo.takedown.opened": _(
        "%(who)s asked the publisher to remove %(photo)s for %(audience)s outside Consentry: "
        "%(pupil)s may no longer appear in it."
    ),
    "photo.takedown.confirmed": _(
        "%(who)s confirmed that %(photo)s for %(audience)s was removed outside Consentry."
    ),
    # Leaflet
    "leaflet.published": _leaflet,
    "leaflet.drafted": _("%(who)s started a draft of the leaflet “%(label)s”."),
    # Research
    "research.project_created": _("%(who)s created %(project)s."),
    "research.project_changed": _("%(who)s changed %(project)s."),
    "research.end_date_extended": _(
        "%(who)s extended %(project)s to %(ends_on)s (first end date %(first_ends_on)s)."
    ),
    "research.end_date_changed": _("%(who)s moved the end date of %(project)s to %(ends_on)s."),
    "research.material_uploaded": _("%(who)s added a %(material)s to %(project)s."),
    "research.material_tagged": _("%(who)s changed who appears in material of %(project)s."),
    "research.material_destroyed": _(
        "%(who)s destroyed a %(material)s of %(project)s after its end date."
    ),
    # Pupils' records, roster, retention, accounts
    "pupil.erased": _("%(who)s erased the data of a pupil who left, %(reason)s."),
    "pupil.exported": _(
        "%(who)s downloaded everything Consentry holds about %(pupil)s (%(format)s)."
    ),
    "pupil.account_given": _("%(who)s gave %(pupil)s an account of their own."),
    "roster.imported": _(
        "%(who)s imported the roster “%(file)s”: %(created)s pupils added, %(updated)s "
        "changed, %(left)s left."
    ),
    "retention.destroyed": _(
        "%(who)s destroyed expired data by the rule “%(rule)s” (%(what)s: %(items)s)."
    ),
    "retention.policy_changed": _retention_policy,
    "api_token.issued": _("%(who)s issued the API token “%(name)s”."),
    "school.set_up": _("%(who)s set up this school in Consentry."),
    # Privacy rules, data breaches
    "conduct.rules_drafted": _("%(who)s drafted new privacy rules for interns and visitors."),
    "conduct.rules_published": _("%(who)s published the privacy rules “%(label)s”."),
    "conduct.acknowledged": _acknowledged,
    "breach.reported": _("%(who)s reported %(breach)s."),
    "breach.updated": _("%(who)s updated %(breach)s."),
    "breach.ap_notified": _(
        "%(who)s recorded that %(breach)s was reported to the Dutch Data Protection Authority."
    ),
    "breach.ap_not_needed": _(
        "%(who)s recorded that %(breach)s need not be reported to the Dutch Data Protection "
        "Authority."
    ),
    "breach.closed": _("%(who)s closed %(breach)s."),
}
