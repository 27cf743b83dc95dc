"""Every relative link in the documentation (and the README) points to a file that exists,
and an anchor into a Markdown page to one of its headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.support import ROOT, anchors, links, pages

PAGES = [*pages(), ROOT / "README.md"]


def _relative(target: str) -> bool:
    return not target.startswith(("http://", "https://", "mailto:", "#"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in links(page):
        if not _relative(target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve()
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_anchors_within_the_page_resolve(page: Path) -> None:
    missing = [t for t in links(page) if t.startswith("#") and t[1:] not in anchors(page)]
    assert not missing, f"{page.relative_to(ROOT)}: {missing}"


def test_the_readme_links_into_the_docs() -> None:
    targets = {t.partition("#")[0] for t in links(ROOT / "README.md") if _relative(t)}
    for page in ("docs/index.md", "docs/getting-started.md", "docs/troubleshooting.md",
                 "docs/reference/configuration.md"):
        assert page in targets, page


def test_the_projects_documentation_url_is_the_docs_index() -> None:
    import tomllib

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Documentation"].endswith("/blob/main/docs/index.md")
    assert (ROOT / "docs" / "index.md").is_file()
