from django.contrib import admin

from designer.engine.models import Run, RunEvent, StepRun


class StepRunInline(admin.TabularInline):
    model = StepRun
    extra = 0
    fields = ("node_id", "status", "attempt", "reused", "worker_id", "exit_code", "reason")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["id", "pipeline", "pipeline_version", "user", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["pipeline__name", "user__username"]
    raw_id_fields = ["pipeline", "pipeline_version", "rerun_of"]
    inlines = [StepRunInline]


@admin.register(StepRun)
class StepRunAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "node_id", "status", "attempt", "reused", "worker_id"]
    list_filter = ["status", "reused", "queue"]
    search_fields = ["node_id", "cache_key", "worker_id"]
    raw_id_fields = ["run", "component_version", "reused_from"]


@admin.register(RunEvent)
class RunEventAdmin(admin.ModelAdmin):
    list_display = ["run", "seq", "type", "created_at"]
    list_filter = ["type"]
    raw_id_fields = ["run"]
