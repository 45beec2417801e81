"""No secret in any output, plan, log or state store (SPEC 7): a search of every output,
plan, log and state store of a run that creates business-email members and resets
passwords finds no secret.

Each session runs the real command line as subprocesses, on the local backend or on
the lark backend against `orgstate emulator serve` on loopback. With the state store on
SQLite it is the whole session: `local init`; plan saved with `--out` (text) and in
markdown and JSON; apply of the saved plan, creating three members who log in with the
business email and switching an inactive one (sam) to it; `reset-password --out`,
`reset-password --send email`, a refused reset (a work-email login); log; drift in text,
markdown, JSON and HTML (`--out`); export (`-o` and `--split`); `local show`; on lark
also a plan with a wrong app secret. On lark, where each command costs seconds of CPU
to import lark-oapi, the plan's markdown and JSON come from `show` of the saved plan
(the same renderers), and drift runs in JSON and export with `-o` only. With the state
store on PostgreSQL the session is what uses the state store: apply (planning for
itself), `reset-password --out` and log.

The secrets: every password in the password files apply wrote and in the reset file,
and the app secret in LARK_APP_SECRET (set for every command, local ones included, as on
a CI runner). On lark also every tenant_access_token the emulator issued (its tokens
live 30 minutes, so it issues one to each command), every password the client sent to
it (the delivered reset's and the refused one's included, which no file holds) and the
wrong app secret. The emulator keeps its tokens in memory only and lists them nowhere,
so tokens and sent passwords are read off the wire by a recording pass-through proxy on
loopback between the CLI and the emulator; the emulator, asked directly, accepts each
of those tokens, so they are its own.

The search: stdout and stderr of every command and of the emulator, every file under
the working directory (HOME and TMPDIR point into it) except the password files
themselves, each SQLite file there (state store, tenant, the emulator's tenant) both as
bytes and dumped row by row, and on PostgreSQL every column of every row of the
orgstate_* tables. Each secret is looked for raw, base64 (standard and URL-safe, at
each alignment), hex, URL-, JSON-, Python-repr- and UTF-16-encoded.

The tenant stores no password, not even a hash: `tenant/passwords.py` records only who
reset whose password and when (`password_resets`: admin, member, at), and
`lark/passwords.py` hands a generated password to the caller once; the emulator
only audits that an initial password was set (`emulator/tenantinfo.py`). So the tenant
databases must not hold any password in any encoding.

The search can fail: every session checks that it finds each password in the password
files (which also must exist, be 0600 and hold the expected members), and
`test_the_search_finds_planted_secrets` plants a secret in every encoding and in an
SQLite row.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from tests.conftest import ROOT

APP_ID = "cli_secrets_test"
# Characters that each encoding changes, so that every encoding is a distinct needle.
APP_SECRET = 'Lk9/app+Secret="q\\uote"&x=1 é'
WRONG_SECRET = "wrong/Secret+Try=2&n0t-it"
TIMEOUT = 60

TENANT = """\
version: 1
tenant:
  name: Keystone Labs
  founder: dana
  today: 2026-11-21
  admins: {dana: [primary]}
  invitations: {require_approval: false, expire_after_days: 7}
org:
  plans:
    - {id: pro-2026, edition: pro, seats: 20, starts: 2026-01-01, expires: 2027-01-01}
departments:
  - {id: ops, name: Operations, leader: dana}
members:
  - {id: dana, name: Dana Whitfield, department: ops, work_email: dana@keystone.example,
     business_email: dana@keystone.larksuite.com, login: business_email, seat: pro-2026}
  - {id: sam, name: Sam Reyes, department: ops, work_email: sam@keystone.example, status: inactive, seat: pro-2026}
  - {id: kim, name: Kim Lee, department: ops, work_email: kim@keystone.example, seat: pro-2026}
"""

# amy, ben and cara are new business-email logins (cara by default: no work email);
# sam, inactive, switches to it; dev is new with a work-email login.
ORG = """\
version: 1
org:
  name: Keystone Labs
  plans:
    - {id: pro-2026, edition: pro, seats: 20, starts: 2026-01-01, expires: 2027-01-01}
policy:
  invitations: {require_approval: false, expire_after_days: 7}
departments:
  - {id: ops, name: Operations, leader: dana}
  - {id: eng, name: Engineering, leader: amy}
members:
  - {id: dana, name: Dana Whitfield, department: ops, work_email: dana@keystone.example,
     business_email: dana@keystone.larksuite.com, login: business_email}
  - {id: sam, name: Sam Reyes, department: ops, work_email: sam@keystone.example,
     business_email: sam@keystone.larksuite.com, login: business_email}
  - {id: kim, name: Kim Lee, department: ops, work_email: kim@keystone.example}
  - {id: amy, name: Amy Chen, department: eng, work_email: amy@keystone.example,
     business_email: amy@keystone.larksuite.com, login: business_email}
  - {id: ben, name: Ben Ortiz, department: eng, phone: "+15550100101",
     business_email: ben@keystone.larksuite.com, login: business_email}
  - {id: cara, name: Cara Novak, department: eng, phone: "+15550100102", business_email: cara@keystone.larksuite.com}
  - {id: dev, name: Dev Rao, department: eng, work_email: dev@keystone.example}
user_groups:
  - {id: builders, name: Builders, members: [amy, ben, cara, dev]}
seat_assignments:
  - {plan: pro-2026, all_members: true}
"""

INITIAL_PASSWORDS = {"amy", "ben", "cara", "sam"}
PASSWORD = re.compile(r"[A-Za-z0-9]{8}")
SQLITE_MAGIC = b"SQLite format 3\x00"


# -- the search ---------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    what: str  # never the value: findings name secrets by this
    value: str


def base64_cores(raw: bytes, alphabet: str) -> Iterator[bytes]:
    """The base64 text of `raw` wherever it starts in a longer blob: for each of the 3
    alignments, the characters that only `raw`'s bits decide."""
    for skew in range(3):
        encoded = base64.b64encode(b"\0" * skew + raw + b"\0\0")
        if alphabet == "urlsafe":
            encoded = encoded.translate(bytes.maketrans(b"+/", b"-_"))
        first, end = -(-8 * skew // 6), (8 * skew + 8 * len(raw)) // 6
        yield encoded[first:end]


def encodings(value: str) -> dict[bytes, str]:
    """Every needle a secret may hide as, each with the name of its encoding."""
    raw = value.encode()
    needles: dict[bytes, str] = {}

    def add(encoding: str, *found: bytes) -> None:
        for needle in found:
            needles.setdefault(needle, encoding)

    add("raw", raw)
    add("JSON-escaped", json.dumps(value)[1:-1].encode(), json.dumps(value, ensure_ascii=False)[1:-1].encode())
    add("repr-escaped", repr(value)[1:-1].encode(), ascii(value)[1:-1].encode())
    add("url-encoded", quote(value, safe="").encode(), quote(value).encode(), quote_plus(value).encode())
    add("hex", raw.hex().encode(), raw.hex().upper().encode())
    add("base64", *base64_cores(raw, "standard"))
    add("base64url", *base64_cores(raw, "urlsafe"))
    add("utf-16", value.encode("utf-16-le"), value.encode("utf-16-be"))
    return needles


def find_secrets(blobs: Mapping[str, bytes], secrets: Iterable[Secret]) -> list[str]:
    """Where each secret occurs, as 'WHAT (ENCODING) in WHERE' (never the value)."""
    findings: list[str] = []
    for secret in secrets:
        needles = encodings(secret.value)
        for where, blob in blobs.items():
            for needle, encoding in needles.items():
                if needle in blob:
                    findings.append(f"{secret.what} ({encoding}) in {where}")
                    break
    return findings


def dump_sqlite(path: Path) -> bytes:
    """Every row of every table, one line per row: blobs as they are, the rest as text."""
    lines: list[bytes] = []
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                cells = [cell if isinstance(cell, bytes) else str(cell).encode() for cell in row]
                lines.append(table.encode() + b": " + b"\t".join(cells))
    finally:
        db.close()
    return b"\n".join(lines)


def collect_files(root: Path, exclude: Iterable[Path] = ()) -> dict[str, bytes]:
    """Every file under `root` as bytes, and each SQLite file also dumped row by row."""
    skipped = {path.resolve() for path in exclude}
    blobs: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.resolve() in skipped:
            continue
        name = str(path.relative_to(root))
        data = path.read_bytes()
        blobs[f"file {name}"] = data
        if data.startswith(SQLITE_MAGIC):
            blobs[f"rows of SQLite file {name}"] = dump_sqlite(path)
    return blobs


def dump_postgres(url: str) -> dict[str, bytes]:
    """Every column of every row of the orgstate_* tables the state URL's schema holds."""
    import psycopg
    from psycopg import sql

    blobs: dict[str, bytes] = {}
    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name LIKE 'orgstate\\_%'"
            )
        ]
        for table in tables:
            rows = db.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))).fetchall()
            blobs[f"PostgreSQL table {table}"] = b"\n".join(
                b"\t".join(cell if isinstance(cell, bytes) else str(cell).encode() for cell in row) for row in rows
            )
    return blobs


# -- a recording pass-through proxy between the CLI and the emulator -----------------


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    request: bytes
    response: bytes


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection"}


class RecordingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        parts = urlsplit(upstream)
        assert parts.hostname == "127.0.0.1" and parts.port
        self.upstream = (parts.hostname, parts.port)
        self.exchanges: list[Exchange] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def bodies(self, path: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """The JSON request and response bodies of every call to `path`."""
        for exchange in self.exchanges:
            if urlsplit(exchange.path).path == path:
                yield json.loads(exchange.request or b"{}"), json.loads(exchange.response or b"{}")


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        proxy = cast(RecordingProxy, self.server)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=TIMEOUT)
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            answer_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        finally:
            upstream.close()
        with proxy.lock:
            proxy.exchanges.append(
                Exchange(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, data)
            )
        self.send_response_only(response.status)
        for key, value in answer_headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, *args: object) -> None:
        pass


# -- a session ----------------------------------------------------------------------

Command = Callable[[], object]


@dataclass
class Session:
    workdir: Path
    backend: str
    state: str
    env: dict[str, str]
    outputs: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, *args: str, ok: tuple[int, ...] = (0,), env: Mapping[str, str] | None = None) -> str:
        """Run `orgstate ARGS` in the working directory; keep its stdout and stderr; its stdout."""
        result = subprocess.run(
            [sys.executable, "-m", "orgstate", *args],
            cwd=self.workdir,
            env={**self.env, **(env or {})},
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        command = "orgstate " + " ".join(args)
        with self.lock:
            number = len(self.outputs) // 2 + 1
            self.outputs[f"stdout of #{number} `{command}`"] = result.stdout
            self.outputs[f"stderr of #{number} `{command}`"] = result.stderr
        assert result.returncode in ok, f"`{command}` exited {result.returncode}: {result.stderr.decode()[-2000:]}"
        return result.stdout.decode()

    def parallel(self, *commands: Command) -> None:
        """Commands that do not depend on each other, two at a time."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(command) for command in commands]:
                done.result()

    def command(self, *args: str, ok: tuple[int, ...] = (0, 2), env: Mapping[str, str] | None = None) -> Command:
        """`run` of these arguments, for `parallel`."""
        return lambda: self.run(*args, ok=ok, env=env)


def cli_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGSTATE_", "LARK_", "SCIM_"))}
    home, tmp = workdir / "home", workdir / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    return {
        **env,
        "PYTHONPATH": str(ROOT / "src"),
        "NO_COLOR": "1",
        "HOME": str(home),  # whatever a command writes under HOME or TMPDIR is searched too
        "TMPDIR": str(tmp),
        "LARK_APP_ID": APP_ID,
        "LARK_APP_SECRET": APP_SECRET,
        "LARK_TIMEOUT": "10",
    }


def full(session: Session) -> bool:
    """The whole session runs with the state store on SQLite. On PostgreSQL only the
    commands that use the state store run: apply (which plans for itself there), a
    reset to a file and log; the others never open it, or record the same rows."""
    return session.state.startswith("sqlite:")


def run_session(session: Session, *also: Command) -> None:
    """The session, ending with `also` when it is the whole one; outputs land in
    session.outputs, files in session.workdir.

    On lark every command that talks to the backend costs seconds of CPU (importing
    lark-oapi), so there the plan's markdown and JSON come from `show` of the saved plan
    (the same renderers, without another trip to the emulator), drift runs in JSON
    only (all the report holds) and export once; the local session runs them all."""
    backend, state = ("--backend", session.backend), ("--state", session.state)
    lark = session.backend.startswith("lark:")
    pw = ("--passwords-dir", "pw")
    if not full(session):
        applied = session.run("apply", "-f", "org.yaml", *backend, "--auto-approve", *state, *pw)
        assert "Apply complete: 16 applied, 0 done earlier, 0 failed" in applied, applied
        session.run("reset-password", "dana", *backend, *state, "--out", "reset-dana.csv")
        session.run("log", *state, "--limit", "100")
        return
    plan = ("plan", "-f", "org.yaml", *backend)
    session.parallel(
        session.command(*plan, "--out", "plan.json"),
        *(session.command(*plan, "--format", fmt) for fmt in ([] if lark else ["markdown", "json"])),
    )
    if lark:
        session.parallel(*(session.command("show", "plan.json", "--format", fmt) for fmt in ("markdown", "json")))
    applied = session.run("apply", "plan.json", *backend, "--auto-approve", *state, *pw)
    assert "Apply complete: 16 applied, 0 done earlier, 0 failed" in applied, applied
    session.run("reset-password", "dana", *backend, *state, "--out", "reset-dana.csv")
    # the Open API cannot send a password: through lark, --send is refused before any reset
    session.run("reset-password", "sam", *backend, *state, "--send", "email", ok=(1,) if lark else (0,))
    assert not lark or b"cannot send a reset password" in list(session.outputs.values())[-1]
    drift = ("drift", "-f", "org.yaml", *backend)
    session.parallel(
        session.command("log", *state, "--limit", "100"),
        session.command("reset-password", "kim", *backend, *state, "--out", "reset-kim.csv", ok=(1,)),
        *(session.command(*drift, "--format", fmt) for fmt in (["json"] if lark else ["text", "markdown", "json"])),
        session.command("export", *backend, "-o", "exported.yaml"),
        *(
            []
            if lark
            else [
                session.command(*drift, "--format", "html", "--out", "drift.html"),
                session.command("export", *backend, "--split", "split"),
            ]
        ),
        *also,
    )


def password_files(workdir: Path) -> dict[Path, dict[str, str]]:
    """The files of passwords (apply's and the reset's): each is 0600 in a private
    directory and holds `member,password` lines."""
    files = [*sorted((workdir / "pw").iterdir()), workdir / "reset-dana.csv"]
    assert stat.S_IMODE((workdir / "pw").stat().st_mode) & 0o077 == 0
    assert not (workdir / "reset-kim.csv").exists(), "a refused reset left a file behind"
    found: dict[Path, dict[str, str]] = {}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} is not 0600"
        header, *lines = path.read_text().splitlines()
        assert header == "member,password"
        found[path] = {member: password for member, _, password in (line.partition(",") for line in lines)}
        assert all(PASSWORD.fullmatch(password) for password in found[path].values())
    assert len(files) == 2, files
    assert set(found[files[0]]) == INITIAL_PASSWORDS, "apply wrote the initial passwords of the business-email logins"
    assert set(found[files[1]]) == {"dana"}
    return found


def check_no_secret(
    session: Session, secrets: list[Secret], tenant: str, extra: Mapping[str, bytes] | None = None
) -> None:
    """The secrets are found in the password files (so the search works on these very
    files) and nowhere else: not in the outputs, the files, the state store, the tenant
    database (`tenant`, which records the resets but no password) nor `extra`."""
    files = password_files(session.workdir)
    found_in_files = find_secrets({str(path): path.read_bytes() for path in files}, secrets)
    for path, passwords in files.items():
        for member in passwords:
            assert any(f"password of {member} (raw) in {path}" in found for found in found_in_files), member
    blobs = {**session.outputs, **collect_files(session.workdir, exclude=files), **(extra or {})}
    resets = re.compile(rb"^password_resets: .*\bdana\b", re.MULTILINE)
    assert resets.search(blobs[f"rows of SQLite file {tenant}"]), "the dump holds the tenant's resets"
    if session.state.startswith("postgresql"):
        tables = dump_postgres(session.state)
        assert b"reset_password" in tables["PostgreSQL table orgstate_audit"], "the dump holds the session's audit"
        blobs.update(tables)
    else:
        assert b"reset_password" in blobs["rows of SQLite file state.db"], "the dump holds the session's audit"
    leaks = find_secrets(blobs, secrets)
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)


def file_secrets(workdir: Path) -> list[Secret]:
    passwords = [
        Secret(f"{'reset' if path.name.startswith('reset') else 'initial'} password of {member}", password)
        for path, lines in password_files(workdir).items()
        for member, password in lines.items()
    ]
    assert len({s.value for s in passwords}) == len(INITIAL_PASSWORDS) + 1, "each password is a new one"
    return [*passwords, Secret("LARK_APP_SECRET", APP_SECRET)]


STATES = pytest.mark.parametrize("state_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "tenant.yaml").write_text(TENANT)
    (tmp_path / "org.yaml").write_text(ORG)
    return tmp_path


@STATES
def test_a_local_session_leaks_no_secret(workdir: Path, state_url: str) -> None:
    session = Session(workdir, "local:tenant.db", state_url, cli_env(workdir))
    session.run("local", "init", "--from", "tenant.yaml", "--db", "tenant.db")
    run_session(session, session.command("local", "show", "--db", "tenant.db", "--format", "json"))
    secrets = file_secrets(workdir)
    check_no_secret(session, secrets, "tenant.db")

    plant_in_audit(session.state, base64.b64encode(b"note: " + secrets[0].value.encode()).decode())
    postgres = session.state.startswith("postgresql")
    where = "PostgreSQL table orgstate_audit" if postgres else "rows of SQLite file state.db"
    with pytest.raises(AssertionError, match=re.escape(f"{secrets[0].what} (base64) in {where}")):
        check_no_secret(session, secrets, "tenant.db")


def plant_in_audit(state: str, text: str) -> None:
    """Append `text` to every message of the state store's audit log (a leak, planted)."""
    if state.startswith("sqlite:"):
        with closing(sqlite3.connect(state.removeprefix("sqlite:"))) as db, db:
            db.execute("UPDATE orgstate_audit SET message = message || ?", (text,))
        return
    import psycopg

    with psycopg.connect(state, autocommit=True) as postgres:
        postgres.execute("UPDATE orgstate_audit SET message = message || %s", (text,))


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path

    def stop(self) -> dict[str, bytes]:
        """Stop it; what it wrote to stdout and stderr."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        return {"emulator stdout": self.stdout.read_bytes(), "emulator stderr": self.stderr.read_bytes()}


SERVE = (sys.executable, "-m", "orgstate", "emulator", "serve", "--db", "emulator.db", "--port", "0")


def start_emulator(workdir: Path, env: dict[str, str]) -> Emulator:
    """`orgstate emulator serve` on a free port, the secret from the environment; its
    tokens live 30 minutes, so that it issues a new one to every command."""
    logs = workdir / "emulator"
    logs.mkdir()
    out, err = logs / "stdout", logs / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*SERVE, "--app-id", APP_ID, "--rate-limits", "off", "--token-ttl", "1800"],
            cwd=workdir,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + 20
    while b"\n" not in err.read_bytes():  # its first line names the port once it listens
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the emulator did not start: {err.read_bytes()!r}")
        time.sleep(0.05)
    first = err.read_bytes().split(b"\n", 1)[0]
    assert first.startswith(b"emulator listening on "), first
    return Emulator(process, first.split()[-1].decode(), out, err)


@pytest.fixture
def cleanup() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def start_proxy(upstream: str, cleanup: ExitStack) -> RecordingProxy:
    proxy = RecordingProxy(upstream)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    cleanup.callback(proxy.server_close)
    cleanup.callback(proxy.shutdown)
    return proxy


def accepts(emulator: str, token: str) -> bool:
    """Whether the emulator takes `token` (asked directly, not through the proxy)."""
    parts = urlsplit(emulator)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/open-apis/contact/v3/custom_attrs", headers={"Authorization": f"Bearer {token}"})
        return int(json.loads(connection.getresponse().read())["code"]) == 0
    finally:
        connection.close()


TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
PASSWORD_PATH = "/open-apis/admin/v1/password/reset"


@STATES
def test_a_lark_session_through_the_emulator_leaks_no_secret(workdir: Path, state_url: str, cleanup: ExitStack) -> None:
    session = Session(workdir, "lark:", state_url, cli_env(workdir))
    session.run("local", "init", "--from", "tenant.yaml", "--db", "emulator.db")
    running = start_emulator(workdir, session.env)
    cleanup.callback(running.stop)
    proxy = start_proxy(running.url, cleanup)
    session.backend = f"lark:{proxy.url}"
    run_session(
        session,
        session.command("local", "show", "--db", "emulator.db", "--format", "json"),
        session.command("plan", "--backend", session.backend, ok=(1,), env={"LARK_APP_SECRET": WRONG_SECRET}),
    )

    tokens = {answer["tenant_access_token"] for _, answer in proxy.bodies(TOKEN_PATH) if answer.get("code") == 0}
    presented = {
        e.headers["authorization"].removeprefix("Bearer ") for e in proxy.exchanges if "authorization" in e.headers
    }
    assert len(tokens) >= 2 and presented and presented <= tokens, "the emulator issued tokens, one per command"
    assert all(accepts(running.url, token) for token in tokens), "they are the emulator's own tokens"
    logs = running.stop()
    assert logs["emulator stderr"].startswith(b"emulator listening on "), "the emulator's log was captured"

    secrets = file_secrets(workdir)
    calls = [(b["user_id"], b["password"]["ent_email_password"], a["code"]) for b, a in proxy.bodies(PASSWORD_PATH)]
    sent = {password for _, password, code in calls if code == 0}
    on_file = {s.value for s in secrets if "password" in s.what}
    assert on_file <= sent, "the tenant got the passwords on file"
    assert sent == on_file, "no password was set that is not on file (sam's --send was refused)"
    secrets += [Secret("tenant_access_token", token) for token in tokens]
    secrets += [Secret("tenant_access_token (without t-)", token.removeprefix("t-")) for token in tokens]
    secrets += [Secret(f"refused password of {user}", password) for user, password, code in calls if code != 0]
    assert [user for user, _, code in calls if code != 0] == (["kim"] if full(session) else []), "refused resets"
    if full(session):
        assert any(body.get("app_secret") == WRONG_SECRET for body, _ in proxy.bodies(TOKEN_PATH)), "it was tried"
        secrets += [Secret("wrong LARK_APP_SECRET", WRONG_SECRET)]
    check_no_secret(session, secrets, "emulator.db", logs)


# -- the search itself can fail ------------------------------------------------------


def test_the_search_finds_planted_secrets(tmp_path: Path) -> None:
    secret = Secret("the planted secret", 'pl4nted/Secret+"x"=é&y')
    raw = secret.value.encode()
    plants = {
        "raw.txt": b"before " + raw + b" after",
        "doc.json": json.dumps({"note": f"token {secret.value}"}).encode(),
        "url.log": f"GET /x?secret={quote_plus(secret.value)}&y=1".encode(),
        "hex.txt": b"0x" + raw.hex().encode(),
        **{f"b64-{n}.txt": base64.b64encode(b"x" * n + raw + b"tail") for n in range(3)},
        "b64url.txt": base64.urlsafe_b64encode(b"ab" + raw),
        "utf16.bin": secret.value.encode("utf-16-le"),
    }
    for name, data in plants.items():
        (tmp_path / name).write_bytes(data)
    db = sqlite3.connect(tmp_path / "rows.db")
    db.execute("CREATE TABLE t (a TEXT, b BLOB)")
    db.execute("INSERT INTO t VALUES (?, ?)", ("x", raw))
    db.commit()
    db.close()
    (tmp_path / "clean.txt").write_text("nothing to see: pl4nted/Secret, Secret+x")

    findings = find_secrets(collect_files(tmp_path), [secret])
    assert {f.rsplit(" in ", 1)[1] for f in findings} == {
        *(f"file {name}" for name in plants),
        "file rows.db",
        "rows of SQLite file rows.db",
    }
    assert find_secrets(collect_files(tmp_path, exclude=[tmp_path / n for n in plants]), [secret]) == [
        "the planted secret (raw) in file rows.db",
        "the planted secret (raw) in rows of SQLite file rows.db",
    ]
    assert find_secrets({"clean": b"nothing"}, [secret]) == []
