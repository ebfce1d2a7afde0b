"""Retries inside one request: a flaky link must not cost a submission its whole attempt.

An idempotent request (GET, HEAD, PUT of a content-addressed blob, POST under an
Idempotency-Key) that failed on the wire or with a 5xx is sent again at once a few times,
with short jittered pauses. The long per-item backoff (sync.py) is for a platform that is
really down; these retries stop within a time budget, so a dead platform (connect
timeouts) costs little more than one try.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # tries after the first
    pause_s: float = 0.05  # the first pause; doubling, jittered between half and whole
    budget_s: float = 5.0  # no new try once this long has passed since the first began
    max_retry_after_s: float = 0.5  # a Retry-After up to this is waited out inline


class Retrier:
    """Runs a call under a RetryPolicy; `is_transient` says which failures to retry and
    `retry_after` the platform's own wait (None: none given). Counts what it retried."""

    def __init__(self, policy: RetryPolicy, *, rng: random.Random | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._lock = threading.Lock()
        self.retried = 0

    def run(self, what: str, call: Callable[[], T], *,
            is_transient: Callable[[Exception], bool],
            retry_after: Callable[[Exception], float | None]) -> T:
        started = time.monotonic()
        for attempt in range(self.policy.retries + 1):
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc) or attempt == self.policy.retries:
                    raise
                asked = retry_after(exc)
                if asked is not None and asked > self.policy.max_retry_after_s:
                    raise  # the platform wants a real pause: the item's schedule has it
                ceiling = self.policy.pause_s * (2 ** attempt)
                pause = max(asked or 0.0, self._rng.uniform(ceiling / 2, ceiling))
                if time.monotonic() - started + pause > self.policy.budget_s:
                    raise
                with self._lock:
                    self.retried += 1
                log.debug("platform_retry call=%s attempt=%d error=%s pause_ms=%d", what,
                          attempt + 1, type(exc).__name__, pause * 1000)
                self._sleep(pause)
        raise AssertionError("unreachable")
