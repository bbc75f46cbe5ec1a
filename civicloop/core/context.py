from contextvars import ContextVar

# The id of the HTTP request (or job) being served; case events record it.
request_id: ContextVar[str] = ContextVar("request_id", default="")
