"""GraphiQL served by the project itself: strawberry's page with its assets (React,
GraphiQL, the explorer plugin, js-cookie) taken from ``api/static/graphiql/`` instead of
a CDN, so the IDE works on a machine without internet.

The files are laid out as the CDN lays them (``package@version/path``), so each address
the page names maps to one file; the page keeps its ``integrity`` hashes, and the browser
checks the served files against them. ``api/static/graphiql/README.md`` says how to
refresh them when strawberry's page names other versions.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

ASSETS = Path(__file__).parent / "static" / "graphiql"
ASSETS_URL = "/static/graphiql/"
CDN = "https://unpkg.com/"
_CDN_ADDRESS = re.compile(re.escape(CDN) + r'([^"\s]+)')


@functools.cache
def graphiql_html() -> str:
    """Strawberry's GraphiQL page with every CDN address pointing at the served copy."""
    return get_graphql_ide_html(graphql_ide="graphiql").replace(CDN, ASSETS_URL)


def cdn_assets() -> list[str]:
    """The paths (under the CDN) of every asset strawberry's page loads."""
    return _CDN_ADDRESS.findall(get_graphql_ide_html(graphql_ide="graphiql"))
