"""A throwaway PostgreSQL 15 for one test, driven through scripts/postgres.sh:
start it, add a synchronous standby, kill or restart the primary, promote."""
from __future__ import annotations

import os
import pathlib
import shlex
import subprocess

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "postgres.sh"


class Postgres:
    """One cluster under its own folder; `stop` removes it."""

    def __init__(self):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CAPI_PG_")}
        self.exports = self.run("start")
        self.env["CAPI_PG_DIR"] = self.exports["CAPI_PG_DIR"]
        self.port = int(self.exports["CAPI_PG_PORT"])
        self.standby_port: int | None = None

    def run(self, command: str) -> dict[str, str]:
        """Runs a postgres.sh subcommand; returns the variables it exports."""
        done = subprocess.run(["bash", str(SCRIPT), command], env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"postgres.sh {command} failed:\n{done.stderr}")
        exports = {}
        for line in done.stdout.splitlines():
            words = shlex.split(line)
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, value = words[1].split("=", 1)
                exports[name] = value
        return exports

    def url(self, *ports: int, **parameters: str) -> str:
        """The capi role's URL on these ports (default: the primary's)."""
        hosts = ",".join(f"127.0.0.1:{p}" for p in (ports or (self.port,)))
        query = "&".join(f"{k}={v}" for k, v in parameters.items())
        return f"postgres://capi:capi@{hosts}/capi" + (f"?{query}" if query else "")

    def start_standby(self):
        self.standby_port = int(self.run("start-standby")["CAPI_PG_STANDBY_PORT"])

    def sql(self, statement: str, port: int | None = None) -> list[list[str]]:
        """Rows of a statement, as text, on the primary (or `port`)."""
        psql = pathlib.Path(self.exports["CAPI_PG_BIN"]) / "psql"
        done = subprocess.run([str(psql), "-X", "-qAt", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                               self.url(port or self.port), "-c", statement],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return [line.split("\t") for line in done.stdout.splitlines()]

    def stop(self):
        self.run("stop")


@pytest.fixture
def postgres():
    """A fresh PostgreSQL for the test. Without one on this machine the test
    is skipped, saying why, unless CI=true: then it fails."""
    try:
        cluster = Postgres()
    except (RuntimeError, FileNotFoundError) as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL to start: {error}")
    try:
        yield cluster
    finally:
        cluster.stop()
