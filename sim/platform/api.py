"""The contract's endpoints under /api/v1: authentication, routing and per-route handlers.

Handlers take a `Request` and return a `Response` (or raise `ApiError`); they never touch
sockets, so the HTTP layer can apply faults around them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from .clock import now_rfc3339
from .messages import ApiError, Request, Response, json_response, validation_error
from .staff import STAFF_BY_CARD
from .state import PlatformState
from .validation import (
    MEDIA_TYPES,
    SHA256_RE,
    TRACKING_NO_RE,
    FieldProblem,
    check_heartbeat,
    check_staff_login,
    is_uuid,
)

BASE_PATH = "/api/v1"

Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str  # the contract's path template, used to count requests
    handler: Handler


class PlatformApi:
    def __init__(self, state: PlatformState, token: str) -> None:
        self.state = state
        self._token = token.encode("utf-8")
        self.routes: list[Route] = []
        self._add("GET", "/catalog", self.get_catalog)
        self._add("HEAD", "/blobs/{sha256}", self.head_blob)
        self._add("PUT", "/blobs/{sha256}", self.put_blob)
        self._add("POST", "/submissions", self.post_submission)
        self._add("GET", "/submissions/{tracking_no}", self.get_progress)
        self._add("POST", "/submissions/{tracking_no}/supplements", self.post_supplement)
        self._add("POST", "/tickets", self.post_ticket)
        self._add("POST", "/staff/login", self.post_staff_login)
        self._add("POST", "/kiosks/{kiosk_id}/heartbeat", self.post_heartbeat)

    def _add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append(
            Route(method, re.compile(f"^{BASE_PATH}{regex}$"), f"{method} {template}", handler)
        )

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, path params, methods allowed on the path) for a request."""
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict(), [method]
            allowed.append(route.method)
        return None, {}, allowed

    def endpoint_of(self, method: str, path: str) -> str:
        route, _, _ = self.match(method, path)
        return route.endpoint if route else f"{method} (unknown path)"

    def dispatch(self, request: Request) -> Response:
        self._authenticate(request)
        route, params, allowed = self.match(request.method, request.path)
        if route is None:
            if allowed:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    "method not allowed on this path",
                    headers={"Allow": ", ".join(allowed)},
                )
            raise ApiError(404, "not_found", "no such endpoint")
        request.params = params
        return route.handler(request)

    def _authenticate(self, request: Request) -> None:
        auth = request.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode("utf-8"), self._token
        ):
            raise ApiError(
                401,
                "unauthorized",
                "a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not (request.header("X-Kiosk-Id") or "").strip():
            raise ApiError(400, "bad_request", "the X-Kiosk-Id header is required")

    # -- catalog and blobs ------------------------------------------------------------

    def get_catalog(self, request: Request) -> Response:
        etag, body = self.state.catalog_snapshot()
        if _etag_matches(request.header("If-None-Match"), etag):
            return Response(304, b"", None, {"ETag": etag})
        return Response(200, body, "application/json", {"ETag": etag})

    def head_blob(self, request: Request) -> Response:
        sha = _sha_param(request)
        return Response(200 if self.state.has_blob(sha) else 404, b"", None)

    def put_blob(self, request: Request) -> Response:
        sha = _sha_param(request)
        media_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if media_type not in MEDIA_TYPES:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Content-Type must be one of {', '.join(MEDIA_TYPES)}",
            )
        if request.body_too_large or len(request.body) > self.state.max_blob_bytes:
            raise ApiError(
                413, "too_large", f"a blob may be at most {self.state.max_blob_bytes} bytes"
            )
        if hashlib.sha256(request.body).hexdigest() != sha:
            raise ApiError(400, "digest_mismatch", "the body does not hash to the path's sha256")
        created = self.state.put_blob(sha, request.body)
        return json_response(201 if created else 200, {"sha256": sha, "bytes": len(request.body)})

    # -- submissions -----------------------------------------------------------------

    def post_submission(self, request: Request) -> Response:
        key = _idempotency_key(request)
        status, ack = self.state.submit(key, request.json_object())
        return json_response(status, ack)

    def get_progress(self, request: Request) -> Response:
        tracking_no = _tracking_param(request)
        return json_response(200, self.state.progress(tracking_no, request.query.get("code")))

    def post_supplement(self, request: Request) -> Response:
        tracking_no = _tracking_param(request)
        key = _idempotency_key(request)
        status, answer = self.state.supplement(tracking_no, key, request.json_object())
        return json_response(status, answer)

    # -- hall services ---------------------------------------------------------------

    def post_ticket(self, request: Request) -> Response:
        body = request.json_object()
        problems = [
            FieldProblem(name, "required" if body.get(name) is None else "not_a_string")
            for name in ("hall_id", "category")
            if not isinstance(body.get(name), str) or not body[name]
        ]
        if problems:
            raise validation_error(problems)
        return json_response(201, self.state.issue_ticket(body["hall_id"], body["category"]))

    def post_staff_login(self, request: Request) -> Response:
        body = request.json_object()
        problems = check_staff_login(body)
        if problems:
            raise validation_error(problems)
        account = STAFF_BY_CARD.get(body["card_uid"])
        if account is None or not hmac.compare_digest(account.pin, body["pin"]):
            raise ApiError(401, "bad_credentials", "unknown card or wrong PIN")
        return json_response(
            200, {"staff_id": account.staff_id, "name": account.name, "roles": list(account.roles)}
        )

    def post_heartbeat(self, request: Request) -> Response:
        kiosk_id = request.params["kiosk_id"]
        if request.header("X-Kiosk-Id") != kiosk_id:
            raise ApiError(403, "forbidden", "X-Kiosk-Id does not match the path's kiosk_id")
        body = request.json_object()
        problems = check_heartbeat(body)
        if problems:
            raise validation_error(problems)
        commands = self.state.heartbeat(kiosk_id, body)
        return json_response(200, {"server_time": now_rfc3339(), "commands": commands})


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _sha_param(request: Request) -> str:
    sha = request.params["sha256"]
    if not SHA256_RE.match(sha):
        raise ApiError(400, "bad_request", "sha256 must be 64 lower-case hex digits")
    return sha


def _tracking_param(request: Request) -> str:
    tracking_no = request.params["tracking_no"]
    if not TRACKING_NO_RE.match(tracking_no):
        raise ApiError(400, "bad_request", "malformed tracking number")
    return tracking_no


def _idempotency_key(request: Request) -> str:
    key = request.header("Idempotency-Key")
    if not key:
        raise ApiError(400, "bad_request", "the Idempotency-Key header is required")
    if not is_uuid(key):
        raise ApiError(400, "bad_request", "Idempotency-Key must be a UUID")
    return key


def submission_key(request: Request) -> str | None:
    """The Idempotency-Key of a submission POST, for the audit (may be absent)."""
    key = request.header("Idempotency-Key")
    return key.strip() if key else None
