"""GitLab Code Quality report from orgstate's diagnostics: standard input is the JSON
of `orgstate validate --format json` or a saved plan; the argument names the file
for diagnostics that have none (default org.yaml).

    orgstate validate -f org.yaml --format json | python3 codequality.py org.yaml > gl-code-quality-report.json
"""

import hashlib
import json
import sys

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}  # GitLab: info, minor, major, critical, blocker

fallback = sys.argv[1] if len(sys.argv) > 1 else "org.yaml"
issues = []
for diagnostic in json.load(sys.stdin)["diagnostics"]:
    where = ": ".join(filter(None, [diagnostic.get("address"), diagnostic.get("path")]))
    identity = json.dumps([diagnostic.get(key) for key in ("rule", "file", "line", "column", "address", "message")])
    issues.append(
        {
            "description": f"{diagnostic['rule']} {where + ': ' if where else ''}{diagnostic['message']}",
            "check_name": diagnostic["rule"],
            "fingerprint": hashlib.sha256(identity.encode()).hexdigest(),
            "severity": SEVERITY[diagnostic["severity"]],
            "location": {"path": diagnostic.get("file") or fallback, "lines": {"begin": diagnostic.get("line") or 1}},
        }
    )
json.dump(issues, sys.stdout, indent=2)
