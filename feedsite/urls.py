from django.contrib import admin
from django.urls import path

from feed import views as feed_views
from widget import views as widget_views

urlpatterns = [
    path("", widget_views.home, name="home"),
    path("w/<str:public_id>/", widget_views.widget_page, name="widget-page"),
    path("w/<str:public_id>/theme.css", widget_views.theme_css, name="widget-theme"),
    path("demo/partner/", widget_views.demo_partner_page, name="demo-partner"),
    path("livez", feed_views.livez, name="livez"),
    path("readyz", feed_views.readyz, name="readyz"),
    path("metrics", feed_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
]
