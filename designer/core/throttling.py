"""Sign-in abuse: failed passwords and bad tokens are counted per account and per address.

The counting is DRF's cache-backed sliding window (`SimpleRateThrottle`) with one change:
it counts *failures*, not requests, so a user who signs in correctly or uses a good token
is never slowed down, while guessing gets a 429 with `Retry-After` once the window is full
(and stays refused, right password included, until the window moves on). The cache is the
default Django cache: per process in embedded mode (one process), Redis in scale-out
(settings.py, CACHES), so every web process shares the counts.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class FailureWindow(SimpleRateThrottle):
    """The failures of one identity (an account or an address) in the last period."""

    def __init__(self, scope: str, ident: str, rate: str) -> None:
        self.scope = scope
        self.rate = rate
        count, duration = self.parse_rate(rate)
        assert count is not None and duration is not None  # a rate string always parses
        self.num_requests, self.duration = count, duration
        self.count, self.window = count, duration  # the same, typed without None
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        self.key = self.cache_format % {"scope": scope, "ident": digest}
        self.now = self.timer()
        cutoff = self.now - duration
        self.history = [t for t in self.cache.get(self.key, []) if t > cutoff]

    def blocked_for(self) -> float | None:
        """Seconds until one more attempt is allowed, or None if allowed now."""
        if len(self.history) < self.count:
            return None
        return max(1.0, self.window - (self.now - self.history[-1]))

    def record(self) -> None:
        self.throttle_success()  # DRF's "remember this timestamp", here for a failure


def client_address(request: Request) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry NUM_PROXIES proxies back (0: never XFF)."""
    return str(BaseThrottle().get_ident(request) or "unknown")


def _windows(request: Request | str, username: str | None, kind: str) -> list[FailureWindow]:
    address = request if isinstance(request, str) else client_address(request)
    windows = [FailureWindow(f"{kind}_address", address, _rate(f"{kind}_address"))]
    if username is not None:
        account = username.strip().casefold()
        windows.append(FailureWindow(f"{kind}_account", account, _rate(f"{kind}_account")))
    return windows


def _rate(scope: str) -> str:
    return str(settings.SIGNIN_THROTTLE_RATES[scope])


def _refuse(windows: list[FailureWindow], what: str) -> None:
    waits = [w for w in (window.blocked_for() for window in windows) if w is not None]
    if waits:
        wait = max(waits)
        raise Throttled(wait=wait, detail=f"Too many failed {what}; try again later.")


def signin_check(request: Request, username: str) -> list[FailureWindow]:
    """Raise Throttled (429, Retry-After) if this account or address failed too often.

    request: the sign-in request (login or token issue).
    username: the account being signed in to.
    Returns the windows to pass to `failed` if the password turns out wrong.
    """
    windows = _windows(request, username, "signin")
    _refuse(windows, "sign-ins")
    return windows


def token_check(request: Request | str) -> list[FailureWindow]:
    """Raise Throttled if this address presented too many bad tokens.

    request: the API request, or the client's address (a WebSocket's `scope["client"]`).
    """
    windows = _windows(request, None, "token")
    _refuse(windows, "token attempts")
    return windows


def failed(windows: list[FailureWindow]) -> None:
    """Count one failure against every window."""
    for window in windows:
        window.record()


class ThrottledModelBackend(ModelBackend):
    """Django's model backend, with the same failure counts for sign-ins outside the API.

    The API checks and counts in its views (a 429 with Retry-After); the admin's sign-in
    page only calls `authenticate()`, so here a throttled account or address is refused
    like a wrong password (the admin form cannot say 429).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None or request.path.startswith("/api/"):
            return super().authenticate(request, username, password, **kwargs)
        windows = _windows(_address_of(request), username, "signin")
        if any(window.blocked_for() is not None for window in windows):
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            failed(windows)
        return user


def _address_of(request: HttpRequest) -> str:
    return str(BaseThrottle().get_ident(request) or "unknown")  # type: ignore[arg-type]
