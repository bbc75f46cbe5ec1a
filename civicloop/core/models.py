from django.db import models
from django.utils.translation import gettext_lazy as _


class Revision(models.Model):
    """A counter per kind of cached data (grids, taxonomy config, calendar).

    Each process keeps grids and configuration in memory; whoever changes them bumps the
    counter inside the same transaction, and other processes notice on their next re-check.
    """

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "缓存版本 cache revision"
        verbose_name_plural = verbose_name


class AccessLog(models.Model):
    """A staff member saw or took a citizen's personal data (every such view is recorded).

    Append-only: nothing in the code updates a row, the admin cannot change or delete one, and the
    worker removes rows only after CIVICLOOP_ACCESS_LOG_KEEP_DAYS. Views of one case's reporter
    phone are in cases.PersonalDataView (kept with the case); this log holds the rest: citizen
    accounts in the admin, a reporter's name in the case panel, exports of a citizen's data.
    """

    at = models.DateTimeField("时间 at", db_index=True)
    user = models.ForeignKey("org.User", models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="查看人 viewer")
    username = models.CharField("用户名 username", max_length=150, blank=True)  # kept if the user is deleted
    what = models.CharField("内容 what", max_length=40)  # citizen.phone, reporter_name, citizen.export …
    subject = models.CharField("对象 subject", max_length=60)  # citizen:12, case:5325032026000123
    where = models.CharField("位置 where", max_length=20)  # console, api, admin, citizen
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "个人信息访问日志 personal data access log"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["subject", "at"], name="accesslog_subject_time"),
                   models.Index(fields=["user", "at"], name="accesslog_user_time")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("the access log is append-only")
        super().save(*args, **kwargs)


class Throttle(models.Model):
    """Counted tries by key, for limits that must hold across every app server (counted in the
    database, never in a process): failed guesses (a staff password, a citizen's sign-in code), an
    anonymous caller's look-ups, an Open311 key's POSTs. A row is a try at `at` (count > 1 only when
    tries share the instant) or a fixed window starting at `at` — `core/throttle.py`."""

    key = models.CharField(_("key"), max_length=120)
    at = models.DateTimeField(_("at"), db_index=True)
    count = models.PositiveIntegerField(_("count"), default=1)

    class Meta:
        verbose_name = _("counted try")
        verbose_name_plural = _("counted tries")
        # Also the index the counts are read by; the upserts name it (ON CONFLICT (key, at)).
        constraints = [models.UniqueConstraint(fields=["key", "at"], name="throttle_key_at")]


class ChangeRecord(models.Model):
    """One change to a piece of configuration (a routing rule, a time limit, a points rule, a staff
    member's role…): who, when, which object, the changed fields before and after, and through which
    door. Written by `core.changes.record` in the transaction that saves the change, so a change that
    rolls back leaves no record and a saved one always has its record.

    Append-only like AccessLog: nothing updates a row and the admin cannot change or delete one.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    class Via(models.TextChoices):
        CONSOLE = "console", _("console")
        ADMIN = "admin", _("admin")
        API = "api", _("API")
        COMMAND = "command", _("command")
        IMPORT = "import", _("import")

    at = models.DateTimeField(_("at"), db_index=True)
    user = models.ForeignKey("org.User", models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("changed by"))
    # The staff member's username (kept if the account is deleted) or a system label ("command:city init").
    actor = models.CharField(_("actor"), max_length=150)
    content_type = models.ForeignKey("contenttypes.ContentType", models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("kind"))
    # Text, not an integer: a few configuration rows are keyed by a code.
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    via = models.CharField(_("through"), max_length=10, choices=Via.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="change_object_time"),
                   models.Index(fields=["user", "at"], name="change_user_time")]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("the change log is append-only")
        super().save(*args, **kwargs)
