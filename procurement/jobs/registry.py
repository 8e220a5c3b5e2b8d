"""Job kinds: what a kind of job does and who may see it, registered by the package that owns the work.

`orders` registers its kinds (report XLSX, invoices ZIP, statement import) when its app is ready, so
the core's task runs them without importing `orders` (layer rule, docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class JobOutput:
    """What a run produced: a file to download (bytes or a binary file object) and/or a summary."""

    filename: str = ""
    content: object = None  # bytes, or a file object opened in binary mode, positioned at the start
    content_type: str = "application/octet-stream"
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str
    #: Roles (any group; business admins always) that may start, watch and download this kind.
    roles: tuple[str, ...]
    #: run(job, progress) -> JobOutput; progress(done, total) reports how far it got. It must be
    #: idempotent: a job whose worker died is run again from the start.
    run: Callable
    #: Run the work and mark the job done in one transaction (jobs that write business rows), so a
    #: worker dying half-way leaves nothing behind and the re-run starts clean.
    atomic: bool = False


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, title: str, roles: tuple[str, ...], atomic: bool = False):
    """Decorator: register `run` as the job kind `name`."""

    def register(run: Callable) -> Callable:
        KINDS[name] = JobKind(name=name, title=title, roles=tuple(roles), run=run, atomic=atomic)
        return run

    return register


def kind_get(name: str) -> JobKind | None:
    return KINDS.get(name)
