from django.contrib import admin

from designer.results.models import RunLabel


@admin.register(RunLabel)
class RunLabelAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "updated_at")
    search_fields = ("name", "description")
    raw_id_fields = ("run",)
