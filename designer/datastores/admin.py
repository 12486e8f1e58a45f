from django.contrib import admin

from designer.datastores.models import Dataset, Datastore, DatastoreGrant, RunInputDigest


class GrantInline(admin.TabularInline):
    model = DatastoreGrant
    fields = ("user", "group", "access")
    extra = 1


@admin.register(Datastore)
class DatastoreAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "root", "created_at")
    search_fields = ("name", "description")
    inlines = [GrantInline]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "sha256", "owner", "size", "type", "created_at")
    search_fields = ("name", "sha256", "owner__username")
    readonly_fields = ("owner", "sha256", "name", "size", "type", "created_at")


@admin.register(DatastoreGrant)
class DatastoreGrantAdmin(admin.ModelAdmin):
    list_display = ("datastore", "user", "group", "access", "created_at")
    list_filter = ("access",)
    raw_id_fields = ("user",)


@admin.register(RunInputDigest)
class RunInputDigestAdmin(admin.ModelAdmin):
    list_display = ("run", "reference", "sha256")
    search_fields = ("reference", "sha256")
    raw_id_fields = ("run",)
    readonly_fields = ("run", "reference", "sha256")
