"""One form per workflow action: the fields a person fills in before the service decides.

Forms only check shape (a number is a number, a required reason is there); the rules and the
scope are the services' job, and their field errors are put back beside the same fields.
"""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.cases import access, services
from civicloop.cases.models import Case
from civicloop.cases.rules import Action
from civicloop.core import extensions
from civicloop.core.errors import InvalidInput
from civicloop.lib.i18n import pick
from civicloop.org.models import Department, User
from civicloop.taxonomy.queries import config

PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/heic"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ActionForm(forms.Form):
    """Every action form carries the version the person saw, so a stale page cannot win."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    photo_kind = ""  # the attachment kind photos are stored as

    def __init__(self, *args, case: Case, user, action: str = "", **kwargs):
        self.case, self.user = case, user
        # Several action forms share one page: ids carry the action so every label finds its field.
        kwargs.setdefault("auto_id", f"{action or 'act'}-%s")
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version

    def arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("photos", None)
        return data


def _reason(required=True, label=_("Reason")):
    return forms.CharField(label=label, required=required, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _note(required=False):
    return _reason(required=required, label=_("Note"))


class ReasonForm(ActionForm):
    reason = _reason()


class OptionalReasonForm(ActionForm):
    reason = _reason(required=False)


class NoteForm(ActionForm):
    note = _note()


class FileForm(ActionForm):
    category = forms.ChoiceField(label=_("Category"))
    condition = forms.CharField(label=_("Filing condition"), required=False, max_length=60)
    grid = forms.CharField(label=_("Grid"), max_length=15, required=False,
                           help_text=_("Change only if the report was placed in the wrong grid."))
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, required=False,
                                      choices=[("", "—"), (1, _("Normal")), (2, _("Urgent")), (3, _("Very urgent"))])
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["category"].initial = self.case.category_id
        self.fields["grid"].initial = self.case.grid_id


class NotFileForm(ActionForm):
    reason = _reason()


class RequestVerificationForm(ActionForm):
    inspector = forms.TypedChoiceField(label=_("Inspector"), coerce=int, required=False)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field_workers = [u for u in User.objects.filter(is_active=True, role__in=services.FIELD_ROLES).order_by("username")
                         if access.can_see(u, self.case)]
        self.fields["inspector"].choices = [("", _("Any inspector of the area"))] + [(u.pk, str(u)) for u in field_workers]
        # The nearest field worker on duty (an app's nearest_workers, e.g. routing), when there is one, is preselected.
        nearest = extensions.nearest_workers(self.case, limit=1)
        if nearest and nearest[0].worker.id in {u.pk for u in field_workers}:
            self.fields["inspector"].initial = nearest[0].worker.id


YES_NO = [(True, _("Yes")), (False, _("No"))]


def _yes_no(label):
    return forms.TypedChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect,
                                  coerce=lambda v: v in (True, "True", "true", "1"))


class VerifyReportForm(ActionForm):
    real = _yes_no(_("Is the report real?"))
    note = _note()
    photos = PhotosField(label=_("On-site photos"), required=False)
    photo_kind = "evidence"


class MergeForm(ActionForm):
    into = forms.CharField(label=_("Original case number"), max_length=24)
    reason = _reason(required=False)


class DispatchForm(ActionForm):
    department = forms.ChoiceField(label=_("Department"))
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices()
        suggested = services.suggest_department(self.case)
        self.fields["department"].initial = suggested
        if suggested:
            name = dict(self.fields["department"].choices).get(suggested, suggested)
            self.fields["department"].help_text = _("Suggested by the routing rules: %(name)s") % {
                "name": name}


class HandleForm(ActionForm):
    note = _reason(label=_("What was done"))
    photos = PhotosField(label=_("After photos"), required=True)
    photo_kind = "after"


class CheckForm(ActionForm):
    passed = _yes_no(_("Is the problem fixed?"))
    note = forms.CharField(label=_("Note (required when not fixed)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("On-site photos"), required=False)
    photo_kind = "evidence"


UNITS = [("WD", _("working days")), ("WH", _("working hours")), ("ND", _("natural days")), ("NH", _("natural hours"))]


class ExtensionForm(ActionForm):
    amount = forms.DecimalField(label=_("How long"), min_value=0, max_value=365, decimal_places=2)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNITS)
    reason = _reason()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asked = self.case.pending_data or {}
        # Only units of the stage's own clock (working or natural time) make sense here.
        working = self.case.stage_working
        self.fields["unit"].choices = [(u, label) for u, label in UNITS if (u[0] == "W") == working]
        self.fields["unit"].initial = asked.get("unit") or ("WD" if self.case.stage_working else "ND")
        self.fields["amount"].initial = asked.get("amount")


class ApproveExtensionForm(ExtensionForm):
    reason = _reason(required=False)


class ReassignForm(ActionForm):
    department = forms.ChoiceField(label=_("New department"))
    reason = _reason()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [
            c for c in department_choices() if c[0] != self.case.department_id]


FORMS: dict[str, type[ActionForm]] = {
    Action.REQUEST_VERIFICATION: RequestVerificationForm,
    Action.VERIFY_REPORT: VerifyReportForm,
    Action.FILE: FileForm,
    Action.NOT_FILE: NotFileForm,
    Action.DISPATCH: DispatchForm,
    Action.SIGN: ActionForm,
    Action.HANDLE: HandleForm,
    Action.CHECK: CheckForm,
    Action.CLOSE: NoteForm,
    Action.REQUEST_VOID: ReasonForm,
    Action.APPROVE_VOID: OptionalReasonForm,
    Action.DENY_VOID: ReasonForm,
    Action.REQUEST_RETURN: ReasonForm,
    Action.APPROVE_RETURN: OptionalReasonForm,
    Action.DENY_RETURN: ReasonForm,
    Action.REQUEST_EXTENSION: ExtensionForm,
    Action.APPROVE_EXTENSION: ApproveExtensionForm,
    Action.DENY_EXTENSION: ReasonForm,
    Action.REQUEST_SUSPENSION: ReasonForm,
    Action.APPROVE_SUSPENSION: OptionalReasonForm,
    Action.DENY_SUSPENSION: ReasonForm,
    Action.RESUME: NoteForm,
    Action.SUPERVISE: ReasonForm,
    Action.UNSUPERVISE: OptionalReasonForm,
    Action.REOPEN: ReasonForm,
    Action.MERGE: MergeForm,
    Action.REASSIGN: ReassignForm,
}


def category_choices() -> list:
    cats = sorted((c for c in config().categories.values() if c.active), key=lambda c: c.code)
    return [("", "—")] + [(c.code, f"{c.code} {c.name}") for c in cats]


def department_choices() -> list:
    return [(d.pk, d.name) for d in Department.objects.filter(active=True).order_by("kind", "code")]


def action_label(action: str, language: str | None) -> str:
    return pick(Action(action).label, language)


def errors_to_form(form, exc: InvalidInput) -> None:
    """A service's refusal shown on the form: each error on its field, the rest above the form."""
    placed = False
    for error in exc.errors:
        name = error.get("field")
        if name in form.fields:
            form.add_error(name, error["message"])
            placed = True
        elif name == "file" and "photos" in form.fields:
            form.add_error("photos", error["message"])
            placed = True
    if not placed:
        form.add_error(None, exc.message)
