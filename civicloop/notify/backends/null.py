class Backend:
    """Drops every message (tests that do not look at notifications)."""

    def send(self, *, channel, recipient, subject, body, payload):
        return None
