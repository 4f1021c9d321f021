"""Helpers for the page tests: a signed-in English client, and reading what a page shows."""

import re
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse


def client_for(user) -> Client:
    """A client signed in as `user`, asking for English (the source texts)."""
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def get(user, name: str, query: str = "", **kwargs):
    return client_for(user).get(reverse(name, kwargs=kwargs) + query)


def text(html: str) -> str:
    """The visible text of a piece of HTML, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, marker: str) -> str:
    """The HTML of the element whose opening tag contains `marker`, up to its closing tag."""
    start = html.index(marker)
    tag_start = html.rindex("<", 0, start + 1)
    tag = re.match(r"<(\w+)", html[tag_start:]).group(1)
    depth, pos = 0, tag_start
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[tag_start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            pos = tag_start + match.end()
            break
    return html[tag_start:pos]


class _Table(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, marker: str) -> dict[str, list[str]]:
    """The rows of the table whose opening tag contains `marker`: first cell -> the others."""
    parser = _Table()
    parser.feed(section(html, marker))
    return {row[0]: row[1:] for row in parser.rows if row}
