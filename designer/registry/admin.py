from django.contrib import admin

from designer.registry.models import Component, ComponentVersion


class ComponentVersionInline(admin.TabularInline):
    model = ComponentVersion
    fields = ("version", "display_name", "digest", "source", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "owner_group", "created_at", "updated_at")
    search_fields = ("name", "owner__username", "owner_group__name")
    inlines = [ComponentVersionInline]


@admin.register(ComponentVersion)
class ComponentVersionAdmin(admin.ModelAdmin):
    list_display = ("component", "version", "display_name", "source", "digest", "created_at")
    list_filter = ("source", "is_deterministic")
    search_fields = ("component__name", "display_name", "description")
    readonly_fields = ("digest", "code_digest", "code_path", "spec", "yaml", "created_at")
