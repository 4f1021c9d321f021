"""National-size data for bench/national.py, written straight into Consentry's schema with COPY.

Why COPY and not the ORM: a whole country is about 1.5 million pupils, 10 million consent
events and as many audit entries; through the ORM that takes hours, through COPY minutes. The
rows are the real schema's (the database is migrated first), with the same meaning as rows the
application writes: consent events with their audit entries in one valid hash chain, receipts
in the mail log, photos with their faces and publications with the snapshot of who was visible.

Shape, at fraction 1.0 (the Netherlands: about 6,000 primary schools under 1,000 boards):
- boards of 1 to 40 schools; schools of 40 to 600 pupils (about 245 on average), groups of
  about 25 in this school year and last year's groups as history, three bouwen, one composed
  group; a leadership account, a teacher per group, a privacy officer per board;
- about 8% more pupils who left in the last four years (about half past their retention);
- families of one to three children with one or two guardians (about 1.6 guardianships per
  pupil), 3% of guardians without parental authority;
- the school's active leaflet (7 categories) and, at one school in five, an archived one from
  an earlier answer round; about 7 consent events per pupil: 10% unanswered, one guardian
  answering everything, one in eight second guardians answering too (sometimes disagreeing),
  later changes; a receipt per save per guardian with authority; 0.3% never flags;
- about 10 photos per group with 5 faces each and 2 publications per photo;
- one separate consent request per school, about one group, with answers.

The first school is the same at every fraction (the showcase): 400 pupils in 16 groups, with
28,700 publications, one pupil shown in 100 of them, and a family with two children. The
benchmark measures its pages, so the growth from 1% to 100% shows what the size of the rest
of the database costs, not a bigger family or school.
"""

import hashlib
import json
import math
import random
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import psycopg

NATIONAL_SCHOOLS = 6000
NATIONAL_BOARDS = 1000
SCHOOL_YEAR = "2026-2027"
LAST_YEAR = "2025-2026"
CATEGORIES = [1, 2, 3, 4, 6, 7, 8]
YES_CHANCE = {1: 0.95, 2: 0.9, 3: 0.88, 4: 0.62, 6: 0.8, 7: 0.82, 8: 0.85}
GROUP_SIZE = 25
SHOWCASE_PUPILS = 400
SHOWCASE_PUBLICATIONS = 28_700
BUSY_PUPIL_PUBLICATIONS = 100

GENESIS_HASH = "0" * 64
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
EPOCH = NOW.timestamp()
DAY = 86400.0

GIVEN = [
    "Emma",
    "Noah",
    "Julia",
    "Lucas",
    "Mila",
    "Sem",
    "Tess",
    "Liam",
    "Sophie",
    "Finn",
    "Zoë",
    "Daan",
    "Nora",
    "Levi",
    "Sara",
    "Mees",
    "Yara",
    "Luuk",
    "Fatima",
    "Mohamed",
    "Lotte",
    "Bram",
    "Anna",
    "Jesse",
    "Eva",
    "Thijs",
    "Lina",
    "Adam",
    "Fenna",
    "Ayoub",
]
FAMILY = [
    "de Vries",
    "Jansen",
    "de Jong",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "de Boer",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "el Amrani",
    "Yilmaz",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Kaya",
    "Willems",
    "van Leeuwen",
]
CITIES = [
    "Almere",
    "Amsterdam",
    "Utrecht",
    "Zwolle",
    "Groningen",
    "Tilburg",
    "Breda",
    "Ede",
    "Leiden",
    "Delft",
    "Arnhem",
    "Nijmegen",
    "Enschede",
    "Haarlem",
    "Assen",
    "Venlo",
]


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return text


def brin(school_id: int) -> str:
    """A made-up BRIN code, unique per school: two digits and two letters."""
    first, second = chr(65 + school_id // 2600 % 26), chr(65 + school_id // 100 % 26)
    return f"{school_id % 100:02d}{first}{second}"


def iso(ts: float) -> str:
    """A timestamp (seconds since the epoch) as PostgreSQL and the audit hash want it."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")


class Table:
    """A COPY into one table on a connection of its own, fed line by line."""

    FLUSH = 4000

    def __init__(self, stack: ExitStack, url: str, name: str, columns: str):
        self.name = name
        self.columns = [c.strip() for c in columns.split(",")]
        connection = stack.enter_context(psycopg.connect(url, autocommit=True))
        cursor = stack.enter_context(connection.cursor())
        self.copy = stack.enter_context(
            cursor.copy(f"COPY {name} ({', '.join(self.columns)}) FROM STDIN")
        )
        self.lines: list[str] = []
        self.count = 0

    def line(self, text: str) -> None:
        """A ready line: tab-separated, already in COPY's text format."""
        self.lines.append(text)
        if len(self.lines) >= self.FLUSH:
            self.flush()

    def row(self, *values) -> None:
        self.line("\t".join(map(copy_text, values)))

    def flush(self) -> None:
        if self.lines:
            self.copy.write("\n".join(self.lines) + "\n")
            self.count += len(self.lines)
            self.lines = []


TEXT_COLUMNS = [
    f"{name}_{lang}"
    for name in ("intro", "agreements", "reduction", "active_consent", "conduct", "closing")
    for lang in ("nl", "en")
]
TABLES = {
    "schools_board": "id, name",
    "schools_school": "id, board_id, name, city, brin, dependance, contact_email",
    "schools_department": "id, school_id, name",
    "schools_group": "id, school_id, department_id, name, school_year, source_key, composed",
    "schools_pupil": "id, school_id, group_id, given_name, family_name_prefix, family_name, "
    "date_of_birth, pupil_number, year_level, source_key, entered_on, left_on, account_id",
    "schools_pupil_extra_groups": "id, pupil_id, group_id",
    "schools_guardianship": "id, guardian_id, pupil_id, has_parental_authority",
    "schools_staffrole": "id, user_id, board_id, school_id, role",
    "schools_staffrole_groups": "id, staffrole_id, group_id",
    "accounts_user": "id, password, last_login, is_superuser, email, full_name, "
    "preferred_language, is_active, is_staff, date_joined",
    "leaflets_leafletversion": "id, school_id, label, status, answer_round, material_change, "
    "intro_nl, intro_en, agreements_nl, agreements_en, reduction_nl, reduction_en, "
    "active_consent_nl, active_consent_en, conduct_nl, conduct_en, closing_nl, closing_en, "
    "published_at, published_by_id, created_at",
    "leaflets_category": "id, version_id, number, title_nl, title_en, purpose_nl, purpose_en, "
    "examples_nl, examples_en",
    "consent_consentevent": "id, pupil_id, category_number, leaflet_version_id, given, actor_id, "
    "actor_role, guardian_id, channel, note, recorded_at",
    "consent_neverflagevent": "id, pupil_id, active, reason, actor_id, recorded_at",
    "audit_auditentry": "id, sequence, recorded_at, actor_id, actor_label, school_id, action, "
    "object_type, object_id, data, previous_hash, entry_hash",
    "mail_outgoingmail": "id, kind, to_address, subject, body, sensitive, recipient_id, pupil_id, "
    "school_id, status, created_at, sent_at, attempts, last_error",
    "photos_photo": "id, school_id, group_id, uploaded_by_id, original_name, content_type, size, "
    "sha256, width, height, storage_name, wrapped_key, status, error, attempts, created_at, "
    "detecting_since, detected_at",
    "photos_face": "id, photo_id, x, y, w, h, score, source, kind, pupil_id, consents",
    "photos_publication": "id, photo_id, category, consent_request_id, mode, sha256, size, "
    "storage_name, wrapped_key, published_by_id, published_at, snapshot, withdrawn_at",
    "photos_visiblepupil": "id, publication_id, pupil_id",
    "adhoc_consentrequest": "id, school_id, created_by_id, purpose, description, preview, "
    "deadline, status, created_at, opened_at, closed_at, closed_by_id, reminded_at",
    "adhoc_consentrequest_pupils": "id, consentrequest_id, pupil_id",
    "adhoc_requestanswer": "id, request_id, pupil_id, guardian_id, given, actor_id, actor_role, "
    "channel, recorded_at",
}


class Ids:
    """The next primary key per table (ids are given explicitly, sequences set afterwards)."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def next(self, table: str) -> int:
        value = self.last.get(table, 0) + 1
        self.last[table] = value
        return value

    def block(self, table: str, count: int) -> int:
        """Reserve `count` ids; returns the first."""
        first = self.last.get(table, 0) + 1
        self.last[table] = first + count - 1
        return first


class Chain:
    """The audit trail, hash-chained exactly as `AuditEntry.compute_hash` does it."""

    def __init__(self, table: Table, ids: Ids):
        self.table, self.ids = table, ids
        self.sequence = 0
        self.previous = GENESIS_HASH

    def record(self, ts: float, actor_id, school_id, action, object_type, object_id, data):
        self.sequence += 1
        recorded_at = iso(ts)
        actor_label = f"user:{actor_id}" if actor_id is not None else "system"
        payload = {
            "sequence": self.sequence,
            "recorded_at": recorded_at,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "school_id": school_id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "data": data,
            "previous_hash": self.previous,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry_hash = hashlib.sha256(canonical.encode()).hexdigest()
        data_text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        self.table.line(
            f"{self.ids.next('audit_auditentry')}\t{self.sequence}\t{recorded_at}\t"
            f"{copy_text(actor_id)}\t{actor_label}\t{copy_text(school_id)}\t{action}\t"
            f"{object_type}\t{object_id}\t{data_text}\t{self.previous}\t{entry_hash}"
        )
        self.previous = entry_hash


class Generator:
    def __init__(self, url: str, fraction: float, seed: int = 2026):
        self.url = url
        self.fraction = fraction
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.manifest: dict = {}
        from consentry.leaflets import starter

        self.leaflet = starter  # every school starts from it

    # -- the whole country ------------------------------------------------------------------

    def school_sizes(self) -> list[int]:
        count = max(3, round(NATIONAL_SCHOOLS * self.fraction))
        sizes = [SHOWCASE_PUPILS]
        sizes += [int(self.rng.triangular(40, 600, 100)) for _ in range(count - 1)]
        return sizes

    def boards(self, schools: int) -> list[int]:
        """Schools per board: many small boards, a few with dozens of schools."""
        sizes, left = [], schools
        while left > 0:
            size = min(left, max(1, int(self.rng.paretovariate(0.8))), 40)
            sizes.append(size)
            left -= size
        return sizes

    def run(self, log=print) -> dict:
        started = time.monotonic()
        sizes = self.school_sizes()
        with ExitStack() as stack:
            self.t = {name: Table(stack, self.url, name, cols) for name, cols in TABLES.items()}
            self.chain = Chain(
                Table(stack, self.url, "audit_auditentry", TABLES["audit_auditentry"]), self.ids
            )
            del self.t["audit_auditentry"]
            school_index = 0
            for board_size in self.boards(len(sizes)):
                board_id = self.ids.next("schools_board")
                self.t["schools_board"].row(board_id, f"Stichting {board_id}")
                officer = self.user("officer", f"Privacyfunctionaris {board_id}")
                self.t["schools_staffrole"].row(
                    self.ids.next("schools_staffrole"), officer, board_id, None, "privacy_officer"
                )
                if board_id == 1:
                    self.manifest["privacy_officer_id"] = officer
                for _ in range(board_size):
                    self.school(board_id, sizes[school_index], showcase=school_index == 0)
                    school_index += 1
                    if school_index % 200 == 0:
                        log(
                            f"  {school_index}/{len(sizes)} schools, "
                            f"{self.ids.last.get('schools_pupil', 0):,} pupils, "
                            f"{time.monotonic() - started:.0f} s"
                        )
            for table in (*self.t.values(), self.chain.table):
                table.flush()
        counts = {name: table.count for name, table in self.t.items()}
        counts["audit_auditentry"] = self.chain.table.count
        self.manifest["counts"] = counts
        self.manifest["copy_seconds"] = round(time.monotonic() - started, 1)
        return self.manifest

    # -- rows -------------------------------------------------------------------------------

    def user(self, kind: str, name: str, language: str = "nl") -> int:
        user_id = self.ids.next("accounts_user")
        self.t["accounts_user"].line(
            f"{user_id}\t!\t\\N\tf\t{kind}{user_id}@example.nl\t{name}\t{language}\tt\tf\t"
            f"{iso(EPOCH - 700 * DAY)}"
        )
        return user_id

    def school(self, board_id: int, pupils: int, *, showcase: bool) -> None:
        rng, t, ids = self.rng, self.t, self.ids
        school_id = ids.next("schools_school")
        t["schools_school"].row(
            school_id,
            board_id,
            f"Basisschool {school_id}",
            rng.choice(CITIES),
            brin(school_id),
            "",
            f"info@school{school_id}.example.nl",
        )
        departments = []
        for name in ("Onderbouw", "Middenbouw", "Bovenbouw"):
            departments.append(ids.next("schools_department"))
            t["schools_department"].row(departments[-1], school_id, name)

        leadership = self.user("leiding", f"Directeur {school_id}")
        t["schools_staffrole"].row(
            ids.next("schools_staffrole"), leadership, board_id, school_id, "leadership"
        )
        if rng.random() < 0.3:
            intern = self.user("stagiair", f"Stagiair {school_id}")
            t["schools_staffrole"].row(
                ids.next("schools_staffrole"), intern, board_id, school_id, "intern"
            )

        active_version, old_version = self.leaflets(school_id, leadership, old=rng.random() < 0.2)

        # Groups: this year's and last year's, about 25 pupils each.
        group_count = max(1, math.ceil(pupils / GROUP_SIZE))
        groups, old_groups, teachers = [], [], []
        for index in range(group_count):
            level = 1 + index * 8 // group_count
            department = departments[min(2, (level - 1) // 3)]
            for year, into in ((SCHOOL_YEAR, groups), (LAST_YEAR, old_groups)):
                group_id = ids.next("schools_group")
                t["schools_group"].row(
                    group_id,
                    school_id,
                    department,
                    f"Groep {level}{chr(65 + index % 26)}{index}",
                    year,
                    f"g{group_id}",
                    False,
                )
                into.append((group_id, level))
            teacher = self.user("leerkracht", f"Leerkracht {groups[-1][0]}")
            role = ids.next("schools_staffrole")
            t["schools_staffrole"].row(role, teacher, board_id, school_id, "teacher")
            t["schools_staffrole_groups"].row(
                ids.next("schools_staffrole_groups"), role, groups[-1][0]
            )
            teachers.append(teacher)
        composed = ids.next("schools_group")
        t["schools_group"].row(
            composed, school_id, None, "Plusklas", SCHOOL_YEAR, f"g{composed}", True
        )

        # Pupils: the current ones fill the groups in order; then those who left.
        current = []
        for index in range(pupils):
            group_index = min(group_count - 1, index // GROUP_SIZE)
            group_id, level = groups[group_index]
            current.append(self.pupil(school_id, group_id, level, None))
        left = []
        for _ in range(int(pupils * 0.08)):
            left_on = TODAY - timedelta(days=rng.randint(30, 4 * 365))
            group_id, level = rng.choice(old_groups)
            left.append(self.pupil(school_id, group_id, level, left_on))
        for pupil_id in rng.sample(current, max(1, len(current) // 20)):
            t["schools_pupil_extra_groups"].row(
                ids.next("schools_pupil_extra_groups"), pupil_id, composed
            )

        # Families: one to three children (siblings), one or two guardians.
        verdicts: dict[int, dict[int, str]] = {}
        self.deciding_guardian: dict[int, int] = {}  # the first guardian with authority
        family_of_two = None
        everyone = current + left
        still_here = set(current)
        index = 0
        while index < len(everyone):
            size = 1 + (rng.random() < 0.45) + (rng.random() < 0.22)
            children = everyone[index : index + size]
            index += size
            with_authority = self.family(children)
            guardians = with_authority or [0]  # 0: nobody may decide, so nobody answered
            if (
                showcase
                and family_of_two is None
                and len(children) == 2
                and len(with_authority) == 2
                and still_here.issuperset(children)
            ):
                family_of_two = (guardians, children)
            for pupil_id in children:
                if with_authority:
                    self.deciding_guardian[pupil_id] = with_authority[0]
                verdicts[pupil_id] = self.answers(
                    school_id, pupil_id, guardians, active_version, old_version, leadership
                )
        for pupil_id in rng.sample(current, int(len(current) * 0.003) + (1 if showcase else 0)):
            self.never_flag(school_id, pupil_id, leadership)

        # Photos, faces and publications.
        members = [current[i : i + GROUP_SIZE] for i in range(0, len(current), GROUP_SIZE)]
        busy = current[GROUP_SIZE + 3] if showcase else None
        photo_counts = [6] * len(groups)
        old_photo_counts = [4] * len(groups)
        if showcase:  # 28,700 publications: 2 per photo, spread over the groups
            per_group = SHOWCASE_PUBLICATIONS // 2 // (2 * len(groups))
            photo_counts = old_photo_counts = [per_group] * len(groups)
        busy_left = BUSY_PUPIL_PUBLICATIONS if showcase else 0
        for group_list, counts in ((groups, photo_counts), (old_groups, old_photo_counts)):
            for (group_id, _level), pupils_in, teacher, count in zip(
                group_list, members, teachers, counts, strict=False
            ):
                for _ in range(count):
                    with_busy = busy in pupils_in and busy_left > 0
                    made = self.photo(
                        school_id,
                        group_id,
                        pupils_in,
                        teacher,
                        verdicts,
                        force=busy if with_busy else None,
                        exclude=busy,
                    )
                    busy_left -= made
        if showcase:
            self.request(school_id, leadership, members[0], verdicts, force_open=True)
            guardians, children = family_of_two
            self.manifest.update(
                school_id=school_id,
                leadership_id=leadership,
                teacher_id=teachers[0],
                group_id=groups[0][0],
                guardian_id=guardians[0],
                other_guardian_id=guardians[1],
                children_ids=children,
                busy_pupil_id=busy,
                check_pupil_ids=current[:30],
            )
        elif rng.random() < 0.8:
            self.request(school_id, leadership, rng.choice(members), verdicts)

    def leaflets(self, school_id: int, leadership: int, *, old: bool) -> tuple[int, int | None]:
        old_version = None
        if old:
            old_version = self.leaflet_version(
                school_id, leadership, "versie 2022", "archived", 1, EPOCH - 800 * DAY
            )
        active = self.leaflet_version(
            school_id, leadership, "versie 2023", "active", 2 if old else 1, EPOCH - 500 * DAY
        )
        return active, old_version

    def leaflet_version(self, school_id, leadership, label, status, answer_round, ts) -> int:
        version_id = self.ids.next("leaflets_leafletversion")
        texts = [self.leaflet.TEXTS[field] for field in TEXT_COLUMNS]
        self.t["leaflets_leafletversion"].row(
            version_id,
            school_id,
            label,
            status,
            answer_round,
            answer_round > 1,
            *texts,
            datetime.fromtimestamp(ts, UTC),
            leadership,
            datetime.fromtimestamp(ts - DAY, UTC),
        )
        for category in self.leaflet.CATEGORIES:
            self.t["leaflets_category"].row(
                self.ids.next("leaflets_category"),
                version_id,
                category["number"],
                category["title_nl"],
                category["title_en"],
                category["purpose_nl"],
                category["purpose_en"],
                category["examples_nl"],
                category["examples_en"],
            )
        return version_id

    def pupil(self, school_id: int, group_id: int, level: int, left_on: date | None) -> int:
        rng = self.rng
        pupil_id = self.ids.next("schools_pupil")
        born = date(TODAY.year - 4 - level, rng.randint(1, 12), rng.randint(1, 28))
        prefix, family = "", rng.choice(FAMILY)
        if family.startswith(("de ", "van ", "el ")):
            prefix, family = family.rsplit(" ", 1)
        self.t["schools_pupil"].line(
            f"{pupil_id}\t{school_id}\t{group_id}\t{rng.choice(GIVEN)}\t{prefix}\t{family}\t"
            f"{born}\t{pupil_id}\t{level}\tp{pupil_id}\t{born.replace(year=born.year + 4)}\t"
            f"{left_on if left_on else chr(92) + 'N'}\t\\N"
        )
        return pupil_id

    def family(self, children: list[int]) -> list[int]:
        """The guardians of these siblings; returns those with parental authority."""
        rng = self.rng
        guardians = []
        for _ in range(1 + (rng.random() < 0.6)):
            language = "en" if rng.random() < 0.05 else "nl"
            guardian = self.user("ouder", f"Ouder {rng.choice(FAMILY)}", language)
            authority = "f" if rng.random() < 0.03 else "t"
            if authority == "t":
                guardians.append(guardian)
            for pupil_id in children:
                self.t["schools_guardianship"].line(
                    f"{self.ids.next('schools_guardianship')}\t{guardian}\t{pupil_id}\t{authority}"
                )
        return guardians

    def answers(self, school_id, pupil_id, guardians, version, old_version, leadership):
        """The pupil's consent history; returns the state per category in the active round."""
        rng = self.rng
        if guardians == [0]:
            return dict.fromkeys(CATEGORIES, "unanswered")
        if old_version is not None and rng.random() < 0.3:  # answered the old leaflet too
            self.save(
                school_id,
                pupil_id,
                guardians[0],
                old_version,
                {n: rng.random() < YES_CHANCE[n] for n in CATEGORIES},
                EPOCH - rng.uniform(600, 790) * DAY,
            )
        if rng.random() < 0.10:
            return dict.fromkeys(CATEGORIES, "unanswered")
        first = {n: rng.random() < YES_CHANCE[n] for n in CATEGORIES}
        when = EPOCH - rng.uniform(30, 480) * DAY
        paper = rng.random() < 0.05
        self.save(
            school_id,
            pupil_id,
            guardians[0],
            version,
            first,
            when,
            staff=leadership if paper else None,
        )
        answers = {n: {first[n]} for n in CATEGORIES}
        if len(guardians) > 1 and rng.random() < 0.12:
            second = {n: (not v) if rng.random() < 0.1 else v for n, v in first.items()}
            self.save(
                school_id,
                pupil_id,
                guardians[1],
                version,
                second,
                when + rng.uniform(0.1, 20) * DAY,
            )
            for n, v in second.items():
                answers[n].add(v)
        if rng.random() < 0.1:  # a later change of mind
            number = rng.choice(CATEGORIES)
            self.save(
                school_id,
                pupil_id,
                guardians[0],
                version,
                {number: not first[number]},
                when + rng.uniform(21, 25) * DAY,
            )
            answers[number] = (answers[number] - {first[number]}) | {not first[number]}
        return {
            n: "conflict" if len(a) > 1 else ("yes" if True in a else "no")
            for n, a in answers.items()
        }

    def save(self, school_id, pupil_id, guardian, version, decisions, ts, staff=None):
        """One save: an event and an audit entry per answer, a receipt to the guardian."""
        actor = staff or guardian
        role = "staff" if staff else "guardian"
        channel = "paper" if staff else "web"
        note = "Ondertekend formulier" if staff else ""
        recorded = iso(ts)
        events = self.t["consent_consentevent"]
        for number, given in decisions.items():
            event_id = self.ids.next("consent_consentevent")
            events.line(
                f"{event_id}\t{pupil_id}\t{number}\t{version}\t{'t' if given else 'f'}\t{actor}\t"
                f"{role}\t{guardian}\t{channel}\t{note}\t{recorded}"
            )
            self.chain.record(
                ts,
                actor,
                school_id,
                "consent.recorded",
                "consent.consentevent",
                event_id,
                {
                    "pupil_id": pupil_id,
                    "category": number,
                    "given": given,
                    "leaflet_version_id": version,
                    "guardian_id": guardian,
                    "channel": channel,
                    "actor_role": role,
                },
            )
        self.t["mail_outgoingmail"].line(
            f"{self.ids.next('mail_outgoingmail')}\treceipt\touder{guardian}@example.nl\t"
            f"Consentry: ontvangstbevestiging\tU heeft uw keuzes opgeslagen: "
            f"{len(decisions)} wijziging(en) op {recorded[:10]}.\tf\t{guardian}\t{pupil_id}\t"
            f"{school_id}\tsent\t{recorded}\t{iso(ts + 5)}\t1\t"
        )

    def never_flag(self, school_id: int, pupil_id: int, leadership: int) -> None:
        ts = EPOCH - self.rng.uniform(10, 400) * DAY
        flag_id = self.ids.next("consent_neverflagevent")
        self.t["consent_neverflagevent"].row(
            flag_id, pupil_id, True, "Afspraak met de ouders", leadership, iso(ts)
        )
        self.chain.record(
            ts,
            leadership,
            school_id,
            "never_flag.set",
            "consent.neverflagevent",
            flag_id,
            {"pupil_id": pupil_id},
        )

    def photo(self, school_id, group_id, pupils_in, teacher, verdicts, *, force, exclude) -> int:
        """A photo with about 5 faces and 2 publications; returns how many publications show
        `force` (the showcase's busy pupil), who is otherwise left out."""
        rng, t, ids = self.rng, self.t, self.ids
        photo_id = ids.next("photos_photo")
        ts = EPOCH - rng.uniform(1, 700) * DAY
        t["photos_photo"].line(
            f"{photo_id}\t{school_id}\t{group_id}\t{teacher}\tIMG_{photo_id}.jpg\timage/jpeg\t"
            f"2400000\t{photo_id:064x}\t4032\t3024\tphotos/{photo_id:032x}.bin\t"
            f"\\\\x{photo_id:0120x}\tready\t\t1\t{iso(ts)}\t{iso(ts + 2)}\t{iso(ts + 4)}"
        )
        candidates = [p for p in pupils_in if p != exclude]
        tagged = rng.sample(candidates, min(len(candidates), rng.randint(2, 6)))
        if force is not None:
            tagged = [force, *tagged[:4]]
        for pupil_id in tagged:
            t["photos_face"].line(
                f"{ids.next('photos_face')}\t{photo_id}\t{rng.randint(0, 3800)}\t"
                f"{rng.randint(0, 2800)}\t120\t150\t0.97\tdetector\tpupil\t{pupil_id}\tf"
            )
        for _ in range(rng.randint(0, 2)):  # adults and people the teacher did not know
            kind = rng.choice(("adult", "unknown"))
            t["photos_face"].line(
                f"{ids.next('photos_face')}\t{photo_id}\t{rng.randint(0, 3800)}\t"
                f"{rng.randint(0, 2800)}\t110\t140\t0.9\tdetector\t{kind}\t\\N\tf"
            )
        shown = 0
        for category in rng.sample((1, 2, 3, 4), 2):
            snapshot = []
            for pupil_id in tagged:
                state = verdicts.get(pupil_id, {}).get(category, "unanswered")
                visible = state == "yes" or pupil_id == force
                snapshot.append(
                    {"pupil_id": pupil_id, "state": "yes" if visible else state, "visible": visible}
                )
            shown += force is not None
            publication_id = ids.next("photos_publication")
            published = ts + rng.uniform(0.1, 10) * DAY
            withdrawn = iso(published + 30 * DAY) if rng.random() < 0.05 else "\\N"
            t["photos_publication"].line(
                f"{publication_id}\t{photo_id}\t{category}\t\\N\tblur\t{publication_id:064x}\t"
                f"380000\trenditions/{publication_id:032x}.bin\t\\\\x{publication_id:0120x}\t"
                f"{teacher}\t{iso(published)}\t{json.dumps(snapshot)}\t{withdrawn}"
            )
            for entry in snapshot:
                if entry["visible"]:
                    t["photos_visiblepupil"].line(
                        f"{ids.next('photos_visiblepupil')}\t{publication_id}\t{entry['pupil_id']}"
                    )
            self.chain.record(
                published,
                teacher,
                school_id,
                "photo.published",
                "photos.publication",
                publication_id,
                {"photo": photo_id, "audience": str(category), "mode": "blur"},
            )
        return shown

    def request(self, school_id, leadership, pupils_in, verdicts, force_open=False) -> None:
        rng, t, ids = self.rng, self.t, self.ids
        request_id = ids.next("adhoc_consentrequest")
        ts = EPOCH - rng.uniform(5, 300) * DAY
        is_open = force_open or rng.random() < 0.3
        deadline = (
            (TODAY + timedelta(days=14))
            if is_open
            else (datetime.fromtimestamp(ts, UTC).date() + timedelta(days=14))
        )
        t["adhoc_consentrequest"].row(
            request_id,
            school_id,
            leadership,
            "Foto in de regionale krant",
            "De krant maakt een reportage over het schoolplein.",
            "",
            deadline,
            "open" if is_open else "closed",
            iso(ts),
            iso(ts + 60),
            None,
            None,
            None,
        )
        for pupil_id in pupils_in:
            t["adhoc_consentrequest_pupils"].row(
                ids.next("adhoc_consentrequest_pupils"), request_id, pupil_id
            )
            guardian = self.deciding_guardian.get(pupil_id)
            if guardian is not None and rng.random() < 0.6:
                t["adhoc_requestanswer"].row(
                    ids.next("adhoc_requestanswer"),
                    request_id,
                    pupil_id,
                    guardian,
                    rng.random() < 0.7,
                    guardian,
                    "guardian",
                    "web",
                    iso(ts + rng.uniform(1, 10) * DAY),
                )
