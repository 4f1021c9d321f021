"""CONSENTRY_STORAGE chooses where private files go; an incomplete S3 setup stops the start."""

import json
import os
import subprocess
import sys

S3 = {
    "CONSENTRY_STORAGE": "s3",
    "CONSENTRY_S3_ENDPOINT_URL": "https://s3.example.nl",
    "CONSENTRY_S3_BUCKET": "consentry-files",
    "CONSENTRY_S3_ACCESS_KEY_ID": "key-id",
    "CONSENTRY_S3_SECRET_ACCESS_KEY": "secret",
}


PRINT_SETTING = (
    "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['private']))"
)
PROBE = (
    "import django; django.setup(); "
    "from consentry.processors.storage import check_storage; print(check_storage())"
)


def _start(code: str = PRINT_SETTING, **extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSENTRY_S3_", "AWS_"))}
    env.pop("CONSENTRY_STORAGE", None)
    env.update(DJANGO_SETTINGS_MODULE="consentry.settings", CONSENTRY_DEMO="true", **extra)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_the_local_folder_is_the_default():
    result = _start()
    assert json.loads(result.stdout) == {"BACKEND": "consentry.processors.storage.PrivateStorage"}


def test_s3_is_configured_from_the_environment():
    result = _start(**S3, CONSENTRY_S3_REGION="nl-ams")
    assert json.loads(result.stdout) == {
        "BACKEND": "consentry.processors.storage.PrivateS3Storage",
        "OPTIONS": {
            "endpoint_url": "https://s3.example.nl",
            "bucket_name": "consentry-files",
            "access_key": "key-id",
            "secret_key": "secret",
            "region_name": "nl-ams",
        },
    }
    assert json.loads(_start(**S3).stdout)["OPTIONS"]["region_name"] is None  # optional


def test_an_incomplete_s3_setup_names_what_is_missing():
    result = _start(**{**S3, "CONSENTRY_S3_BUCKET": "", "CONSENTRY_S3_SECRET_ACCESS_KEY": " "})
    assert result.returncode != 0
    assert (
        "CONSENTRY_STORAGE=s3 also needs CONSENTRY_S3_BUCKET, CONSENTRY_S3_SECRET_ACCESS_KEY"
        in result.stderr
    )


def test_an_endpoint_must_be_a_url_and_the_storage_a_known_kind():
    result = _start(**{**S3, "CONSENTRY_S3_ENDPOINT_URL": "s3.example.nl"})
    assert "CONSENTRY_S3_ENDPOINT_URL must be a URL" in result.stderr
    result = _start(CONSENTRY_STORAGE="ftp")
    assert "CONSENTRY_STORAGE must be local or s3, not 'ftp'" in result.stderr


def test_the_environment_alone_reaches_a_real_bucket(seaweedfs):
    env = {
        "CONSENTRY_STORAGE": "s3",
        "CONSENTRY_S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "CONSENTRY_S3_BUCKET": seaweedfs.bucket,
        "CONSENTRY_S3_ACCESS_KEY_ID": seaweedfs.access_key,
        "CONSENTRY_S3_SECRET_ACCESS_KEY": seaweedfs.secret_key,
    }
    assert _start(PROBE, **env).stdout.strip() == "None"
    wrong = _start(PROBE, **{**env, "CONSENTRY_S3_SECRET_ACCESS_KEY": "wrong"})
    assert wrong.stdout.strip() == "ClientError 403"
