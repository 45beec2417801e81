"""The hidden first line of orgstate's comments and issues, by which a later run finds
them again: `<!-- orgstate:plan config="org.yaml" changes="sha256:..." -->`.

`config` names the configuration paths (relative to the workspace, sorted, each
percent-encoded: render/escape.py), so two configurations in one repository keep two
comments. A comment is ours when its body starts with the marker's prefix, up to and
including `config="..."`, and its author is the one expected (comments.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orgstate.render.escape import for_html_comment

PLAN = "plan"
DRIFT = "drift"
CHANGES_DIGEST = r"sha256:[0-9a-f]{64}"  # the form of a plan's changes_digest
_DIGEST = re.compile(f' changes="({CHANGES_DIGEST})" -->')


def config_label(paths: Sequence[Path], workspace: Path | None) -> str:
    """The configuration paths as the marker names them: relative to the workspace where
    they lie in it (so the working directory does not matter), normalised, sorted,
    each encoded and joined by spaces."""
    names = set()
    for path in paths:
        name = Path(os.path.normpath(path))
        if workspace is not None:
            resolved, root = name.resolve(), workspace.resolve()
            if resolved.is_relative_to(root):
                name = resolved.relative_to(root)
        names.add(name.as_posix())
    return " ".join(for_html_comment(name) for name in sorted(names))


@dataclass(frozen=True)
class Marker:
    kind: str  # PLAN or DRIFT
    config: str  # config_label()

    @property
    def prefix(self) -> str:
        """What every body of this kind and configuration starts with."""
        return f'<!-- orgstate:{self.kind} config="{self.config}"'

    def line(self, changes_digest: str | None = None) -> str:
        digest = f' changes="{changes_digest}"' if changes_digest is not None else ""
        return f"{self.prefix}{digest} -->"

    def marks(self, body: str | None) -> bool:
        return body is not None and body.startswith(self.prefix)

    def digest_in(self, body: str) -> str | None:
        """The changes digest a marked body records, if it records one."""
        found = _DIGEST.match(body, len(self.prefix)) if self.marks(body) else None
        return found.group(1) if found else None
