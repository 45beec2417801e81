"""The Lark Open API on loopback (`orgstate emulator serve`), on top of the tenant engine.

It answers the subset of reference/lark-open-api.md that orgstate's `lark` backend
speaks, with the same paths, shapes, error codes and per-endpoint rate limits, plus
optional fault injection. Layout:

    ratelimit.py   the rate limiter, over the tiers of orgstate.lark.endpoints
    faults.py      FaultSpec: seeded random 5xx / 429 / timeout / HTML 502 faults
    auth.py        app credentials and tenant access tokens
    envelope.py    the {code, msg, data} envelope and the codes of refusals the
                   reference gives none for (orgstate.lark.codes names them all)
    ids.py         user_id / open_id / union_id and department id types
    shapes.py      tenant-engine models <-> Open API JSON objects
    call.py        what a handler gets, the handler registry, pagination
    users.py, departments.py, groups.py, tenantinfo.py
                   one function per endpoint
    app.py         create_app(): the Starlette application
    server.py      serve(): uvicorn on 127.0.0.1

Emulator extensions (not Lark's): GET /open-apis/orgstate-emulator/v1/resources
(a member's resource counts) and the user field `login_type`.

The Lark facts it serves (endpoints, limits, codes, password rules, the default
transfer table) live in orgstate.lark, which production code imports: no module of
orgstate outside this package imports the emulator, but the CLI's `emulator serve`
command (tests/test_architecture.py).
"""
