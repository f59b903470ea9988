"""The README's "Web UI" section names only routes that exist."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

README = Path(__file__).resolve().parents[2] / "README.md"


def named_paths() -> list[str]:
    """Every path in backticks in the section (``POST /api/launch {...}`` gives ``/api/launch``)."""
    section = README.read_text().split("## Web UI\n", 1)[1].split("\n## ", 1)[0]
    found = [m.group(1) for m in re.finditer(r"`(?:POST )?(/[^\s`]*)[^`]*`", section)]
    return [path.split("?", 1)[0] for path in found]


def test_every_route_the_readme_names_exists(client: TestClient) -> None:
    paths = named_paths()
    assert {"/", "/assets/KEY", "/runs/ID", "/launch", "/backfills/ID", "/automation"} <= set(paths)
    assert "/api/assets/KEY/columns" in paths
    documented = [*client.get("/api/openapi.json").json()["paths"], "/api/openapi.json"]
    templates = [re.sub(r"\{[^}]+\}", "[^/]+", p) for p in documented]
    for path in paths:
        concrete = path.replace("KEY", "revenue").replace("ID", "0123456789abcdef")
        if path == "/api":
            continue  # the prefix of the JSON twins
        if path.startswith("/api/"):
            assert any(re.fullmatch(t, concrete) for t in templates), f"README names {path}, not in the API"
        else:
            page = client.get(concrete)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
