from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Clients are created with `bistand create-api-client NAME` (the key is shown only then); here an
    administrator can see them and turn them off."""

    list_display = ["name", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    fields = ["name", "key_prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["name", "key_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
