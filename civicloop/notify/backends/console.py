import logging

log = logging.getLogger("civicloop.notify")


class Backend:
    """Development backend: writes each message to the log instead of reaching a person."""

    def send(self, *, channel, recipient, subject, body, payload):
        log.info("[%s → %s] %s: %s", channel, recipient, subject, body)
