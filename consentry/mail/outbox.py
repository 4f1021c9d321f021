"""Reading the demo's outbox: the files that Django's file-based mail backend writes.

The demo has no mail server, yet sign-in by code needs the code; the demo's outbox page shows
these files. Each file holds the messages of one connection, each followed by a line of 79
dashes. Plain Python, no database.
"""

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class OutboxMail:
    to: str
    subject: str
    date: datetime | None
    body: str


def read_outbox(folder: Path, limit: int = 50) -> list[OutboxMail]:
    """The newest `limit` mails in the folder, newest first."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)
    mails = [mail for path in files[:limit] for mail in _parse_file(path)]
    mails.sort(key=lambda m: m.date.timestamp() if m.date else 0, reverse=True)
    return mails[:limit]


def _parse_file(path: Path) -> list[OutboxMail]:
    chunks = path.read_bytes().split(SEPARATOR)
    return [_parse(chunk) for chunk in reversed(chunks) if chunk.strip()]  # newest first


def _parse(raw: bytes) -> OutboxMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    try:
        date = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return OutboxMail(
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        date=date,
        body=part.get_content().strip() if isinstance(part, EmailMessage) else "",
    )
