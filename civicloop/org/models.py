from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.org.roles import Role, Scope


class Department(models.Model):
    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", "专业部门 professional department"
        STREET_OFFICE = "street_office", "街道办 street office"
        COMMUNITY = "community", "社区 community committee"

    code = models.SlugField("编码 code", max_length=40, primary_key=True)
    name = models.CharField("名称 name", max_length=60, unique=True)
    kind = models.CharField("类型 kind", max_length=20, choices=Kind.choices)
    division = models.ForeignKey(
        "geo.Division", models.PROTECT, null=True, blank=True, verbose_name="辖区 division",
        help_text="街道办、社区须填写所辖区划 / street offices and communities name their division",
    )
    active = models.BooleanField("启用 active", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "部门 department"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind != self.Kind.PROFESSIONAL and not self.division_id:
            raise ValidationError({"division": "街道办和社区须指定辖区 / a street office or community needs its division"})


class User(AbstractUser):
    """A staff account. Citizens sign in differently (SMS codes) and come in a later module."""

    display_name = models.CharField("姓名 name", max_length=40, blank=True)
    phone = models.CharField("手机 phone", max_length=20, blank=True)
    role = models.CharField("角色 role", max_length=20, choices=Role.choices, blank=True)
    scope = models.CharField("范围 scope", max_length=12, choices=Scope.choices, default=Scope.CITY)
    scope_division = models.ForeignKey(
        "geo.Division", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="范围区划 scope division"
    )
    scope_grid = models.ForeignKey(
        "geo.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="范围网格 scope grid"
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name="部门 department"
    )

    class Meta:
        verbose_name = "工作人员 staff"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        needs = {
            Scope.DISTRICT: ("scope_division", 6),
            Scope.STREET: ("scope_division", 9),
            Scope.COMMUNITY: ("scope_division", 12),
        }
        if self.scope in needs:
            field, digits = needs[self.scope]
            if not self.scope_division_id or len(self.scope_division_id) != digits:
                raise ValidationError({field: "请选择与范围相符的区划 / pick a division of the scope's level"})
        if self.scope == Scope.GRID and not self.scope_grid_id:
            raise ValidationError({"scope_grid": "请选择网格 / pick a grid"})
        if (self.scope == Scope.DEPARTMENT or self.role == Role.HANDLER) and not self.department_id:
            raise ValidationError({"department": "处置人员须属于部门 / a department worker needs a department"})


class CommandCentre(models.Model):
    """A district's own command centre (区级指挥中心) under the jurisdiction's city centre.

    Where a district has an active centre, the stages the city has not kept for itself
    (CIVICLOOP_CITY_STAGES) run there for the district's cases: its staff (scope "district") file,
    dispatch to the district's departments, decide requests and close. Without one, the city
    centre runs the district's cases as before. cases/command.py applies this."""

    division = models.OneToOneField("geo.Division", models.PROTECT, related_name="command_centre",
                                    verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["division"]
        verbose_name = _("district command centre")
        verbose_name_plural = _("district command centres")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.division_id and len(self.division_id) != 6:
            raise ValidationError({"division": _("A command centre belongs to a county-level district (6 digits).")})


class HashedKey(models.Model):
    """A secret another system presents: a staff API token, a credit partner's, a hotline system's,
    an IoT device's or an Open311 client's key. Only its SHA-256 is stored (the secret is 32 random
    bytes: no password stretching needed) with a short prefix to find it by; the secret itself is
    shown once, when issued (`org/keys.py`). Revoked keys stay, so what they sent keeps its source."""

    kind = models.CharField(_("kind"), max_length=12, db_index=True)
    # Who holds it: a staff member's tokens name the user; the other kinds are pointed to by their
    # owner's row (Device.key, …), and `owner` says whose it is in lists.
    user = models.ForeignKey(User, models.CASCADE, null=True, blank=True, related_name="api_keys",
                             verbose_name=_("user"))
    owner = models.CharField(_("owner"), max_length=120, blank=True)
    label = models.CharField(_("label"), max_length=80, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("issued by"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "prefix"], name="hashedkey_kind_prefix")]

    def __str__(self) -> str:
        return f"{self.kind} {self.owner or self.label} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
