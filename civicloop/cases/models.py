from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicloop.cases.rules import EVENT_CHOICES, Kind, Pending, State
from civicloop.org.roles import Role
from civicloop.org.scoping import ScopeFields, scope_filter
from civicloop.taxonomy.models import Priority
from civicloop.taxonomy.stages import Stage


class Channel(models.TextChoices):
    CITIZEN = "citizen", "群众随手拍 citizen snap-report"
    INSPECTOR = "inspector", "监督员上报 inspector patrol"
    GRID_WORKER = "grid_worker", "网格巡查 grid patrol"
    HOTLINE = "hotline", "12345热线 hotline"
    CAMERA = "camera", "视频识别 AI camera"
    SENSOR = "sensor", "物联感知 IoT sensor"
    QR = "qr", "扫码上报 QR code"
    REFERRAL = "referral", "上级交办 referral"
    SUPERVISION = "supervision", "督导组 supervision team"
    OTHER = "other", "其他 other"


def channel_of_role(role: str) -> str:
    """The channel of a report a staff member makes: patrols for inspectors and grid workers."""
    return {Role.INSPECTOR: Channel.INSPECTOR, Role.GRID_WORKER: Channel.GRID_WORKER}.get(role, Channel.OTHER)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The cases a staff member may see: org.scoping decides, from Case.scope_fields (conventions rule 3)."""
        return scope_filter(user, self)


class Case(models.Model):
    reference = models.CharField("案件编号 reference", max_length=24)
    channel = models.CharField("来源 channel", max_length=16, choices=Channel.choices)
    state = models.CharField("状态 state", max_length=16, choices=State.choices)
    kind = models.CharField("状态类别 kind", max_length=8, choices=Kind.choices)
    pending = models.CharField("待审批 pending", max_length=8, choices=Pending.choices, blank=True, default="")
    pending_data = models.JSONField("申请内容 request", default=dict, blank=True)
    client_key = models.CharField("客户端幂等键 client key", max_length=64, null=True, blank=True)
    # A case loaded from another system (cases.importing): that system's name and its id for the case.
    # Nullable so adding them to a big table is a plain ADD COLUMN, on SQLite too.
    source = models.CharField("来源系统 source", max_length=40, null=True, blank=True)
    external_id = models.CharField("外部编号 external id", max_length=64, null=True, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="reported_cases"
    )
    reporter_name = models.CharField("上报人 reporter", max_length=40, blank=True)
    reporter_phone = models.CharField("上报人电话 phone", max_length=20, blank=True)

    lon = models.FloatField("经度 longitude (WGS-84)")
    lat = models.FloatField("纬度 latitude (WGS-84)")
    address = models.CharField("地址 address", max_length=200, blank=True)
    grid = models.ForeignKey("geo.Grid", models.PROTECT, db_index=False, related_name="cases", verbose_name="网格 grid")
    community = models.ForeignKey("geo.Division", models.PROTECT, db_index=False, related_name="+", verbose_name="社区 community")
    street = models.ForeignKey("geo.Division", models.PROTECT, db_index=False, related_name="+", verbose_name="街道 street")
    # The nearest road's gazetteer code when reported (CASE_ROAD_METRES); a code, not a foreign key: cases
    # do not depend on the gazetteer's table (extensions.road_at). Null when no road was near or no gazetteer.
    road_code = models.CharField("道路 road", max_length=40, null=True, blank=True, db_index=True)

    category = models.ForeignKey(
        "taxonomy.Category", models.PROTECT, db_index=False, null=True, blank=True, related_name="cases", verbose_name="事项 category"
    )
    condition = models.CharField("立案条件 condition", max_length=60, blank=True)
    description = models.TextField("描述 description")
    priority = models.PositiveSmallIntegerField("优先级 priority", choices=Priority.choices, default=Priority.NORMAL)

    department = models.ForeignKey(
        "org.Department", models.PROTECT, db_index=False, null=True, blank=True, related_name="cases", verbose_name="责任部门 department"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="assigned_cases",
        verbose_name="处置人 assignee",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="inspected_cases",
        verbose_name="核实核查人 inspector",
    )
    duplicate_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name="重复于 duplicate of"
    )
    supervised = models.BooleanField("督办 supervised", default=False)
    # The city centre took this district case into its own hands (services.take_over_case;
    # cases/command.py): its centre's stages are the city's until it is handed back.
    taken_over = models.BooleanField(_("taken over by the city centre"), default=False)
    self_handled = models.BooleanField("自行处置 self-handled", default=False)
    report_verified = models.BooleanField("核实属实 verified", null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField("返工次数 reworks", default=0)
    return_count = models.PositiveSmallIntegerField("回退次数 returns", default=0)
    extension_count = models.PositiveSmallIntegerField("延期次数 extensions", default=0)

    reported_at = models.DateTimeField("上报时间 reported")
    filed_at = models.DateTimeField("立案时间 filed", null=True, blank=True)
    dispatched_at = models.DateTimeField("派遣时间 dispatched", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间 signed", null=True, blank=True)
    handled_at = models.DateTimeField("处置时间 handled", null=True, blank=True)
    checked_at = models.DateTimeField("核查时间 checked", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间 closed", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间 updated")
    # Staff made the reporter's description and photos public (services.set_public; cases.publicity
    # says who sees what). Null: not marked. Nullable so the column is a plain ADD COLUMN on SQLite too.
    published_at = models.DateTimeField("公开时间 made public", null=True, blank=True)

    # The running stage clock (rules.Clock); deadline and warn_at are None while paused.
    stage = models.CharField("当前环节 stage", max_length=10, choices=Stage.choices, blank=True, default="")
    stage_limit_seconds = models.FloatField(default=0)
    stage_working = models.BooleanField(default=True)
    stage_consumed = models.FloatField(default=0)
    stage_run_from = models.DateTimeField(null=True, blank=True)
    stage_deadline = models.DateTimeField("环节时限 deadline", null=True, blank=True)
    stage_warn_at = models.DateTimeField("预警时间 warning", null=True, blank=True)

    # Did each stage end within its limit? None: not reached (or ended without a verdict).
    verify_on_time = models.BooleanField("按时核实", null=True, blank=True)
    file_on_time = models.BooleanField("按时立案", null=True, blank=True)
    dispatch_on_time = models.BooleanField("按时派遣", null=True, blank=True)
    handle_on_time = models.BooleanField("按期处置", null=True, blank=True)
    check_on_time = models.BooleanField("按时核查", null=True, blank=True)
    close_on_time = models.BooleanField("按时结案", null=True, blank=True)

    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()
    scope_fields = ScopeFields(street="street", community="community", grid="grid", department="department")

    class Meta:
        verbose_name = "案件 case"
        verbose_name_plural = verbose_name
        # Constraints rather than unique=True: PostgreSQL then builds no extra LIKE-pattern index.
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="case_reference_unique"),
            models.UniqueConstraint(fields=["client_key"], name="case_client_key_unique"),
            # Partial: only imported cases are indexed, and SQLite adds it without rebuilding the table.
            models.UniqueConstraint(fields=["source", "external_id"], condition=models.Q(external_id__isnull=False),
                                    name="case_source_external_unique"),
        ]
        indexes = [
            models.Index(fields=["kind", "-reported_at", "-id"], name="case_kind_recent"),
            models.Index(fields=["-reported_at", "-id"], name="case_recent"),
            models.Index(fields=["state", "-reported_at", "-id"], name="case_state_recent"),
            # Scoped users list "my area, newest first"; with and without the open/closed kind.
            models.Index(fields=["street", "-reported_at", "-id"], name="case_street_recent"),
            models.Index(fields=["street", "kind", "-reported_at", "-id"], name="case_street_kind_recent"),
            models.Index(fields=["community", "-reported_at", "-id"], name="case_community_recent"),
            models.Index(fields=["grid", "-reported_at", "-id"], name="case_grid_recent"),
            models.Index(fields=["department", "-reported_at", "-id"], name="case_dept_recent"),
            models.Index(fields=["department", "kind", "-reported_at", "-id"], name="case_dept_kind_recent"),
            models.Index(fields=["category", "-reported_at", "-id"], name="case_category_recent"),
            models.Index(fields=["kind", "stage_deadline"], name="case_kind_deadline"),
            models.Index(fields=["kind", "stage_warn_at"], name="case_kind_warn"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEvent(models.Model):
    """One step of a case's life. Written once by services.py and never changed."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField("序号 seq")
    action = models.CharField("操作 action", max_length=24, choices=EVENT_CHOICES)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    actor_role = models.CharField("角色 role", max_length=20, blank=True)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    pending_from = models.CharField(max_length=8, blank=True, default="")
    pending_to = models.CharField(max_length=8, blank=True, default="")
    reason = models.TextField("说明 reason", blank=True)
    data = models.JSONField(default=dict, blank=True)
    stage = models.CharField("结束的环节 stage ended", max_length=10, blank=True, default="")
    on_time = models.BooleanField("按时 on time", null=True, blank=True)
    department = models.ForeignKey("org.Department", models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("时间 at")
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]
        indexes = [models.Index(fields=["action", "created_at"], name="event_action_time")]
        verbose_name = "案件日志 case event"
        verbose_name_plural = verbose_name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("case events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case events are immutable")


class CaseSequence(models.Model):
    """The daily counter behind case references: bumped in the creating transaction on SQLite; on
    PostgreSQL the day's sequence starts after it and leaves its count here when retired (serials.py)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Under the case's folder; `cases.attachments` names the copy and its thumbnail."""
    return f"cases/{instance.case.reported_at:%Y/%m}/{instance.case.reference}/{filename}"


class PrivateStorage(FileSystemStorage):
    """Uploads waiting for the worker: the bytes as sent, with their GPS; never served to anyone.
    The folder is read from settings on each use, like MEDIA_ROOT for the default storage."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return settings.PRIVATE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class Attachment(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", "上报照片 report photo"
        AFTER = "after", "处置照片 after photo"
        EVIDENCE = "evidence", "其他材料 evidence"

    class Status(models.TextChoices):
        READY = "ready", "可查看 ready"
        PENDING = "pending", "处理中 being processed"
        REFUSED = "refused", "无法读取 unreadable"

    case = models.ForeignKey(Case, models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CaseEvent, models.SET_NULL, null=True, blank=True, related_name="attachments")
    kind = models.CharField("类型 kind", max_length=10, choices=Kind.choices)
    # The copy everyone sees: upright, without metadata, at most CIVICLOOP_IMAGE_MAX_SIDE (re-encoded,
    # or the file as sent when it holds nothing but pixels — see cases.images). Otherwise the bytes as
    # sent are not kept: they carry the sender's GPS position and camera details.
    file = models.FileField(upload_to=attachment_path, max_length=200, blank=True)  # empty until ready
    thumbnail = models.FileField(upload_to=attachment_path, max_length=200, blank=True)  # JPEG, long side 320
    content_type = models.CharField(max_length=40)  # of `file`
    size = models.PositiveIntegerField()  # of `file`, in bytes
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_type = models.CharField(max_length=40, blank=True)  # as sent, sniffed from the bytes (HEIC → JPEG)
    sha256 = models.CharField(max_length=64)  # of the bytes as sent: finds the same photo sent twice
    phash = models.CharField(max_length=16, blank=True, db_index=True)  # images.difference_hash, once ready
    # Where, when and with what camera the photo was taken (EXIF), for staff only; empty unless
    # CIVICLOOP_IMAGE_KEEP_PRIVATE_META. Never put into `file` or `thumbnail`.
    private_meta = models.JSONField(default=dict, blank=True)
    original_name = models.CharField(max_length=120, blank=True)
    # A large photo is accepted after the quick checks (type, size, pixels) and made safe by the
    # worker (cases.attachments.process_pending), so a citizen on a phone waits for no decoding.
    status = models.CharField("状态 status", max_length=8, choices=Status.choices, default=Status.READY)
    upload = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200, blank=True)
    refusal = models.CharField("无法读取原因 refusal", max_length=200, blank=True)
    # A worker processing a pending photo holds it until then; a worker that died lets go by itself.
    claimed_until = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # A citizen who follows the case (not its reporter) sent it: theirs to see, others' only as
    # cases.publicity allows. Citizens are never deleted (citizens.personal leaves a tombstone): PROTECT.
    follower = models.ForeignKey("citizens.Citizen", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="关注者 follower")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件 attachment"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "id"], name="attachment_status")]


class PersonalDataView(models.Model):
    """A staff member saw a reporter's personal data in full (every such view is kept)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="+", verbose_name="案件 case")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="查看人 viewer")
    field = models.CharField("内容 field", max_length=30)
    where = models.CharField("位置 where", max_length=20)  # console, api, export, admin
    at = models.DateTimeField("时间 at", db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "个人信息查看记录 personal data view"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["case", "at"], name="pdv_case_time"),
                   models.Index(fields=["user", "at"], name="pdv_user_time")]
