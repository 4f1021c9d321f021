"""Consentry's own settings, plus a trivial view for the benchmark's baseline."""

from consentry.settings import *  # noqa: F403

ROOT_URLCONF = "bench.national_urls"
