"""The narrow ports the visit's flow uses, and the executors that run its device work.

The flow never calls a device or the platform on the thread that drives it (the UI
thread in the kiosk): every such call is handed to an `Executor` as a job, and the job's
result comes back to the flow as an intent through `done`. Tests use `InlineExecutor`
(synchronous) or `ManualExecutor` (runs when told, to see the busy states); the kiosk
uses `ThreadExecutor`, whose `post` hands the result back to the UI thread.

The real adapters satisfy these protocols as they are: `devices.card.CardService`,
`offline_queue.client.PlatformClient`, `offline_queue.outbox.Outbox`,
`devices.printer.Printer`, `kiosk.catalog.CatalogStore`, `devices.face.FaceService`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from devices.face import ChallengeState, FaceMatch
from devices.printer import Document, PrintResult
from devices.status import DeviceStatus
from offline_queue.client import Progress, StaffSession, Ticket
from offline_queue.outbox import FiledSubmission, NewSubmission, OutboxItem, QueueStatus
from offline_queue.records import DeadLetter

from ..catalog import Catalog, RefreshResult
from ..session import IdentityLike

log = logging.getLogger(__name__)


class CardReaderPort(Protocol):
    """The ID-document / staff-card reader; each call bounded by the adapter's timeouts."""

    def read_identity(self, document_number: str, birth_date: str,
                      expiry_date: str) -> IdentityLike: ...

    def read_uid(self) -> str: ...


class PlatformPort(Protocol):
    """The platform calls a visit makes itself (filing goes through the outbox)."""

    def progress(self, tracking_no: str, query_code: str) -> Progress: ...

    def put_blob(self, sha256: str, data: bytes, media_type: str) -> bool: ...

    def add_supplement(self, tracking_no: str, supplement_id: str,
                       attachments: list[dict[str, Any]]) -> bool: ...

    def take_ticket(self, hall_id: str, category: str) -> Ticket: ...

    def staff_login(self, card_uid: str, pin: str) -> StaffSession: ...


class OutboxPort(Protocol):
    def commit(self, sub: NewSubmission) -> FiledSubmission: ...

    def status(self, now: float | None = None) -> QueueStatus: ...

    def items(self, state: str | None = None) -> Iterator[OutboxItem]: ...

    def find(self, key: str) -> OutboxItem: ...

    def retry(self, key: str) -> OutboxItem: ...

    def dead_letters(self, limit: int = 20) -> list[DeadLetter]: ...


class FaceCheckPort(Protocol):
    """One citizen's face check (devices.face.FaceSession): step() blocks for one frame
    through the model, so it runs as a job."""

    @property
    def finished(self) -> bool: ...

    def step(self, timeout_s: float = 0.5) -> ChallengeState: ...

    def state(self) -> ChallengeState: ...

    def result(self) -> FaceMatch: ...

    def close(self) -> None: ...


class FacePort(Protocol):
    """The face camera and model (devices.face.FaceService); begin() blocks (the document
    photo through the model, the model's start when it is still loading)."""

    def begin(self, document_photo: bytes | None) -> FaceCheckPort: ...

    def status(self) -> DeviceStatus: ...


class PrinterPort(Protocol):
    def print_document(self, doc: Document) -> PrintResult: ...


class CatalogPort(Protocol):
    @property
    def catalog(self) -> Catalog | None: ...

    def refresh(self) -> RefreshResult: ...

    def service_entry(self, code: str) -> dict[str, Any] | None: ...


Job = Callable[[], Any]
Done = Callable[[Any], None]


class Executor(Protocol):
    """Runs `job` somewhere, then calls `done(result)` on the flow's own thread."""

    def submit(self, job: Job, done: Done) -> None: ...


class InlineExecutor:
    """Runs each job at once, on the caller's thread (tests; never the kiosk UI)."""

    def submit(self, job: Job, done: Done) -> None:
        done(job())


class ManualExecutor:
    """Holds jobs until `run_next()` / `run_all()` (tests of busy states and races)."""

    def __init__(self) -> None:
        self._jobs: list[tuple[Job, Done]] = []

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def submit(self, job: Job, done: Done) -> None:
        self._jobs.append((job, done))

    def run_next(self) -> None:
        job, done = self._jobs.pop(0)
        done(job())

    def run_all(self) -> None:
        while self._jobs:
            self.run_next()

    def drop_all(self) -> None:
        self._jobs.clear()


class ThreadExecutor:
    """Jobs on a small worker pool; results handed to `post` (e.g. a queued Qt signal).

    Without `post`, results wait in a queue until the owner's thread calls `drain()`
    (the kiosk's tick timer does), so `done` always runs on the owner's thread.
    """

    def __init__(self, workers: int = 2, post: Callable[[Callable[[], None]], None] | None = None
                 ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flow-io")
        self._post = post
        self._results: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Job, done: Done) -> None:
        with self._lock:
            if self._closed:
                log.warning("flow_job_dropped reason=executor_closed")
                return
            future = self._pool.submit(job)

        def deliver(_: object) -> None:
            result = future.result()  # jobs catch their own errors (Flow wraps them)
            callback: Callable[[], None] = lambda: done(result)  # noqa: E731
            if self._post is not None:
                self._post(callback)
            else:
                self._results.put(callback)

        future.add_done_callback(deliver)

    def drain(self, limit: int = 100) -> int:
        n = 0
        while n < limit:
            try:
                callback = self._results.get_nowait()
            except queue.Empty:
                break
            callback()
            n += 1
        return n

    def shutdown(self) -> None:
        """Stop taking jobs; running ones finish, their results are still delivered."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
