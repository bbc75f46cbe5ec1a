"""派遣规则 in the console: city-wide leaders and administrators list, add, change and remove
rules, and test them against a sample (a category and a point, or a recent case) to see which
rule matches and why. Also the case panel's nearest field worker."""
from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.cases import access
from civicloop.cases.models import Case
from civicloop.cases.rules import State
from civicloop.core.errors import InvalidInput
from civicloop.geo.index import locate
from civicloop.geo.points import parse_point
from civicloop.org.models import Department
from civicloop.org.roles import Role, Scope
from civicloop.routing import queries, rules, services
from civicloop.routing.dispatch import suggest_for
from civicloop.routing.models import RoutingRule
from civicloop.taxonomy.models import Category

MANAGERS = frozenset({Role.ADMIN, Role.SHIFT_LEADER, Role.COMMANDER})
RECENT_CASES = 15

REASONS = {
    rules.NOT_CATEGORY: gettext_lazy("another category"),
    rules.NOT_GROUP: gettext_lazy("another category group"),
    rules.NOT_AREA: gettext_lazy("the place is outside its area"),
    rules.NOT_PRIORITY: gettext_lazy("the case is less urgent"),
    rules.NOT_SUPERVISED: gettext_lazy("the case is not supervised"),
}
SOURCES = {
    rules.ADMIN: gettext_lazy("routing rule"),
    rules.STREET_ROUTE: gettext_lazy("category × street (taxonomy)"),
    rules.CATEGORY_DEFAULT: gettext_lazy("category default"),
}


def can_manage(user) -> bool:
    return bool(user.is_authenticated) and user.role in MANAGERS and user.scope == Scope.CITY


def _require_manager(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("Only city-wide leaders and administrators edit routing rules."))


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["category", "category_group", "area", "min_priority", "supervised_only", "department", "note", "active"]
        labels = {"category": gettext_lazy("Category"), "category_group": gettext_lazy("Category group"),
                  "area": gettext_lazy("Area"), "min_priority": gettext_lazy("Only when priority is at least"),
                  "supervised_only": gettext_lazy("Only supervised cases"), "department": gettext_lazy("Department"),
                  "note": gettext_lazy("Note"), "active": gettext_lazy("Active")}
        help_texts = {"category_group": gettext_lazy("Two digits, e.g. 06; or leave empty"),
                      "area": gettext_lazy("A street (9 digits), community (12) or grid (15) code; empty: the whole city")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(active=True).order_by("code")
        self.fields["department"].queryset = Department.objects.filter(active=True).order_by("kind", "code")


class SampleForm(forms.Form):
    """A made-up case (category + point) or a recent one, to see where routing sends it."""

    case = forms.CharField(label=gettext_lazy("Recent case"), required=False, max_length=24,
                           widget=forms.TextInput(attrs={"list": "recent-cases"}))
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), required=False,
                                      queryset=Category.objects.filter(active=True).order_by("code"))
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), coerce=int, initial=1,
                                      choices=[(1, gettext_lazy("Normal")), (2, gettext_lazy("Urgent")),
                                               (3, gettext_lazy("Very urgent"))])
    supervised = forms.BooleanField(label=gettext_lazy("Supervised (督办)"), required=False)


@login_required
def rules_page(request):
    _require_manager(request.user)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _saved(request.user, form):
        return redirect(f"{request.path}?saved={form.instance.pk}")
    sample = SampleForm(request.GET if "test" in request.GET else None, auto_id="sample-%s")
    result = _test(sample) if sample.is_bound else None
    return render(request, "routing/rules.html", {
        "form": form, "sample": sample, "result": result, "rows": _rows(),
        "recent": Case.objects.order_by("-reported_at", "-id").select_related("category")[:RECENT_CASES],
        "saved": request.GET.get("saved", ""),
    }, status=422 if form.errors else 200)


@login_required
def rule_page(request, rule_id: int):
    _require_manager(request.user)
    rule = get_object_or_404(RoutingRule, pk=rule_id)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid() and _saved(request.user, form):
        return redirect(f"{_list_url()}?saved={rule.pk}")
    return render(request, "routing/rule.html", {"form": form, "rule": rule}, status=422 if form.errors else 200)


@login_required
@require_POST
def delete_rule(request, rule_id: int):
    _require_manager(request.user)
    rule = RoutingRule.objects.filter(pk=rule_id).first()
    if rule is not None:
        services.delete_rule(request.user, rule)
    return redirect(_list_url())


def _saved(user, form: RuleForm) -> bool:
    try:
        services.save_rule(user, form.instance)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _list_url() -> str:
    from django.urls import reverse

    return reverse("routing:rules")


def _rows() -> list[dict]:
    rows = []
    for rule in RoutingRule.objects.select_related("category", "department").order_by("pk"):
        rows.append({"rule": rule, "specificity": rule.as_rule().specificity()})
    return rows


def _test(sample: SampleForm) -> dict | None:
    if not sample.is_valid():
        return None
    data = sample.cleaned_data
    reference = (data.get("case") or "").strip()
    if reference:
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            sample.add_error("case", _("No case with this number."))
            return None
        facts, where = queries.facts_of(case), case
    else:
        facts, where = _sample_facts(sample, data)
        if facts is None:
            return None
    decision = queries.decide(facts)
    names = dict(Department.objects.values_list("code", "name"))
    return {"facts": facts, "case": where if reference else None, "decision": decision,
            "department": names.get(decision.department, decision.department),
            "trace": [_explain(rule, reason, decision.rule, names) for rule, reason in decision.trace]}


def _sample_facts(sample, data):
    if not data.get("category"):
        sample.add_error("category", _("Pick a category, or give a case number."))
        return None, None
    try:
        lon, lat = parse_point(data.get("lon"), data.get("lat"))
    except InvalidInput as exc:
        sample.add_error("lon", exc.errors[0]["message"] if exc.errors else exc.message)
        return None, None
    hit = locate(lon, lat)
    if hit is None:
        sample.add_error("lon", _("The point is outside the city's grids."))
        return None, None
    return rules.Facts(category=data["category"].code, grid=hit.code, priority=data["priority"],
                       supervised=data["supervised"]), None


def _explain(rule: rules.Rule, reason: str | None, winner: rules.Rule | None, names: dict) -> dict:
    if rule is winner:
        verdict, status = _("matches: chosen (the most specific)"), "chosen"
    elif reason is None:
        verdict, status = _("matches, but less specific than the chosen rule"), "outranked"
    else:
        verdict, status = _("does not apply: %(why)s") % {"why": REASONS[reason]}, "skipped"
    return {"rule": rule, "source": SOURCES.get(rule.source, rule.source), "department": names.get(rule.department, rule.department),
            "verdict": verdict, "status": status, "specificity": rule.specificity()}


# ---------------------------------------------------------------------------- case panel


FIELD_TASK_STATES = frozenset({State.REPORTED, State.VERIFYING, State.HANDLED})


def case_panel(request, case) -> str:
    """The nearest field workers for a 核实/核查 task, for the desk that assigns it."""
    user = request.user
    if case.state not in FIELD_TASK_STATES or user.role in (Role.INSPECTOR, Role.GRID_WORKER, Role.HANDLER) \
            or access.is_read_only(user):
        return ""

    from django.conf import settings

    return render_to_string("routing/_case_panel.html", {
        "suggestions": suggest_for(case), "max_age": settings.DISPATCH_POSITION_MAX_AGE_MIN}, request=request)
