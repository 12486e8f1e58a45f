from django.contrib import admin

from designer.environments.models import EnvironmentVersion


@admin.register(EnvironmentVersion)
class EnvironmentVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "python", "hash", "created_by", "created_at")
    search_fields = ("name", "hash")
    readonly_fields = ("definition", "yaml", "python", "requirements", "hash", "warnings")
