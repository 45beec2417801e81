"""scim2-server, the independent SCIM 2.0 server, as its own command on loopback (in-memory
storage, a bearer token), and a loopback proxy in front of it that can answer 429 or 503."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import scim2_server
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Email, EnterpriseUser, Group, GroupMember, Manager, Name, PhoneNumber, User

from orgstate.appliers.scim.client import TOKEN_ENV, TOKEN_FILE_ENV

TOKEN = "scim-test-token-6d1f0c9a2b7e4f35"
SERVER = str(Path(sys.executable).with_name("scim2-server"))


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token every scim test's backend (and child command) reads; no token file."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv(TOKEN_FILE_ENV, raising=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ScimServer:
    process: subprocess.Popen[str]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def client(self) -> SyncSCIMClient:
        """scim2-client on the server, its description read (for seeding and changing it)."""
        client = SyncSCIMClient(httpx2.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}))
        client.discover()
        return client


def start_server(*options: str) -> ScimServer:
    port = free_port()
    process = subprocess.Popen(
        [SERVER, "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", TOKEN, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return ScimServer(process, port)
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"scim2-server exited with {process.returncode}") from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("scim2-server did not listen within 20 s")


@pytest.fixture
def scim_server() -> Iterator[ScimServer]:
    server = start_server()
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


# A User extension of the provider's own, holding examples/org.yaml's custom fields (as
# its `fields` define them) and attributes that are no custom field: not text, multi-
# valued, read-only, returned only on request, and one the enterprise extension names too.
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"


def attribute(name: str, description: str, kind: str = "string", **facets: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "description": description,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **facets,
    }


ACME_SCHEMA = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    "id": ACME,
    "name": "AcmeUser",
    "description": "Acme's member fields",
    "attributes": [
        attribute("level", "Job level", canonicalValues=["L1", "L2", "L3", "L4", "L5"]),
        attribute("desk", "Desk"),
        attribute("profile", "Profile page", "reference", referenceTypes=["external"]),
        attribute("costCenter", "Cost centre"),
        attribute("badge", "Badge number", "integer"),
        attribute("aliases", "Aliases", multiValued=True),
        attribute("hrKey", "Key in the HR system", mutability="readOnly"),
        attribute("secretNote", "A note", returned="request"),
    ],
    "meta": {"resourceType": "Schema", "location": f"/v2/Schemas/{ACME}"},
}


def extended_options(directory: Path, *more: dict[str, Any]) -> list[str]:
    """scim2-server's options for serving RFC 7643's schemas and ACME's (then `more`
    extension schemas), User extended by them in that order."""
    defaults = Path(scim2_server.__file__).with_name("resources")
    schemas = json.loads((defaults / "default-schemas.json").read_text())
    types = json.loads((defaults / "default-resource-types.json").read_text())
    (user,) = [t for t in types if t["id"] == "User"]
    extensions = [ACME_SCHEMA, *more]
    user["schemaExtensions"] += [{"schema": extension["id"], "required": False} for extension in extensions]
    (directory / "schemas.json").write_text(json.dumps([*schemas, *extensions]))
    (directory / "resource-types.json").write_text(json.dumps(types))
    return ["--schema", str(directory / "schemas.json"), "--resource-type", str(directory / "resource-types.json")]


def plain_provider(directory: Path, filtering: bool) -> list[str]:
    """scim2-server's options for a provider that takes no PATCH, no bulk and no ETags, and
    filters only if `filtering` (at most 50 results)."""
    config = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": False},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": filtering, "maxResults": 50},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [],
    }
    (directory / "spc.json").write_text(json.dumps(config))
    return ["--service-provider-config", str(directory / "spc.json")]


@pytest.fixture
def extended_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """scim2-server whose User carries ACME's extension besides the enterprise one."""
    server = start_server(*extended_options(tmp_path_factory.mktemp("acme")))
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@dataclass
class Person:
    id: str
    name: str
    email: str
    department: str
    title: str | None = None
    manager: str | None = None
    phone: str | None = None
    active: bool = True


PEOPLE = (
    Person("alice", "Alice Liu", "alice@acme.example", "eng", "CTO", phone="+14155550101"),
    Person("bob", "Bob Stone", "bob@acme.example", "eng", "Engineer", manager="alice"),
    Person("carol", "Carol King", "carol@acme.example", "sales", "Account Executive", manager="alice"),
    Person("dave", "Dave Ng", "dave@acme.example", "sales", active=False),
)
GROUPS = {"sales-team": ("Sales team", ("carol", "dave")), "leads": ("Leads", ("alice",))}


def seed(
    client: SyncSCIMClient, people: tuple[Person, ...] = PEOPLE, groups: dict[str, Any] | None = None
) -> dict[str, str]:
    """Users (with the enterprise extension, managers by SCIM id) and groups, written with
    scim2-client and scim2-models alone; member id -> SCIM id."""
    ids: dict[str, str] = {}
    for person in people:  # managers first, as PEOPLE lists them
        user = User[EnterpriseUser](
            user_name=person.id,
            external_id=person.id,
            display_name=person.name,
            name=Name(formatted=person.name),
            title=person.title,
            active=person.active,
            emails=[Email(value=person.email, type="work", primary=True)],
            phone_numbers=[PhoneNumber(value=person.phone, type="work")] if person.phone else None,
        )
        user[EnterpriseUser] = EnterpriseUser(
            department=person.department,
            organization="Acme Robotics",
            manager=Manager(value=ids[person.manager]) if person.manager else None,
        )
        ids[person.id] = client.create(user).id
    for group_id, (name, members) in (GROUPS if groups is None else groups).items():
        client.create(
            Group(
                external_id=group_id,
                display_name=name,
                members=[GroupMember(value=ids[m], type="User") for m in members],
            )
        )
    return ids


@dataclass
class FaultProxy:
    """Forwards to the server; answers the next `fail` requests itself with `status`
    (and Retry-After on a 429) instead. Records each request line it forwards."""

    target: str
    port: int = 0
    fail: int = 0
    status: int = 503
    retry_after: str | None = None
    answered: list[int] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def inject(self, count: int, status: int, retry_after: str | None = None) -> None:
        with self.lock:
            self.fail, self.status, self.retry_after = count, status, retry_after


def _handler(proxy: FaultProxy) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with proxy.lock:
                failing = proxy.fail > 0
                if failing:
                    proxy.fail -= 1
                    proxy.answered.append(proxy.status)
                else:
                    proxy.forwarded.append(f"{self.command} {self.path}")
            if failing:
                self.send_response(proxy.status)
                if proxy.status == 429 and proxy.retry_after is not None:
                    self.send_header("Retry-After", proxy.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = httpx2.request(self.command, proxy.target + self.path, headers=headers, content=body)
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    return Handler


@contextmanager
def fronting(scim_server: ScimServer) -> Iterator[FaultProxy]:
    """A FaultProxy in front of the server, on loopback, for the block's time."""
    proxy = FaultProxy(target=f"http://127.0.0.1:{scim_server.port}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fault_proxy(scim_server: ScimServer) -> Iterator[FaultProxy]:
    with fronting(scim_server) as proxy:
        yield proxy
