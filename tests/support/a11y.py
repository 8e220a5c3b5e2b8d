"""axe-core (through axe-playwright-python) for the browser tests: WCAG 2.0, 2.1 and 2.2, A and AA.

`axe_violations(page)` runs axe on what the page shows now and returns the serious and critical
violations, minus the written exceptions below, as readable lines.
"""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}

#: rule id -> why it does not apply. An exception needs a written reason; keep this short.
EXCEPTIONS: dict[str, str] = {}

_axe = Axe()


def axe_violations(page, *, where: str = "") -> list[str]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING or violation["id"] in EXCEPTIONS:
            continue
        targets = ["".join(map(str, node["target"])) + ": " + node.get("failureSummary", "").replace("\n", " ")[:200]
                   for node in violation["nodes"][:3]]
        found.append(f"{where or page.url}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes) "
                     f"{violation['help']} -> {' | '.join(targets)}")
    return found
