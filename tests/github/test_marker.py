"""The hidden marker: what it names, how a path is encoded in it, and what it matches."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgstate.github.marker import PLAN, Marker, config_label
from orgstate.render.escape import for_html_comment


@pytest.mark.parametrize(
    ("paths", "label"),
    [
        (["org.yaml"], "org.yaml"),
        (["./org/", "extra.yaml"], "extra.yaml org"),
        (["a b.yaml"], "a%20b.yaml"),
        (["a-b.yaml"], "a%2Db.yaml"),
    ],
)
def test_the_config_label_is_normalised_and_encoded(tmp_path: Path, paths: list[str], label: str) -> None:
    assert config_label([Path(p) for p in paths], None) == label
    assert config_label([tmp_path / p for p in paths], tmp_path) == label


def test_the_marker_finds_only_its_own_configuration() -> None:
    marker = Marker(PLAN, "org.yaml")
    digest = "sha256:" + "a" * 64
    assert marker.digest_in(marker.line(digest) + "\nbody") == digest
    assert not Marker(PLAN, "org.yam").marks(marker.line(digest))
    assert not Marker(PLAN, "org.yaml2").marks(marker.line(digest))
    assert marker.digest_in(f'{marker.prefix} changes="sha256:nothex" -->') is None
    assert not marker.marks(None)


@given(st.text())
def test_an_encoded_value_cannot_end_the_comment_and_decodes_to_itself(value: str) -> None:
    encoded = for_html_comment(value)
    assert re.fullmatch(r"[A-Za-z0-9._/~+,=:%]*", encoded)
    assert unquote(encoded, errors="surrogatepass") == value
