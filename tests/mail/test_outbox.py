"""The demo's outbox page: the mail the demo wrote to files, so sign-in by code works."""

import os
import subprocess
import sys

from django.test import Client
from django.urls import reverse

from consentry.mail.outbox import read_outbox
from consentry.mail.services import queue_mail
from consentry.mail.tasks import send_outgoing_mail


def file_mailers(folder) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }


def send(to: str, subject: str, body: str) -> None:
    send_outgoing_mail.call(queue_mail(to, subject, body, kind="other").pk)


def test_the_outbox_is_not_there_outside_the_demo(db, settings, tmp_path):
    settings.DEMO_MODE = False
    settings.MAILERS = file_mailers(tmp_path)
    assert Client().get(reverse("demo_outbox")).status_code == 404


def test_the_demo_outbox_lists_the_mail_newest_first(db, settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MAILERS = file_mailers(tmp_path)
    send("sanne@example.nl", "Je inlogcode", "Je code is 4711 & geldig.\nTot ziens.")
    send("mark@example.nl", "Ontvangstbevestiging", "Zie https://example.nl/pupils/1/")
    mails = read_outbox(tmp_path)
    assert [m.to for m in mails] == ["mark@example.nl", "sanne@example.nl"]
    response = Client().get(reverse("demo_outbox"), headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.text
    assert "<h1>" in html and "Je inlogcode" in html and "sanne@example.nl" in html
    assert "Je code is 4711 &amp; geldig." in html  # escaped, with its line breaks
    assert '<a href="https://example.nl/pupils/1/"' in html


def test_an_empty_or_missing_outbox(db, settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MAILERS = file_mailers(tmp_path / "not-yet")
    response = Client().get(reverse("demo_outbox"))
    assert response.status_code == 200
    assert response.context["mails"] == []


def test_the_demo_writes_mail_to_files_unless_an_smtp_host_is_set(tmp_path):
    code = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    env = {**os.environ, "CONSENTRY_DEMO": "true", "CONSENTRY_DATA_DIR": str(tmp_path)}
    env.pop("CONSENTRY_SMTP_HOST", None)
    env["DJANGO_SETTINGS_MODULE"] = "consentry.settings"

    def backend(**extra) -> str:
        run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
        out = subprocess.run(run, env={**env, **extra}, capture_output=True, text=True, check=True)
        return out.stdout.strip().rsplit(".", 2)[-2]

    assert backend() == "filebased"
    assert backend(CONSENTRY_SMTP_HOST="127.0.0.1") == "smtp"
    assert backend(CONSENTRY_DEMO="false", CONSENTRY_SECRET_KEY="x") == "smtp"
