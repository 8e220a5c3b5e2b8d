"""pip-audit for `make test`: audits the installed packages against PyPI's vulnerability data.

Fails the build only when a known vulnerability is found. Where the vulnerability database cannot be
reached (offline, a proxy that only serves the package index, a timeout), it says so in one clear line
and passes: an unreachable database is not a clean bill of health, and the output says exactly that.
"""

import json
import subprocess  # nosec B404  # runs pip-audit with a fixed argument list, no shell
import sys
import tempfile

TIMEOUT = 180  # seconds


def main() -> int:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        command = [
            sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
            "--format", "json", "--output", report.name,
        ]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # nosec B603  # fixed argv
        except subprocess.TimeoutExpired:
            print(f"pip-audit: NOT RUN - the vulnerability database did not answer within {TIMEOUT} s.")
            return 0
        try:
            data = json.load(open(report.name))
        except (OSError, ValueError):
            reason = (run.stderr.strip().splitlines() or ["no output"])[-1][:200]
            print(f"pip-audit: NOT RUN - the vulnerability database is not reachable ({reason}).")
            return 0
    lines, status = summarize(data.get("dependencies", []))
    print("\n".join(lines))
    return status


def summarize(dependencies: list[dict]) -> tuple[list[str], int]:
    """pip-audit's JSON dependencies -> (lines to print, exit status)."""
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        return [
            f"pip-audit: NOT RUN - none of the {len(dependencies)} installed packages could be looked up "
            "(the vulnerability database is not reachable from here)."
        ], 0
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(f"pip-audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    note = f", {len(skipped)} could not be looked up" if skipped else ""
    if vulnerable:
        lines.append(f"pip-audit: FAILED - {len(vulnerable)} of {len(audited)} audited packages have known vulnerabilities{note}.")
        return lines, 1
    return [f"pip-audit: {len(audited)} packages audited, no known vulnerabilities{note}."], 0

if __name__ == "__main__":
    sys.exit(main())
