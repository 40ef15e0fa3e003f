from django.contrib.auth import views as auth_views
from django.views.decorators.http import require_POST

from governance.forms import LoginForm

login_view = auth_views.LoginView.as_view(
    template_name="governance/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout_view = require_POST(auth_views.LogoutView.as_view())
