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
        """The API's error shape (docs/api.md): code, field (the first one named), message; `detail`
        and `errors` carry the same for clients written against the earlier shape."""
        field = self.errors[0].get("field") if self.errors else None
        body = {"code": self.code, "field": field, "message": self.message, "detail": self.message}
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
