"""The pip-audit wrapper of `make test` (.ci/pip_audit.py): fails on a known vulnerability, and says
plainly, without failing, when the vulnerability database could not be reached."""

import importlib.util
from pathlib import Path

from django.conf import settings

spec = importlib.util.spec_from_file_location("pip_audit_wrapper", Path(settings.BASE_DIR) / ".ci" / "pip_audit.py")
wrapper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wrapper)


def test_a_known_vulnerability_fails_the_build():
    lines, status = wrapper.summarize([
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}]},
        {"name": "openpyxl", "version": "3.1.5", "vulns": []},
    ])
    assert status == 1
    assert "django 5.2.0: PYSEC-2025-1 (fixed in: 5.2.1)" in lines[0] and "FAILED" in lines[-1]


def test_clean_packages_pass_and_say_how_many_were_audited():
    lines, status = wrapper.summarize([
        {"name": "django", "version": "5.2.19", "vulns": []},
        {"name": "local-thing", "version": "1.0", "skip_reason": "Dependency not found on PyPI"},
    ])
    assert status == 0 and lines == ["pip-audit: 1 packages audited, no known vulnerabilities, 1 could not be looked up."]


def test_an_unreachable_database_passes_but_says_not_run():
    lines, status = wrapper.summarize([
        {"name": "django", "version": "5.2.19", "skip_reason": "Dependency not found on PyPI"},
    ])
    assert status == 0 and lines[0].startswith("pip-audit: NOT RUN")
