"""Errors every entry point turns into a clear 4xx answer (Chinese first, then English)."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, errors: list[dict] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.extra = extra

    def as_dict(self) -> dict:
        body = {"code": self.code, "detail": self.message}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"

    @classmethod
    def field(cls, field: str, message: str) -> "InvalidInput":
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class ActionNotAllowed(ServiceError):
    status = 422
    code = "not_allowed"


class TooManyRequests(ServiceError):
    """A limit was reached (sign-in tries, codes); `retry_after` (seconds) says when to try again."""

    status = 429
    code = "rate_limited"
