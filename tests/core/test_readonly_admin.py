"""Every read-only admin page (core/readonly_admin.py): an administrator reads a real row, and cannot
add, save or (unless the admin allows it) delete one — walked over the admin registry, so a model that
stops being read-only, or a new read-only one, shows here."""
from __future__ import annotations

import itertools

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from civicloop.core.readonly_admin import ReadOnlyAdmin
from tests.conftest import WENLAN

# What an administrator could do before the mixin: read only, or read and delete.
READ_ONLY = {
    "cases.Case", "cases.CaseEvent", "cases.PersonalDataView", "core.AccessLog", "core.ChangeRecord",
    "gazetteer.EntryChange", "ops.JobRun", "org.HashedKey", "points.Account", "points.Entry", "points.FraudFlag",
    "points.Order",
}
DELETABLE = {
    "citizens.CitizenReport", "citizens.LoginCode", "console.SavedView", "evaluation.Ranking", "notify.Delivery",
    "core.Throttle",
}
# Admins whose inlines are read-only though the page itself is not (the page's rules are its own).
READ_ONLY_INLINES = {"taxonomy.CalendarYear": ["ArrangementDayInline"]}


def _read_only_admins():
    return sorted((model._meta.label, model) for model, model_admin in admin.site._registry.items()
                  if isinstance(model_admin, ReadOnlyAdmin))


def test_the_registry_holds_exactly_the_read_only_models_it_held_before():
    found = {label for label, _model in _read_only_admins()}
    # Other read-only admins may join; none of these may leave.
    assert READ_ONLY | DELETABLE <= found
    for label in READ_ONLY:
        assert not admin.site._registry[_model(label)].deletable, label
    for label in DELETABLE:
        assert admin.site._registry[_model(label)].deletable, label


def test_the_read_only_inlines_stay_read_only():
    for label, names in READ_ONLY_INLINES.items():
        inlines = {i.__name__: i for i in admin.site._registry[_model(label)].inlines}
        assert all(issubclass(inlines[name], ReadOnlyAdmin) for name in names), label


def _model(label: str):
    return next(m for m in admin.site._registry if m._meta.label == label)


@pytest.mark.parametrize("label", [label for label, _model in _read_only_admins()])
def test_an_administrator_reads_a_row_and_cannot_add_save_or_delete_it(label, signed_in):
    model = _model(label)
    row = _row(model)
    client = signed_in("admin")
    change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200, label
    assert 'name="_save"' not in page.content.decode(), label
    assert client.post(change, {}).status_code == 403, label
    add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert client.get(add).status_code == 403, label
    delete = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[row.pk])
    deletable = admin.site._registry[model].deletable
    assert client.get(delete).status_code == (200 if deletable else 403), label
    assert model.objects.filter(pk=row.pk).exists()


# ---------------------------------------------------------------------------- real rows

_serial = itertools.count(1)
# Fields a model's own checks need beyond its required ones.
EXTRA = {"citizens.CitizenReport": {"tracking_code": "T1205001"}}


def _case():
    from civicloop.cases import services
    from civicloop.cases.models import Case

    found = Case.objects.first()
    if found is not None:
        return found
    return services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="井盖缺失 (read-only admin test)")


def _row(model):
    """A real row of the model: a case through the intake service, anything else filled field by field
    (choices take their first value, foreign keys an existing row or a new one)."""
    from civicloop.cases.models import Case, CaseEvent

    if model is Case:
        return _case()
    if model is CaseEvent:
        return _case().events.first()
    values = {f.name: _value(f) for f in _required(model)}
    return model.objects.create(**values, **EXTRA.get(model._meta.label, {}))


def _required(model):
    for field in model._meta.concrete_fields:
        if isinstance(field, models.AutoField) or getattr(field, "auto_now", False) or \
                getattr(field, "auto_now_add", False):
            continue
        if field.null or field.has_default():
            continue
        yield field


def _value(field):
    from civicloop.cases.models import Case

    if field.is_relation:
        target = field.related_model
        if target is Case:
            return _case()
        found = None if field.unique else target.objects.first()
        return found or _row(target)
    if field.choices:
        return field.choices[0][0]
    n = next(_serial)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return n
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.JSONField):
        return {}
    text = f"t{n}"
    if isinstance(field, models.CharField) and field.name == "phone":
        return f"139{n:08d}"
    return text[: field.max_length] if getattr(field, "max_length", None) else text
