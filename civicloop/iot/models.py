from django.db import models


class Device(models.Model):
    """A camera or sensor. Its token (HTTP bearer, and the MQTT password where the broker checks
    passwords) is an `org.HashedKey` of kind "device": shown once when issued, only its hash is kept."""

    class Kind(models.TextChoices):
        CAMERA = "camera", "视频识别 AI camera"
        SENSOR = "sensor", "物联感知 sensor"

    device_id = models.SlugField("设备编号 device id", max_length=64, unique=True)
    name = models.CharField("名称 name", max_length=80)
    kind = models.CharField("类型 kind", max_length=10, choices=Kind.choices, default=Kind.CAMERA)
    key = models.OneToOneField("org.HashedKey", models.PROTECT, null=True, blank=True, related_name="+",
                               editable=False)
    # The facilities app's id, as a plain value: this app works with or without that one.
    facility_id = models.CharField("设施编号 facility", max_length=64, blank=True, db_index=True)
    lon = models.FloatField("经度 lon (WGS-84)")
    lat = models.FloatField("纬度 lat (WGS-84)")
    address = models.CharField("地址 address", max_length=200, blank=True)
    active = models.BooleanField("启用 active", default=True)
    last_seen_at = models.DateTimeField("最近上报 last seen", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "感知设备 device"
        verbose_name_plural = verbose_name
        ordering = ["device_id"]

    def __str__(self):
        return f"{self.device_id} {self.name}"

class Rule(models.Model):
    """When an event of this type (from this device, this facility, or any device) opens a case.

    The most specific active rule wins: device, then facility, then any device. The event's value
    must reach the threshold (no threshold: every event counts). While the last case for the
    device and category is open, or was opened less than the cool-down ago, events become its
    evidence instead of a new case."""

    name = models.CharField("名称 name", max_length=80)
    event_type = models.CharField("事件类型 event type", max_length=40, db_index=True)
    device = models.ForeignKey(Device, models.CASCADE, null=True, blank=True, related_name="rules",
                               verbose_name="设备 device")
    facility_id = models.CharField("设施编号 facility", max_length=64, blank=True)
    category = models.CharField("事项分类 category", max_length=5)
    threshold = models.FloatField("阈值 threshold (value ≥)", null=True, blank=True)
    cooldown_minutes = models.PositiveIntegerField("冷却时间 cool-down (minutes)", default=60)
    active = models.BooleanField("启用 active", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "识别规则 rule"
        verbose_name_plural = verbose_name
        ordering = ["event_type", "id"]

    def __str__(self):
        return self.name

    @property
    def scope(self) -> str:
        if self.device_id:
            return "device"
        return "facility" if self.facility_id else "any"


class Event(models.Model):
    """One event a device sent, stored before any rule runs: a failing rule loses nothing, and a
    repeat (MQTT's at-least-once, a retried HTTP call) is the same (device, event id) row."""

    class Status(models.TextChoices):
        NEW = "new", "待处理 new"
        DONE = "done", "已处理 done"
        FAILED = "failed", "处理失败 failed"

    device = models.ForeignKey(Device, models.CASCADE, related_name="events")
    event_id = models.CharField("事件编号 event id", max_length=64)
    type = models.CharField("类型 type", max_length=40)
    value = models.FloatField("数值 value", null=True, blank=True)
    occurred_at = models.DateTimeField("发生时间 occurred")
    received_at = models.DateTimeField("接收时间 received")
    payload = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=4, default="mqtt")  # mqtt | http
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    # What the rules made of it: opened, evidence, cooldown, below_threshold, no_rule, error.
    outcome = models.CharField("结果 outcome", max_length=16, blank=True)
    error = models.CharField("错误 error", max_length=300, blank=True)
    rule = models.ForeignKey(Rule, models.SET_NULL, null=True, blank=True, related_name="+")
    case = models.ForeignKey("cases.Case", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "感知事件 event"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="iot_event_once")]
        indexes = [models.Index(fields=["status", "id"], name="iot_event_status")]


class Alarm(models.Model):
    """A case a rule opened for a device and category: the storm's one case. Later events of the
    same device and category are linked to it as Evidence while it is open (or cooling down)."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="alarms")
    category = models.CharField(max_length=5)
    case = models.OneToOneField("cases.Case", models.CASCADE, related_name="iot_alarm")
    # "<device pk>:<category>" while the case is open, NULL after (signals.py): the database itself
    # keeps a storm to one open case per device and category, whichever process sees it.
    open_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    rule = models.ForeignKey(Rule, models.SET_NULL, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField()
    events = models.PositiveIntegerField("事件数 events", default=1)
    last_event_at = models.DateTimeField()

    class Meta:
        verbose_name = "设备告警 alarm"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["device", "category", "-opened_at"], name="iot_alarm_latest")]


class Evidence(models.Model):
    """An event attached to an alarm's case (the first one opened it)."""

    alarm = models.ForeignKey(Alarm, models.CASCADE, related_name="evidence")
    event = models.OneToOneField(Event, models.CASCADE, related_name="evidence")

    class Meta:
        verbose_name = "事件证据 evidence"
        verbose_name_plural = verbose_name
