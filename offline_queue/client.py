"""The platform client: every path of ../shared/platform-api.yaml, typed both ways.

One `requests.Session` (pooled, keep-alive), a (connect, read) timeout on every call,
TLS verified against `ca_file`, the kiosk's client certificate, and the bearer token and
X-Kiosk-Id on every request. Every failure becomes one of a few typed errors that say
whether trying again can help.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from .retry import Retrier, RetryPolicy
from .settings import PlatformSettings

log = logging.getLogger(__name__)

T = TypeVar("T")


# ---- errors ------------------------------------------------------------------------


class PlatformError(Exception):
    """Base of every failure talking to the platform."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str = "",
                 fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or type(self).__name__
        self.message = message
        self.fields = fields or []


class TransportError(PlatformError):
    """No answer: refused, reset, dropped, TLS failure, or a timeout."""

    retryable = True


class PlatformTimeout(TransportError):
    pass


class ProtocolError(PlatformError):
    """An answer that does not follow the contract (not JSON, fields missing)."""

    retryable = True


class ServerError(PlatformError):
    """5xx (other than 503) or 408: try again with backoff."""

    retryable = True


class RetryLater(PlatformError):
    """429 or 503: the platform says when to come back."""

    retryable = True

    def __init__(self, message: str, *, status: int, code: str, retry_after: float | None) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class Unauthorized(PlatformError):
    """401 on a kiosk call: the kiosk's token or certificate is not accepted."""


class BadCredentials(PlatformError):
    """401 on staff login: wrong card or PIN."""


class NotFound(PlatformError):
    pass


class MissingBlobs(PlatformError):
    def __init__(self, message: str, *, missing: list[str]) -> None:
        super().__init__(message, status=409, code="missing_blobs")
        self.missing = missing


class Conflict(PlatformError):
    """409 other than missing_blobs (e.g. not_awaiting_materials)."""


class Rejected(PlatformError):
    """A final refusal (422, other 4xx): sending the same again cannot succeed."""


# ---- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogReply:
    changed: bool
    etag: str | None
    catalog: dict[str, Any] | None  # None when unchanged (304)


@dataclass(frozen=True)
class SubmissionAck:
    tracking_no: str
    status: str
    received_at: str
    replayed: bool  # 200: this key was committed before


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    status: str
    note: dict[str, str] | None


@dataclass(frozen=True)
class Progress:
    tracking_no: str
    service_code: str
    status: str
    timeline: list[TimelineEntry]
    promised_by: str | None = None
    missing_materials: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ticket:
    ticket_no: str
    waiting_ahead: int
    estimated_wait_min: int
    issued_at: str


@dataclass(frozen=True)
class StaffSession:
    staff_id: str
    name: str
    roles: list[str]


@dataclass(frozen=True)
class Command:
    id: str
    type: str
    reason: str | None = None


@dataclass(frozen=True)
class HeartbeatReply:
    server_time: str
    commands: list[Command]


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
COMMAND_TYPES = ("reload_catalog", "out_of_service", "in_service", "restart", "purge_cache")


# ---- the client --------------------------------------------------------------------


class PlatformClient:
    def __init__(self, settings: PlatformSettings, kiosk_id: str, *, pool_size: int = 8,
                 retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        # A dead platform (connect timeouts) gets no second try inside one request.
        self.retrier = Retrier(retry or RetryPolicy(
            retries=settings.retries, pause_s=settings.retry_pause_s,
            budget_s=settings.connect_timeout_s))
        self.kiosk_id = kiosk_id
        self.base = settings.url.rstrip("/")
        self.timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        s = requests.Session()
        # No automatic retries: the sync worker owns retry policy (and POSTs must not be
        # replayed behind its back).
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        s.mount("https://", adapter)
        s.mount("http://", adapter)
        s.headers.update({
            "Authorization": f"Bearer {settings.token}",
            "X-Kiosk-Id": kiosk_id,
            "User-Agent": "hall-kiosk/0.1",
        })
        s.verify = str(settings.ca_file) if settings.ca_file else True
        if settings.client_cert and settings.client_key:
            s.cert = (str(settings.client_cert), str(settings.client_key))
        s.trust_env = False  # a stray HTTPS_PROXY on a kiosk must not reroute filings
        self._session = s

    def close(self) -> None:
        self._session.close()

    def _idempotent(self, what: str, call: Callable[[], T]) -> T:
        """Run a request that is safe to send again, retrying transient failures inline."""
        return self.retrier.run(what, call, is_transient=_transient, retry_after=_retry_after)

    # -- plumbing --

    def _request(self, method: str, path: str, *, ok: tuple[int, ...],
                 headers: Mapping[str, str] | None = None, data: bytes | None = None,
                 json_body: Any = None, params: Mapping[str, str] | None = None,
                 ) -> requests.Response:
        url = f"{self.base}{path}"
        started = time.monotonic()
        try:
            resp = self._session.request(method, url, headers=headers, data=data,
                                         json=json_body, params=params, timeout=self.timeout)
        except requests.Timeout as exc:
            raise PlatformTimeout(f"{method} {path}: no answer in time ({_short(exc)})",
                                  code="timeout") from None
        except requests.RequestException as exc:
            raise TransportError(f"{method} {path}: {_short(exc)}",
                                 code="connection_lost") from None
        log.debug("platform_call method=%s path=%s status=%s ms=%d", method,
                  path.split("?")[0], resp.status_code, (time.monotonic() - started) * 1000)
        if resp.status_code in ok:
            return resp
        raise _error_for(method, path, resp)

    @staticmethod
    def _json(resp: requests.Response, required: tuple[str, ...]) -> dict[str, Any]:
        try:
            doc = resp.json()
        except ValueError:
            raise ProtocolError(f"answer to {resp.request.method} is not JSON",
                                status=resp.status_code) from None
        if not isinstance(doc, dict):
            raise ProtocolError("answer is not a JSON object", status=resp.status_code)
        missing = [k for k in required if k not in doc]
        if missing:
            raise ProtocolError(f"answer lacks {', '.join(missing)}", status=resp.status_code)
        return doc

    # -- catalog --

    def fetch_catalog(self, etag: str | None = None) -> CatalogReply:
        return self._idempotent("GET /catalog", lambda: self._fetch_catalog(etag))

    def _fetch_catalog(self, etag: str | None) -> CatalogReply:
        headers = {"If-None-Match": etag} if etag else None
        resp = self._request("GET", "/catalog", ok=(200, 304), headers=headers)
        if resp.status_code == 304:
            return CatalogReply(changed=False, etag=etag, catalog=None)
        doc = self._json(resp, ("version", "categories", "services"))
        if not isinstance(doc["services"], list) or not isinstance(doc["categories"], list):
            raise ProtocolError("catalog services/categories are not lists", status=200)
        return CatalogReply(changed=True, etag=resp.headers.get("ETag"), catalog=doc)

    # -- blobs --

    def blob_exists(self, sha256: str) -> bool:
        resp = self._idempotent("HEAD /blobs", lambda: self._request(
            "HEAD", f"/blobs/{sha256}", ok=(200, 404)))
        return resp.status_code == 200

    def reachable(self) -> bool:
        """One cheap request (HEAD of the empty blob): does the platform answer at all?"""
        try:
            self.blob_exists(EMPTY_SHA256)
        except (TransportError, ServerError, RetryLater):
            return False
        except PlatformError:
            return True  # it answered (e.g. 401): the link is up, the items will say more
        return True

    def put_blob(self, sha256: str, data: bytes, media_type: str) -> bool:
        """Upload one attachment; True if the platform stored it now, False if it had it."""
        # Content-addressed: the same bytes under the same digest, however often.
        resp = self._idempotent("PUT /blobs", lambda: self._request(
            "PUT", f"/blobs/{sha256}", ok=(200, 201), data=data,
            headers={"Content-Type": media_type}))
        return resp.status_code == 201

    # -- submissions --

    def submit(self, submission_id: str, body: bytes) -> SubmissionAck:
        """POST the committed body; the same key and bytes are safe to send again, so a
        dropped connection or a 5xx (it may have committed) is retried under the key."""
        return self._idempotent("POST /submissions", lambda: self._submit(submission_id, body))

    def _submit(self, submission_id: str, body: bytes) -> SubmissionAck:
        resp = self._request("POST", "/submissions", ok=(200, 201), data=body,
                             headers={"Idempotency-Key": submission_id,
                                      "Content-Type": "application/json"})
        doc = self._json(resp, ("tracking_no", "status", "received_at"))
        return SubmissionAck(tracking_no=str(doc["tracking_no"]), status=str(doc["status"]),
                             received_at=str(doc["received_at"]),
                             replayed=resp.status_code == 200)

    def progress(self, tracking_no: str, query_code: str) -> Progress:
        return self._idempotent("GET /submissions", lambda: self._progress(tracking_no,
                                                                           query_code))

    def _progress(self, tracking_no: str, query_code: str) -> Progress:
        resp = self._request("GET", f"/submissions/{tracking_no}", ok=(200,),
                             params={"code": query_code})
        doc = self._json(resp, ("tracking_no", "service_code", "status", "timeline"))
        try:
            timeline = [TimelineEntry(at=str(e["at"]), status=str(e["status"]),
                                      note=e.get("note")) for e in doc["timeline"]]
        except (TypeError, KeyError):
            raise ProtocolError("progress timeline is malformed", status=200) from None
        return Progress(tracking_no=str(doc["tracking_no"]),
                        service_code=str(doc["service_code"]), status=str(doc["status"]),
                        timeline=timeline, promised_by=doc.get("promised_by"),
                        missing_materials=list(doc.get("missing_materials") or []))

    def add_supplement(self, tracking_no: str, supplement_id: str,
                       attachments: list[dict[str, Any]]) -> bool:
        """True when added now, False when this key was added before."""
        resp = self._idempotent("POST /supplements", lambda: self._request(
            "POST", f"/submissions/{tracking_no}/supplements", ok=(200, 201),
            headers={"Idempotency-Key": supplement_id},
            json_body={"submission_id": supplement_id, "attachments": attachments}))
        return resp.status_code == 201

    # -- the hall --

    def take_ticket(self, hall_id: str, category: str) -> Ticket:
        resp = self._request("POST", "/tickets", ok=(201,),
                             json_body={"hall_id": hall_id, "category": category})
        doc = self._json(resp, ("ticket_no", "waiting_ahead", "estimated_wait_min", "issued_at"))
        try:
            return Ticket(ticket_no=str(doc["ticket_no"]),
                          waiting_ahead=int(doc["waiting_ahead"]),
                          estimated_wait_min=int(doc["estimated_wait_min"]),
                          issued_at=str(doc["issued_at"]))
        except (TypeError, ValueError):
            raise ProtocolError("ticket numbers are not integers", status=201) from None

    def staff_login(self, card_uid: str, pin: str) -> StaffSession:
        try:
            resp = self._request("POST", "/staff/login", ok=(200,),
                                 json_body={"card_uid": card_uid, "pin": pin})
        except Unauthorized as exc:
            raise BadCredentials(exc.message, status=401, code="bad_credentials") from None
        doc = self._json(resp, ("staff_id", "name", "roles"))
        roles = doc["roles"]
        if not isinstance(roles, list):
            raise ProtocolError("staff roles is not a list", status=200)
        return StaffSession(staff_id=str(doc["staff_id"]), name=str(doc["name"]),
                            roles=[str(r) for r in roles])

    def heartbeat(self, body: dict[str, Any]) -> HeartbeatReply:
        resp = self._request("POST", f"/kiosks/{self.kiosk_id}/heartbeat", ok=(200,),
                             json_body=body)
        doc = self._json(resp, ("server_time", "commands"))
        commands: list[Command] = []
        for raw in doc["commands"] if isinstance(doc["commands"], list) else []:
            if isinstance(raw, dict) and "id" in raw and raw.get("type") in COMMAND_TYPES:
                commands.append(Command(id=str(raw["id"]), type=str(raw["type"]),
                                        reason=raw.get("reason")))
            else:
                log.warning("heartbeat_command_ignored reason=unknown_shape")
        return HeartbeatReply(server_time=str(doc["server_time"]), commands=commands)


def _transient(exc: Exception) -> bool:
    """Worth sending again at once: no answer, a 5xx/408, a garbled answer, or a 429/503."""
    return isinstance(exc, TransportError | ServerError | ProtocolError | RetryLater)


def _retry_after(exc: Exception) -> float | None:
    if isinstance(exc, RetryLater):
        # 429/503 without Retry-After breaks the contract: treat it as "a real pause".
        return exc.retry_after if exc.retry_after is not None else float("inf")
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait, from either form the HTTP standard allows."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_for(method: str, path: str, resp: requests.Response) -> PlatformError:
    status = resp.status_code
    code, message, fields, missing = "", resp.reason or "", [], []
    try:
        doc = resp.json()
        if isinstance(doc, dict):
            code = str(doc.get("error", ""))
            message = str(doc.get("message", message))
            fields = [f for f in doc.get("fields") or [] if isinstance(f, dict)]
            missing = [m for m in doc.get("missing") or [] if isinstance(m, str)]
    except (ValueError, json.JSONDecodeError):
        pass
    text = f"{method} {path.split('?')[0]}: {status} {code or ''} {message}".strip()
    if status in (429, 503):
        return RetryLater(text, status=status, code=code,
                          retry_after=parse_retry_after(resp.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        return ServerError(text, status=status, code=code)
    if status == 409:
        if code == "missing_blobs":
            return MissingBlobs(text, missing=missing)
        return Conflict(text, status=status, code=code)
    if status == 401:
        return Unauthorized(text, status=status, code=code)
    if status == 404:
        return NotFound(text, status=status, code=code)
    return Rejected(text, status=status, code=code, fields=fields)
