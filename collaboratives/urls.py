from django.urls import path

from collaboratives import views

urlpatterns = [
    path("", views.home, name="home"),
]
