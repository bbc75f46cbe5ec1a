"""The hotline hears every case change (cases.signals.case_changed) inside its transaction."""
from civicloop.hotline import services


def on_case_changed(sender, *, case, event, refs, **kwargs) -> None:
    # Cheap for every other case: announce_case_step returns before any query unless the step is
    # one the hotline hears about and the case came from the hotline.
    services.announce_case_step(case, event)
