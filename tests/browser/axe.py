"""axe-core in the browser tests: the npm package (tests/browser/package.json, installed by
`npm ci` in .ci/run and `make test`) injected into a page, and its serious findings."""

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = os.environ.get("CASEWORK_REQUIRE_BROWSER") == "1"
SERIOUS = ("serious", "critical")


def unavailable() -> str | None:
    """Why axe cannot run here, or None."""
    if AXE_JS.exists():
        return None
    if shutil.which("npm") is None:
        return "npm is not installed, so axe-core cannot be (apt-get install npm)"
    return f"axe-core is not installed: run `npm ci` in {HERE}"


def serious_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as shown now (WCAG 2.x A/AA and
    best practices), each with the first nodes' selectors for the failure message."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in SERIOUS]


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {node}" for node in v["nodes"])
    return "\n".join(lines)
