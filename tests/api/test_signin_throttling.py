"""Issue 10 §8: guessing passwords or tokens gets a 429 with Retry-After, per account, address."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
TOKEN = "/api/auth/token/"
ME = "/api/auth/me/"


def attempt(url: str, username: str, password: str, address: str = "10.0.0.1") -> Any:
    body = {"username": username, "password": password}
    if url == TOKEN:
        body["name"] = "script"
    return APIClient().post(url, body, format="json", REMOTE_ADDR=address)


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled" and set(body) == {"code", "message", "details"}


@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_forty_wrong_passwords_at_speed_get_429_before_the_right_one_is_accepted(
    owner: Any, url: str
) -> None:
    answers = [attempt(url, "olivia", f"wrong-{i}").status_code for i in range(40)]
    assert answers[0] == 400 and answers[-1] == 429
    assert 429 in answers[:20]
    assert_throttled(attempt(url, "olivia", "pw-olivia-1"))


@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_a_guessed_account_stays_refused_from_another_address(owner: Any, url: str) -> None:
    for i in range(40):
        attempt(url, "olivia", f"wrong-{i}", address="10.0.0.1")
    assert_throttled(attempt(url, "olivia", "pw-olivia-1", address="10.0.0.2"))


@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_another_account_from_another_address_is_unaffected(
    owner: Any, outsider: Any, url: str
) -> None:
    for i in range(40):
        attempt(url, "olivia", f"wrong-{i}", address="10.0.0.1")
    assert attempt(url, "oscar", "pw-oscar-1", address="10.0.0.2").status_code in (200, 201)


def test_one_address_guessing_many_accounts_is_throttled(owner: Any) -> None:
    answers = [attempt(LOGIN, f"user{i}", "wrong").status_code for i in range(40)]
    assert answers[-1] == 429
    assert_throttled(attempt(LOGIN, "olivia", "pw-olivia-1"))


def test_a_few_typos_then_the_right_password_sign_in(owner: Any) -> None:
    for i in range(3):
        assert attempt(LOGIN, "olivia", f"typo-{i}").status_code == 400
    assert attempt(LOGIN, "olivia", "pw-olivia-1").status_code == 200


def test_correct_sign_ins_are_never_throttled(owner: Any) -> None:
    for _ in range(40):
        assert attempt(TOKEN, "olivia", "pw-olivia-1").status_code == 201


def test_a_forged_x_forwarded_for_does_not_reset_the_address_count(owner: Any) -> None:
    client = APIClient()
    answers = [
        client.post(
            LOGIN,
            {"username": f"user{i}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        ).status_code
        for i in range(40)
    ]
    assert answers[-1] == 429


def test_bad_tokens_from_one_address_are_throttled(owner: Any) -> None:
    client = APIClient()
    answers = [
        client.get(ME, HTTP_AUTHORIZATION=f"Token guess-{i}", REMOTE_ADDR="10.0.0.3").status_code
        for i in range(40)
    ]
    assert answers[0] == 401 and answers[-1] == 429
    response = client.get(ME, HTTP_AUTHORIZATION="Token guess-x", REMOTE_ADDR="10.0.0.3")
    assert_throttled(response)


def test_good_tokens_from_another_address_still_work_while_one_is_throttled(
    owner: Any, api: Any
) -> None:
    client = APIClient()
    for i in range(40):
        client.get(ME, HTTP_AUTHORIZATION=f"Token guess-{i}", REMOTE_ADDR="10.0.0.3")
    assert api.get(ME, REMOTE_ADDR="10.0.0.4").status_code == 200


def test_good_tokens_are_never_throttled(api: Any) -> None:
    for _ in range(60):
        assert api.get(ME).status_code == 200


def test_the_admin_sign_in_page_stops_accepting_the_right_password_after_guessing(
    admin_user_: Any,
) -> None:
    from django.test import Client

    def admin_login(password: str) -> bool:
        client = Client(REMOTE_ADDR="10.0.0.7")
        client.post("/admin/login/", {"username": "ada", "password": password})
        return "_auth_user_id" in client.session

    assert not any(admin_login(f"wrong-{i}") for i in range(40))
    assert not admin_login("pw-ada-1")


def test_the_admin_sign_in_page_still_works_after_a_few_typos(admin_user_: Any) -> None:
    from django.test import Client

    client = Client()
    for i in range(3):
        client.post("/admin/login/", {"username": "ada", "password": f"typo-{i}"})
    client.post("/admin/login/", {"username": "ada", "password": "pw-ada-1"})
    assert "_auth_user_id" in client.session
