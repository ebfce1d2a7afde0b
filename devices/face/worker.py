"""The model's own process: one call at a time, each bounded, restarted when it dies.

dlib holds the GIL for ~90 ms per embedding, so it cannot share a process with the Qt
loop. The worker is started with `spawn` (no fork of a process that has Qt and threads).
Pixels cross the pipe as raw bytes from a buffer the caller owns and zeroes afterwards;
the worker receives into one buffer and zeroes it after each call, and so does the
parent with the template it gets back. (The OS pipe's own kernel buffer is not ours.)
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from devices.face.port import Face, FaceError

log = logging.getLogger(__name__)

EMBEDDING_BYTES = 128 * 8


@dataclass
class Reply:
    faces: list[Face]
    embedding: bytearray | None  # 128 float64; the caller zeroes it when done
    shape: tuple[int, int]

    def vector(self) -> np.ndarray | None:
        if self.embedding is None:
            return None
        return np.frombuffer(self.embedding, dtype=np.float64)

    def wipe(self) -> None:
        if self.embedding is not None:
            self.embedding[:] = bytes(len(self.embedding))


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child process
    from devices.face.engine import Engine, analyze_photo, decode

    try:
        engine = Engine()
    except Exception as exc:  # noqa: BLE001 - told to the parent, which decides
        conn.send({"ok": False, "code": getattr(exc, "code", "model_failed"),
                   "detail": str(exc)})
        return
    conn.send({"ok": True, "model": engine.model})
    while True:
        try:
            head: dict[str, Any] = conn.recv()
        except EOFError:
            return
        if head.get("op") == "stop":
            return
        buf = bytearray(int(head["nbytes"]))
        conn.recv_bytes_into(buf)
        rgb: np.ndarray | None = None
        try:
            if head["op"] == "photo":
                rgb = decode(buf)
            else:
                h, w = head["shape"]
                bgr = np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
                rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            if head["upsample"] is None:
                out = analyze_photo(engine, rgb, bool(head["embed"]), bool(head["largest"]))
            else:
                out = engine.analyze(rgb, head["upsample"], bool(head["embed"]),
                                     int(head["min_width"]), bool(head["largest"]))
            conn.send({"ok": True, "faces": [(f.box, f.points) for f in out.faces],
                       "shape": rgb.shape[:2], "embedding": out.embedding is not None})
            if out.embedding is not None:
                conn.send_bytes(out.embedding.tobytes())
                out.embedding.fill(0)
        except FaceError as exc:
            conn.send({"ok": False, "code": exc.code, "detail": exc.detail})
        except Exception as exc:  # noqa: BLE001 - a bad input must not end the process
            conn.send({"ok": False, "code": "model_error", "detail": type(exc).__name__})
        finally:
            buf[:] = bytes(len(buf))
            if rgb is not None:
                rgb.fill(0)


class FaceWorker:
    def __init__(self, start_timeout_s: float = 20.0) -> None:
        self.start_timeout_s = start_timeout_s
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self.model: str | None = None
        self.starts = 0  # processes started, the first included
        self.last_error: str | None = None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        with self._lock:
            if not self.alive():
                self._spawn()

    def _spawn(self) -> None:
        self._kill()
        started = time.monotonic()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child,), name="face-model", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        self.starts += 1
        if not parent.poll(self.start_timeout_s):
            self._kill()
            self.last_error = "worker_timeout"
            raise FaceError("worker_timeout",
                            f"the model did not load within {self.start_timeout_s:.0f} s")
        try:
            hello = parent.recv()
        except EOFError:
            self._kill()
            self.last_error = "worker_died"
            raise FaceError("worker_died", "the model process ended while loading") from None
        if not hello.get("ok"):
            self._kill()
            self.last_error = hello.get("code", "model_failed")
            raise FaceError(self.last_error or "model_failed", hello.get("detail", ""))
        self.model, self.last_error = hello["model"], None
        log.info("face_worker_started pid=%d ms=%.0f", proc.pid,
                 1000 * (time.monotonic() - started))

    def _kill(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc, self._conn = None, None
        if conn is not None:
            conn.close()
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(2.0)

    def stop(self) -> None:
        with self._lock:
            if self._conn is not None and self.alive():
                try:
                    self._conn.send({"op": "stop"})
                    self._proc.join(2.0)
                except (OSError, ValueError):
                    log.debug("face_worker_stop pipe=closed")
            self._kill()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def analyze(self, payload: bytearray | memoryview, *, op: str, timeout_s: float,
                shape: tuple[int, int] | None = None, upsample: int | None = None,
                embed: bool = False, min_width: int = 0, largest: bool = False) -> Reply:
        """One call: `op` "photo" (encoded bytes) or "frame" (raw BGR of `shape`).

        A process found dead is restarted and the call sent once more (calls have no side
        effects); a call that outlives timeout_s kills the process and raises.
        """
        head = {"op": op, "nbytes": len(payload), "shape": shape, "upsample": upsample,
                "embed": embed, "min_width": min_width, "largest": largest}
        with self._lock:
            for attempt in (1, 2):
                if not self.alive():
                    if self._proc is not None or attempt == 2:
                        log.warning("face_worker_died action=restart")
                    self._spawn()
                try:
                    answer, embedding = self._call(head, payload, timeout_s)
                    break
                except _Died:
                    self._kill()
                    self.last_error = "worker_died"
                    if attempt == 2:
                        raise FaceError("worker_died",
                                        "the model process ended during a call") from None
        if not answer["ok"]:
            raise FaceError(answer["code"], answer["detail"])
        faces = [Face(tuple(b), tuple(tuple(p) for p in pts)) for b, pts in answer["faces"]]
        return Reply(faces, embedding, tuple(answer["shape"]))

    def _call(self, head: dict[str, Any], payload: bytearray | memoryview,
              timeout_s: float) -> tuple[dict[str, Any], bytearray | None]:
        conn = self._conn
        assert conn is not None
        try:
            conn.send(head)
            conn.send_bytes(payload)
            if not conn.poll(timeout_s):
                log.warning("face_worker_timeout op=%s timeout_s=%.1f action=killed", head["op"],
                            timeout_s)
                self._kill()
                self.last_error = "worker_timeout"
                raise FaceError("worker_timeout", f"no answer within {timeout_s:.1f} s")
            answer: dict[str, Any] = conn.recv()
            embedding = None
            if answer.get("ok") and answer.get("embedding"):
                embedding = bytearray(EMBEDDING_BYTES)
                conn.recv_bytes_into(embedding)
        except (EOFError, OSError) as exc:
            raise _Died() from exc
        return answer, embedding


class _Died(Exception):
    """The process ended (EOF or a broken pipe) before answering."""
