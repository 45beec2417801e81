"""`orgstate emulator serve`: the emulator on 127.0.0.1, under uvicorn.

It prints exactly one line, to stderr, once the socket listens:
`emulator listening on http://127.0.0.1:PORT` (port 0 picks a free port, and the
line names it). Access logs are off and uvicorn logs warnings and errors only, so
no token or secret can reach a log. SIGINT / SIGTERM stop it.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import uvicorn

from orgstate.emulator.app import create_app
from orgstate.emulator.faults import FaultSpec
from orgstate.emulator.scopes import parse_scopes
from orgstate.errors import UsageError

HOST = "127.0.0.1"
SECRET_ENV = "LARK_APP_SECRET"


def serve(
    db: Path,
    port: int,
    app_id: str,
    app_secret: str | None,
    rate_limits: bool,
    faults: str | None,
    token_ttl: int,
    scopes: str | None = None,
) -> None:
    """Serve until interrupted. The app secret comes from `app_secret`, else $LARK_APP_SECRET."""
    secret = app_secret or os.environ.get(SECRET_ENV)
    if not secret:
        raise UsageError(f"the emulator needs the app secret: pass --app-secret or set {SECRET_ENV}")
    if not app_id:
        raise UsageError("the emulator needs an app id (--app-id)")
    if not 0 < token_ttl <= 7200:
        raise UsageError("--token-ttl must be 1 to 7200 seconds (Lark's tokens live at most 7200 s)")
    spec = FaultSpec.parse(faults) if faults else None
    try:
        granted = parse_scopes(scopes)
    except ValueError as exc:
        raise UsageError(f"--scopes: {exc}") from None
    app = create_app(
        Path(db), app_id, secret, rate_limits=rate_limits, faults=spec, token_ttl=token_ttl, scopes=granted
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
    listener.listen(128)  # connections made before uvicorn accepts wait in the backlog
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False, date_header=False)
    server = uvicorn.Server(config)
    sys.stderr.write(f"emulator listening on http://{HOST}:{listener.getsockname()[1]}\n")
    sys.stderr.flush()
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()
