from django.contrib import admin

from civicloop.appraisals.models import Appraisal, Criterion, Entry, Photo


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 1


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 1


@admin.register(Appraisal)
class AppraisalAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "like_threshold", "created_at", "published_at")
    filter_horizontal = ("judges",)
    inlines = [CriterionInline]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("title", "appraisal", "owner", "likes")
    list_filter = ("appraisal",)
    inlines = [PhotoInline]
