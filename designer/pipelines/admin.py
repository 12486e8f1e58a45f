from django.contrib import admin

from designer.pipelines.models import Pipeline, PipelineTemplate, PipelineVersion


class PipelineVersionInline(admin.TabularInline):
    model = PipelineVersion
    fields = ("number", "message", "author", "is_valid", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "latest_version", "updated_at", "archived_at")
    list_filter = ("archived_at",)
    search_fields = ("name", "description", "owner__username")
    inlines = [PipelineVersionInline]


@admin.register(PipelineVersion)
class PipelineVersionAdmin(admin.ModelAdmin):
    list_display = ("pipeline", "number", "author", "is_valid", "created_at")
    list_filter = ("is_valid",)
    search_fields = ("pipeline__name", "message")
    readonly_fields = ("document", "digest", "errors", "created_at")


@admin.register(PipelineTemplate)
class PipelineTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug", "description")
    readonly_fields = ("created_at",)
