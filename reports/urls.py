from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.review_home, name="review_home"),
    path("reports/ahsns/<int:pk>/", views.review_list, name="review_list"),
    path("reports/<int:pk>/", views.review_detail, name="review_detail"),
    path("reports/<int:pk>/commentary/", views.review_commentary, name="review_commentary"),
    path("reports/<int:pk>/sign-off/", views.review_sign_off, name="review_sign_off"),
    path("reports/<int:pk>/rebuild/", views.review_rebuild_view, name="review_rebuild"),
    path("reports/<int:pk>/download/<str:fmt>/", views.review_download, name="review_download"),
]
