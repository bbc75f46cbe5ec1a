from __future__ import annotations

from django.db import models


class ClassifierModel(models.Model):
    """One trained model: its file under CLASSIFIER_DIR, what it learnt from, and how well it did.

    Versions only grow; exactly one model is active (the one the console asks). Older files stay
    so a bad retraining can be undone by activating the previous version in the admin.
    """

    class Source(models.TextChoices):
        COLD_START = "cold_start", "冷启动（类别名称与关键词） cold start"
        CASES = "cases", "本市已立案案件 the city's filed cases"
        FILE = "file", "导入的标注文件 labelled file"

    version = models.PositiveIntegerField("版本 version", unique=True)
    source = models.CharField("训练数据 source", max_length=12, choices=Source.choices)
    path = models.CharField("模型文件 file", max_length=200, help_text="相对于模型目录 / relative to CLASSIFIER_DIR")
    samples = models.PositiveIntegerField("训练样本数 samples", default=0)
    labels = models.PositiveIntegerField("类别数 labels", default=0)
    # The last FILE event whose label went into training: retraining counts the labels since.
    last_event_id = models.BigIntegerField("最后标注事件 last label event", default=0)
    accuracy = models.FloatField("准确率 accuracy", null=True, blank=True)
    macro_f1 = models.FloatField("宏平均F1 macro-F1", null=True, blank=True)
    scores = models.JSONField("评估 scores", default=dict, blank=True)
    active = models.BooleanField("启用 active", default=False)
    created_at = models.DateTimeField("训练时间 trained", auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=models.Q(active=True),
                                               name="classifier_one_active")]
        verbose_name = "分类模型 classifier model"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"v{self.version} {self.get_source_display()}"
