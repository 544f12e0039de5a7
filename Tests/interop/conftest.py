"""Starts the real capi binary on a free loopback port with a temporary
database, with accounts and keys made by capi's own command line.

The server logs at trace level, its most talkative, into `CapiServer.log`:
test_zz_log_leaks.py, which runs last, checks that the whole session's log
holds no key, identifier, secret or body."""
from __future__ import annotations

import dataclasses
import os
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from interop_support import ACCOUNTS, SELLER_SOURCE

REPO = pathlib.Path(__file__).resolve().parents[2]



@dataclasses.dataclass
class CapiServer:
    base_url: str
    keys: dict[str, str]
    database: pathlib.Path
    log: pathlib.Path
    binary: pathlib.Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"


def capi_binary() -> pathlib.Path:
    binary = pathlib.Path(os.environ.get("CAPI_BIN", REPO / ".build" / "debug" / "capi"))
    if not binary.is_file():
        pytest.exit(f"capi binary not found at {binary}; run `swift build --product capi` or set CAPI_BIN", 2)
    return binary


def run_cli(binary: pathlib.Path, *args: str) -> str:
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"capi {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen, log: pathlib.Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"capi serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"capi serve did not answer /healthz within {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def capi(tmp_path_factory) -> CapiServer:
    binary = capi_binary()
    work = tmp_path_factory.mktemp("capi")
    database = work / "capi.sqlite"
    db = ("--database", str(database))
    keys: dict[str, str] = {}
    for account in ACCOUNTS:
        run_cli(binary, "accounts", "create", account, *db)
        keys[account] = run_cli(binary, "keys", "create", "--account", account, *db).strip().splitlines()[-1].strip()
    for account in ("ACME", "OTHER"):
        run_cli(binary, "event-sources", "add", "--account", account, "--event-source-id", SELLER_SOURCE,
                "--name", "Store sales", "--event-types", "purchase", "--managed-by", "seller", *db)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "trace", *db],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(base_url, process, log)
        yield CapiServer(base_url=base_url, keys=keys, database=database, log=log, binary=binary)
    finally:
        stop(process)
