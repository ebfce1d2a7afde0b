"""Framework-free request/response values passed between the HTTP layer and the routes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .validation import FieldProblem

JSON_TYPE = "application/json"


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    body_too_large: bool = False  # the body exceeded the limit and was discarded
    params: dict[str, str] = field(default_factory=dict)  # from the route pattern

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or ApiError 400/422 (never an exception escaping)."""
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "bad_request", "the body is not valid JSON") from exc
        if not isinstance(value, dict):
            raise ApiError(
                422,
                "validation",
                "the body must be a JSON object",
                fields=[FieldProblem("body", "not_an_object")],
            )
        return value


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Response(status, body, JSON_TYPE, dict(headers or {}))


def canonical_json(value: Any) -> str:
    """A stable text form of a JSON value, to compare bodies regardless of key order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ApiError(Exception):
    """An Error-body answer (contract schema `Error`)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: list[FieldProblem] | None = None,
        missing: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.missing = missing
        self.headers = headers or {}

    def to_response(self) -> Response:
        return error_response(
            self.status,
            self.code,
            self.message,
            fields=self.fields,
            missing=self.missing,
            headers=self.headers,
        )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: list[FieldProblem] | None = None,
    missing: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = [problem.to_json() for problem in fields]
    if missing is not None:
        body["missing"] = missing
    return json_response(status, body, headers)


def validation_error(problems: list[FieldProblem], message: str = "") -> ApiError:
    text = message or "; ".join(f"{p.field}: {p.problem}" for p in problems[:5])
    return ApiError(422, "validation", text, fields=problems)
