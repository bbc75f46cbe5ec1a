"""IoT hears every case change (cases.signals.case_changed) inside its transaction."""
from civicloop.iot import services


def on_case_changed(sender, *, case, event, refs, **kwargs) -> None:
    services.case_left_open(case, event)
