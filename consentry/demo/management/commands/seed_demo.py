"""`consentry seed_demo`: build the demo school De Loofhut, with its people and their answers.

Everything that carries consent goes through the real services (publish, decide,
record_paper_form, set_never_flag), so the demo's audit trail is the one the product writes.
The school is made from random.Random(2023): every run on an empty database makes the same
pupils, families and answers (birth dates follow today, so that the ages fit the bouw).
"""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consentry.accounts.models import User
from consentry.adhoc.demo import seed_requests
from consentry.albums.demo import seed_albums
from consentry.audit.models import AuditEntry
from consentry.breaches.demo import seed as seed_breaches
from consentry.conduct.demo import seed as seed_conduct
from consentry.consent import services as consent
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.demo import leaflet_2023
from consentry.demo.personas import PERSONA_EMAILS, PERSONAS
from consentry.demo.photos import seed_photos
from consentry.leaflets.services import publish, starter_draft
from consentry.mail import receipts
from consentry.photos.demo import seed_parent_photos
from consentry.processors.demo import seed_processors
from consentry.research.demo import seed as seed_projects
from consentry.schools.models import (
    Board,
    Department,
    Group,
    Guardianship,
    Pupil,
    School,
    StaffRole,
)

SEED = 2023
BOARD_NAME = "Stichting Loofhut Onderwijs"
SCHOOL_NAME = "De Loofhut"
BRIN = "12AB"
SCHOOL_YEAR = "2026-2027"
STAFF_PASSWORD = "demo"
PUPILS_PER_GROUP = 20
LOGIN_URL = "http://127.0.0.1:8000/login/"

# bouw -> its two stamgroepen and the Dutch year levels (groep 1-8) mixed in each of them.
# A pupil in groep n is n + 3 years old: onderbouw 4-5, middenbouw 6-8, bovenbouw 9-11.
DEPARTMENTS = {
    "onderbouw": (("Zonnebloem", "Klaproos"), (1, 2)),
    "middenbouw": (("Regenboog", "Vlinderhof"), (3, 4, 5)),
    "bovenbouw": (("Sterrenwacht", "Kompas"), (6, 7, 8)),
}
TEACHERS = {
    "Zonnebloem": ("Fatima el Amrani", PERSONA_EMAILS["teacher"]),
    "Klaproos": ("Lotte Mulder", "l.mulder@deloofhut.nl"),
    "Regenboog": ("Bram Visser", "b.visser@deloofhut.nl"),
    "Vlinderhof": ("Esther de Jong", "e.dejong@deloofhut.nl"),
    "Sterrenwacht": ("Kees van der Linden", "k.vanderlinden@deloofhut.nl"),
    "Kompas": ("Noor Hendriks", "n.hendriks@deloofhut.nl"),
}
OTHER_STAFF = [
    ("leadership", "Joost van Dijk", StaffRole.Role.LEADERSHIP),
    ("privacy_officer", "Anouk Smit", StaffRole.Role.PRIVACY_OFFICER),
    ("intern", "Tim Jansen", StaffRole.Role.INTERN),
]

CHILD_NAMES = [
    "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Evi", "Anna", "Fenna",
    "Saar", "Liv", "Noor", "Yara", "Fleur", "Lina", "Isa", "Maud", "Lieke", "Jip", "Amira",
    "Hanna", "Roos", "Ella", "Nina", "Femke", "Ivy", "Noah", "Daan", "Sem", "Luuk", "Levi", "Finn",
    "Milan", "Jesse", "Bram", "Lucas", "Thijs", "Mees", "Sam", "Ruben", "Adam", "Mohammed", "Siem",
    "Teun", "Gijs", "Olivier", "Hugo", "Ties", "Ayoub", "Ilias", "Jens", "Stijn", "Max", "Boaz",
    "Otis", "Vince", "Kai",
]  # fmt: skip
ADULT_NAMES = [
    "Anne", "Laura", "Lisa", "Marloes", "Femke", "Eva", "Iris", "Kim", "Linda", "Esther", "Sarah",
    "Naima", "Fatma", "Marieke", "Judith", "Jeroen", "Martijn", "Thomas", "Bas", "Dennis", "Rik",
    "Joris", "Sander", "Niels", "Youssef", "Mehmet", "Erik", "Wouter", "Pieter", "Hanneke",
    "Karin", "Mirjam", "Rachid", "Stefan", "Vincent", "Inge", "Bouchra", "Maarten", "Paul", "Joyce",
]  # fmt: skip
FAMILY_NAMES = [
    ("", "Jansen"), ("de", "Jong"), ("van", "Dijk"), ("", "Visser"), ("", "Smit"),
    ("", "Meijer"), ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"),
    ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("de", "Wit"),
    ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Linden"),
    ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"),
    ("van der", "Veen"), ("van den", "Berg"), ("", "Kaya"), ("", "Yilmaz"), ("el", "Idrissi"),
    ("", "Hoekstra"), ("van", "Beek"), ("ter", "Horst"), ("", "Koster"), ("", "Prins"),
    ("van der", "Wal"), ("", "Postma"), ("", "Bouzid"), ("van", "Vliet"),
]  # fmt: skip

# How likely a family says yes, per category: the closed circle easily, the public and
# research uses much less often.
YES_CHANCE = {1: 0.96, 2: 0.94, 3: 0.9, 4: 0.55, 6: 0.6, 7: 0.75, 8: 0.5}
SILENT_FAMILIES = 4  # families that have not answered anything yet
PAPER_FAMILIES = 5  # families whose answers came in on a signed paper form
PAPER_NOTE = "Ondertekend papieren formulier, ingeleverd bij de administratie."
NEVER_REASONS = [
    "Pleegkind: mag op advies van de jeugdbescherming nooit herkenbaar in beeld.",
    "Lopende gezagszaak: afspraak met beide ouders en de jeugdzorg, niet fotograferen.",
]

ALL_YES = dict.fromkeys((1, 2, 3, 4, 6, 7, 8), True)
Overview = dict[int, dict[int, consent.Verdict]]
Slot = tuple[Group, int]  # a place for a pupil: the stamgroep and the year level


@dataclass
class Family:
    """Guardians (with or without parental authority) and their children at De Loofhut."""

    guardians: list[tuple[User, bool]]
    children: list[Pupil]

    @property
    def deciders(self) -> list[User]:
        return [user for user, has_authority in self.guardians if has_authority]


class Seeder:
    """Builds the school step by step; every random choice comes from one seeded generator."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.used_emails: set[str] = set()
        self.pupil_count = 0
        self.groups: dict[str, Group] = {}
        self.slots: list[Slot] = []
        self.users: dict[str, User] = {}  # persona key -> user
        self.families: list[Family] = []  # the generated ones, not the personas'
        self.silent_families: list[Family] = []
        self.child_names: set[tuple[str, str]] = set()  # (given name, surname)

    def run(self) -> School:
        self.make_school()
        self.make_groups()
        self.make_staff()
        self.publish_leaflet()
        self.make_persona_families()
        self.make_generated_families()
        self.answer_generated_families()
        self.flag_never()
        self.mark_leavers()
        seed_processors(self.board, self.users["privacy_officer"], self.today)
        seed_breaches(
            self.school,
            keeper=self.users["privacy_officer"],
            reporter_email=PERSONA_EMAILS["guardian"],
        )
        seed_conduct(self.school, keeper=self.users["leadership"])
        seed_requests(
            self.school, teacher=self.users["teacher"], leadership=self.users["leadership"]
        )
        seed_projects(
            self.school,
            leadership=self.users["leadership"],
            teacher=self.users["teacher"],
            today=self.today,
        )
        seed_photos(self.groups["Zonnebloem"], teacher=self.users["teacher"])
        seed_parent_photos(self.groups["Zonnebloem"], teacher=self.users["teacher"])
        seed_albums(
            self.groups["Zonnebloem"],
            teacher=self.users["teacher"],
            leadership=self.users["leadership"],
        )
        return self.school

    # The school and its staff

    def make_school(self) -> None:
        self.board = Board.objects.create(name=BOARD_NAME)
        self.school = School.objects.create(
            board=self.board,
            name=SCHOOL_NAME,
            city="Almere",
            brin=BRIN,
            contact_email="info@deloofhut.nl",
        )

    def make_groups(self) -> None:
        for department_name, (group_names, levels) in DEPARTMENTS.items():
            department = Department.objects.create(school=self.school, name=department_name)
            for name in group_names:
                group = Group.objects.create(
                    school=self.school, department=department, name=name, school_year=SCHOOL_YEAR
                )
                self.groups[name] = group
                self.slots += [(group, levels[i % len(levels)]) for i in range(PUPILS_PER_GROUP)]

    def make_staff(self) -> None:
        """Staff sign in with the password "demo". It is hashed once and shared: hashing it
        per account would take seconds, and these accounts exist only in the demo."""
        self.staff_hash = make_password(STAFF_PASSWORD)
        Role = StaffRole.Role
        for group_name, (name, email) in TEACHERS.items():
            teacher = self.make_staff_user(name, email)
            role = StaffRole.objects.create(
                user=teacher, board=self.board, school=self.school, role=Role.TEACHER
            )
            role.groups.add(self.groups[group_name])
            if email == PERSONA_EMAILS["teacher"]:
                self.users["teacher"] = teacher
        for key, name, role_name in OTHER_STAFF:
            user = self.make_staff_user(name, PERSONA_EMAILS[key])
            school = None if role_name == Role.PRIVACY_OFFICER else self.school
            StaffRole.objects.create(user=user, board=self.board, school=school, role=role_name)
            self.users[key] = user

    def make_staff_user(self, name: str, email: str) -> User:
        self.used_emails.add(email)
        return User.objects.create(email=email, full_name=name, password=self.staff_hash)

    def publish_leaflet(self) -> None:
        version = starter_draft(self.school, label=leaflet_2023.LABEL)
        publish(version, actor=self.users["leadership"], material_change=True)

    # People

    def make_guardian(self, full_name: str, email: str | None = None) -> User:
        """A guardian account without a password: guardians sign in with a code by email."""
        email = email or self.free_email(full_name)
        self.used_emails.add(email)
        return User.objects.create_user(email, None, full_name=full_name)

    def free_email(self, full_name: str) -> str:
        given, _space, family = full_name.partition(" ")
        stem = f"{given}.{family.replace(' ', '')}".lower()
        email, n = f"{stem}@example.nl", 1
        while email in self.used_emails:
            n += 1
            email = f"{stem}{n}@example.nl"
        return email

    def take_slot(self, group_name: str) -> Slot:
        slot = next(s for s in self.slots if s[0].name == group_name)
        self.slots.remove(slot)
        return slot

    def make_pupil(self, slot: Slot, given: str, prefix: str, family: str) -> Pupil:
        group, level = slot
        self.pupil_count += 1
        self.child_names.add((given, f"{prefix} {family}".strip()))
        return Pupil.objects.create(
            school=self.school,
            group=group,
            given_name=given,
            family_name_prefix=prefix,
            family_name=family,
            date_of_birth=self.birth_date(level + 3),
            year_level=level,
            pupil_number=str(23000 + self.pupil_count),
        )

    def birth_date(self, age: int) -> date:
        """A birthday that makes the pupil exactly `age` today."""
        try:
            latest = self.today.replace(year=self.today.year - age)
        except ValueError:  # today is 29 February
            latest = self.today.replace(year=self.today.year - age, day=28)
        return latest - timedelta(days=self.rng.randrange(365))

    def link(self, family: Family) -> None:
        Guardianship.objects.bulk_create(
            Guardianship(guardian=user, pupil=child, has_parental_authority=has_authority)
            for child in family.children
            for user, has_authority in family.guardians
        )

    # The personas' families, with the answers their demo stories need

    def make_persona_families(self) -> None:
        self.make_de_vries()
        self.make_meijer()
        self.make_brouwer()

    def make_de_vries(self) -> None:
        """Sanne and Mark de Vries: Lotte in Zonnebloem (the teacher persona's group) and Daan."""
        sanne = self.make_guardian("Sanne de Vries", PERSONA_EMAILS["guardian"])
        mark = self.make_guardian("Mark de Vries", PERSONA_EMAILS["other_guardian"])
        lotte = self.make_pupil(self.take_slot("Zonnebloem"), "Lotte", "de", "Vries")
        daan = self.make_pupil(self.take_slot("Regenboog"), "Daan", "de", "Vries")
        self.link(Family([(sanne, True), (mark, True)], [lotte, daan]))
        consent.decide(sanne, lotte, {**ALL_YES, 8: False})
        consent.decide(mark, lotte, {1: True, 2: True, 3: True})
        consent.decide(sanne, daan, {**ALL_YES, 6: False, 8: False})

    def make_meijer(self) -> None:
        """Ilse Bakker and Ruben Meijer, separated, disagree on category 4 for Sem.

        Ruben's new partner lives with Sem but has no parental authority: she may look, not decide.
        """
        ilse = self.make_guardian("Ilse Bakker", PERSONA_EMAILS["separated_parent"])
        ruben = self.make_guardian("Ruben Meijer")
        partner = self.make_guardian("Nadia Hoekstra")
        sem = self.make_pupil(self.take_slot("Vlinderhof"), "Sem", "", "Meijer")
        self.link(Family([(ilse, True), (ruben, True), (partner, False)], [sem]))
        consent.decide(ruben, sem, {**ALL_YES, 6: False, 8: False})
        consent.decide(ilse, sem, {**ALL_YES, 4: False, 6: False, 8: False})

    def make_brouwer(self) -> None:
        """Marloes Dijkstra and Jeroen Brouwer, separated, disagree on categories 4 and 8 for
        both children; Jeroen's answers came on a paper form."""
        marloes = self.make_guardian("Marloes Dijkstra")
        jeroen = self.make_guardian("Jeroen Brouwer")
        finn = self.make_pupil(self.take_slot("Kompas"), "Finn", "", "Brouwer")
        saar = self.make_pupil(self.take_slot("Klaproos"), "Saar", "", "Brouwer")
        self.link(Family([(marloes, True), (jeroen, True)], [finn, saar]))
        for child in (finn, saar):
            consent.decide(marloes, child, {**ALL_YES, 4: False, 6: False, 8: False})
            consent.record_paper_form(
                self.users["leadership"],
                child,
                {**ALL_YES, 6: False},
                signed_by=jeroen,
                note=PAPER_NOTE,
            )

    # Everyone else

    def make_generated_families(self) -> None:
        self.rng.shuffle(self.slots)
        while self.slots:
            self.families.append(self.make_family())

    def make_family(self) -> Family:
        prefix, family_name = self.rng.choice(FAMILY_NAMES)
        surname = f"{prefix} {family_name}".strip()
        guardians = [(self.make_guardian(f"{self.rng.choice(ADULT_NAMES)} {surname}"), True)]
        kind = self.rng.random()
        if kind < 0.70:  # two parents with authority; some keep their own family name
            other = surname if self.rng.random() < 0.7 else self.other_surname()
            guardians.append((self.make_guardian(f"{self.rng.choice(ADULT_NAMES)} {other}"), True))
        elif kind < 0.85:  # a parent with a partner who has no parental authority
            name = f"{self.rng.choice(ADULT_NAMES)} {self.other_surname()}"
            guardians.append((self.make_guardian(name), False))
        size = min(len(self.slots), self.rng.choices((1, 2, 3), weights=(55, 35, 10))[0])
        free = [n for n in CHILD_NAMES if (n, surname) not in self.child_names]  # no namesakes
        children = [
            self.make_pupil(self.slots.pop(), given, prefix, family_name)
            for given in self.rng.sample(free, size)
        ]
        family = Family(guardians, children)
        self.link(family)
        return family

    def other_surname(self) -> str:
        prefix, name = self.rng.choice(FAMILY_NAMES)
        return f"{prefix} {name}".strip()

    def answer_generated_families(self) -> None:
        """Most families answer on the web, a few on paper, a few not yet at all."""
        order = list(range(len(self.families)))
        self.rng.shuffle(order)
        silent = set(order[:SILENT_FAMILIES])
        paper = set(order[SILENT_FAMILIES : SILENT_FAMILIES + PAPER_FAMILIES])
        for index, family in enumerate(self.families):
            if index not in silent:
                self.answer_family(family, on_paper=index in paper)
        self.silent_families = [self.families[i] for i in sorted(silent)]

    def answer_family(self, family: Family, *, on_paper: bool) -> None:
        first, *others = family.deciders
        for child in family.children:
            decisions = self.random_decisions()
            if on_paper:
                consent.record_paper_form(
                    self.users["leadership"], child, decisions, signed_by=first, note=PAPER_NOTE
                )
                continue
            consent.decide(first, child, decisions)
            for other in others:  # the other parent often confirms the same answers
                if self.rng.random() < 0.35:
                    consent.decide(other, child, decisions)

    def random_decisions(self) -> dict[int, bool]:
        decisions = {number: self.rng.random() < chance for number, chance in YES_CHANCE.items()}
        if self.rng.random() < 0.15:  # some answer only part of the leaflet
            for number in self.rng.sample([4, 6, 7, 8], self.rng.randint(1, 3)):
                del decisions[number]
        return decisions

    def flag_never(self) -> None:
        """A couple of children who must never appear, whatever their parents answered."""
        answered = [f for f in self.families if f not in self.silent_families]
        for family, reason in zip(
            self.rng.sample(answered, len(NEVER_REASONS)), NEVER_REASONS, strict=True
        ):
            child = self.rng.choice(family.children)
            consent.set_never_flag(self.users["leadership"], child, active=True, reason=reason)

    def mark_leavers(self) -> None:
        """Two children who left: one long enough ago for the retention job to erase (its
        dry run shows it), one who left recently and is kept."""
        families = [f for f in self.families if len(f.children) > 1]
        for family, days_ago in zip(self.rng.sample(families, 2), (3 * 365, 200), strict=True):
            child = family.children[-1]
            child.left_on = self.today - timedelta(days=days_ago)
            child.group = None
            child.save(update_fields=["left_on", "group"])


class Command(BaseCommand):
    help = "Create the demo school De Loofhut with its personas, pupils and consent answers."

    def handle(self, *args, **options):
        if School.objects.filter(brin=BRIN).exists():
            self.stdout.write(f"The demo school {SCHOOL_NAME} is already there: nothing to do.")
            return
        if User.objects.filter(email__in=PERSONA_EMAILS.values()).exists():
            raise CommandError(
                "Some demo persona accounts exist without the demo school; "
                "seed into an empty database."
            )
        with transaction.atomic(), receipts.paused():  # a made-up history: no receipts
            school = Seeder().run()
        self.stdout.write("\n".join(summary(school)))


def summary(school: School) -> Iterator[str]:
    """What was made, and how to get in."""
    pupils = Pupil.objects.filter(school=school)
    overview = consent.consent_overview(pupils)
    states = Counter(v.state for verdicts in overview.values() for v in verdicts.values())
    events = ConsentEvent.objects.filter(pupil__school=school)
    numbers = ", ".join(str(c.number) for c in consent.active_version(school).categories.all())
    yield f"Demo school {school.name} ({school.city}) is ready."
    yield f"  Leaflet {leaflet_2023.LABEL} published, categories {numbers}."
    yield (
        f"  {school.departments.count()} bouwen, {school.groups.count()} stamgroepen "
        f"({SCHOOL_YEAR}), {pupils.count()} pupils, "
        f"{User.objects.filter(children__school=school).distinct().count()} guardians, "
        f"{StaffRole.objects.filter(board=school.board).count()} staff."
    )
    yield (
        f"  {events.count()} consent events ({events.filter(channel='paper').count()} from "
        f"paper forms), {NeverFlagEvent.objects.filter(pupil__school=school).count()} "
        f"never-photograph flags, {AuditEntry.objects.count()} audit entries."
    )
    yield "  Answers now (pupil x category): " + ", ".join(
        f"{state} {states[state]}" for state in consent.State
    )
    yield (
        f"  Pupils in conflict: {count_pupils(overview, consent.State.CONFLICT)}; "
        f"pupils with nothing answered: {count_unanswered(overview)}."
    )
    yield ""
    yield f"Sign in at {LOGIN_URL} (one-click persona buttons when CONSENTRY_DEMO=true):"
    for key, label, email in PERSONAS:
        yield f"  {key:<17} {email:<28} {label}"
    yield f'Staff password: "{STAFF_PASSWORD}". Guardians: use the persona buttons.'


def count_pupils(overview: Overview, state: consent.State) -> int:
    return sum(any(v.state == state for v in verdicts.values()) for verdicts in overview.values())


def count_unanswered(overview: Overview) -> int:
    unanswered = consent.State.UNANSWERED
    return sum(
        all(v.state == unanswered for v in verdicts.values()) for verdicts in overview.values()
    )
