"""Row ids that come from outside (a URL, a form, an API call) and the database's limit.

Why: ids are signed 64-bit integers in PostgreSQL and SQLite, and Python's int is not; a
number beyond that range (`/schools/10000000000000000000/`) makes the database driver raise
an overflow error, a 500. Anything longer than 18 digits cannot be a row, so it is simply
not found: a 404, like any other id that leads nowhere.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

MAX_DIGITS = 18  # 10**18 - 1 < 2**63 - 1, the largest id a row can have


def is_row_id(text: str) -> bool:
    """Whether `text` can be the id of a row: 1 to 18 digits, nothing else."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


def fits(value: int) -> bool:
    """Whether a number is within the range of a row id (so it may be looked up)."""
    return 0 <= value < 10**MAX_DIGITS


def get_or_404[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """`get_object_or_404` for an id from outside: one beyond the range is not found."""
    found = queryset.filter(pk=pk).first() if fits(pk) else None
    if found is None:
        raise Http404("No such row.")
    return found


class RowIdConverter:
    """The `<id:...>` path converter: an `int` that only matches up to 18 digits."""

    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
