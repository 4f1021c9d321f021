"""`consentry demo --port N`: links in mail and in the leaflet PDF point where the demo runs.

No server is started: the command's preparation and its children are replaced, and what
they would be given is checked.
"""

import pytest
from django.core.management import call_command

from consentry.demo.management.commands import demo
from consentry.leaflets.document import absolute_url
from consentry.mail.links import sign_in_url


@pytest.fixture
def demo_without_servers(settings, monkeypatch):
    """The demo command up to the point where it would start the web server and worker."""
    settings.DEMO_MODE = True
    started: dict = {}
    monkeypatch.setattr(demo.Command, "check", lambda self, *args, **kwargs: None)
    monkeypatch.setattr(demo.Command, "_prepare_database", lambda self: None)

    def run(self, port, base_url, *, with_worker):
        started.update(port=port, env=self._child_environment(base_url))

    monkeypatch.setattr(demo.Command, "_run", run)
    return started


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_links_point_at_the_port_the_demo_serves_on(demo_without_servers, monkeypatch):
    monkeypatch.delenv("CONSENTRY_BASE_URL", raising=False)
    port = free_port()
    call_command("demo", port=port)
    address = f"http://127.0.0.1:{port}"
    # In this process (the seed's mail) ...
    assert sign_in_url() == f"{address}/login/"
    assert absolute_url("/schools/1/leaflet/") == f"{address}/schools/1/leaflet/"
    # ... and in the web server (the leaflet PDF) and the worker (mail), which read it
    # from their environment.
    assert demo_without_servers["env"]["CONSENTRY_BASE_URL"] == address


def test_an_explicit_base_url_wins(demo_without_servers, monkeypatch):
    monkeypatch.setenv("CONSENTRY_BASE_URL", "https://demo.example.nl")
    call_command("demo", port=free_port())
    assert sign_in_url() == "https://demo.example.nl/login/"
    assert demo_without_servers["env"]["CONSENTRY_BASE_URL"] == "https://demo.example.nl"


def test_the_base_url_rule(monkeypatch):
    monkeypatch.delenv("CONSENTRY_BASE_URL", raising=False)
    assert demo.demo_base_url(8123) == "http://127.0.0.1:8123"
    monkeypatch.setenv("CONSENTRY_BASE_URL", " ")  # blank counts as not set
    assert demo.demo_base_url(8123) == "http://127.0.0.1:8123"
    monkeypatch.setenv("CONSENTRY_BASE_URL", "https://toestemming.example.nl")
    assert demo.demo_base_url(8123) == "https://toestemming.example.nl"
