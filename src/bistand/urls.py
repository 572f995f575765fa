from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from bistand.api.api import api
from bistand.identity.views import StaffLoginView

admin.site.site_header = "Bistånd – administration"
admin.site.site_title = "Bistånd"

urlpatterns = [
    path("", RedirectView.as_view(url="/handlaggning/", permanent=False)),
    path("konto/logga-in/", StaffLoginView.as_view(), name="login"),
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("e-legitimation/", include("bistand.identity.urls")),
    path("e-tjanst/", include("bistand.portal.urls")),
    path("handlaggning/kommun/", include("bistand.tenancy.urls")),
    path("handlaggning/ansokningar/", include("bistand.applications.urls")),
    path("handlaggning/analys/", include("bistand.research.urls")),
    path("handlaggning/", include("bistand.staff.urls")),
    path("region/", include("bistand.staff.urls_region")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# The project's own Swedish error pages (bistand.errors); under DEBUG too, by OwnErrorPagesMiddleware.
handler404 = "bistand.errors.page_not_found"
handler500 = "bistand.errors.server_error"
