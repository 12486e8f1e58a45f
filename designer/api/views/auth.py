"""Login for the browser (session + CSRF) and tokens for scripts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.serializers import LoginSerializer, TokenRequestSerializer
from designer.api.strict import refuse_body
from designer.core.models import ApiToken
from designer.core.selectors import tokens_visible_to
from designer.core.throttling import failed, signin_check


def _user_json(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "is_staff": user.is_staff}


def _credentials(request: Request, serializer_class: type) -> tuple[Any, dict[str, Any]]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    windows = signin_check(request, data["username"])  # 429 while this account is guessed at
    user = authenticate(request, username=data["username"], password=data["password"])
    if user is None:
        failed(windows)
        raise ApiError(400, "invalid_credentials", "Wrong username or password.")
    return user, data


def _token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
    }


class TokenView(APIView):
    """POST username+password for a new token; DELETE revokes the token in use."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        user, data = _credentials(request, TokenRequestSerializer)
        token, key = ApiToken.issue(user=user, name=data["name"])
        return Response({"token": key, **_token_json(token)}, status=status.HTTP_201_CREATED)


class TokenRevokeCurrentView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise ApiError(400, "no_token", "This request was not made with a token.")
        ApiToken.objects.filter(pk=request.auth.pk).update(revoked_at=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        tokens = tokens_visible_to(request.user)
        return Response([_token_json(t) for t in tokens])


class TokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        updated = (
            tokens_visible_to(request.user).filter(pk=token_id).update(revoked_at=timezone.now())
        )
        if not updated:
            raise ApiError(404, "not_found", f"You have no active token with id {token_id}.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Sets the csrftoken cookie that the browser app echoes in X-CSRFToken."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"detail": "CSRF cookie set"})


class LoginView(APIView):
    """Sign the browser in; like every session write it needs the CSRF token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=LoginSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        # DRF's check (not Django's decorator) so a refusal has the API's error shape.
        SessionAuthentication().enforce_csrf(request)
        user, _ = _credentials(request, LoginSerializer)
        login(request._request, user)
        return Response(_user_json(user))


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        refuse_body(request)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who is signed in; a visitor without a session gets 200 {authenticated: false}.

    The browser app probes this before it knows whether to show the login page, so not
    being signed in is an answer, not an error. A bad or revoked token is still a 401.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            return Response({"authenticated": False})
        return Response({"authenticated": True, **_user_json(request.user)})
