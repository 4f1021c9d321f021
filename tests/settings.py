"""Test settings: the real settings, with the speed tricks kept in one place."""

import os

os.environ.setdefault("CONSENTRY_TESTING", "1")

from consentry.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run at once unless a test is about the worker itself (those use the real backend).
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "mail", "photos"],
    }
}
