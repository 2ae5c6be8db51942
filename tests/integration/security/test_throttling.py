"""Guessing passwords is throttled: per account, and per address across accounts. While throttled even the right
password is refused, and other people elsewhere can still log in."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD


async def log_in(client, username: str, password: str, ip: str):
    # The app sits behind the documented reverse proxy on loopback, so X-Forwarded-For is the caller's address.
    return await client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers={"X-Forwarded-For": ip}
    )


async def test_a_throttled_account_refuses_even_the_right_password_but_others_still_log_in(client, make, settings):
    target, bystander = await make.user(role="surveyor"), await make.user(role="surveyor")
    for attempt in range(settings.login_failures_per_user):
        assert (await log_in(client, target.username, f"tebakan-{attempt}", "203.0.113.7")).status_code == 401

    right_password = await log_in(client, target.username, TEST_PASSWORD, "198.51.100.20")

    assert right_password.status_code == 429
    assert int(right_password.headers["retry-after"]) > 0
    assert right_password.json()["code"] == "auth.throttled"
    assert (await log_in(client, bystander.username, TEST_PASSWORD, "198.51.100.21")).status_code == 200


async def test_guessing_across_many_accounts_from_one_address_is_throttled(client, make, settings):
    user = await make.user(role="surveyor")
    for attempt in range(settings.login_failures_per_ip):
        answer = await log_in(client, f"tebak{attempt}", "salah", "203.0.113.50")
        assert answer.status_code == 401, attempt

    from_that_address = await log_in(client, user.username, TEST_PASSWORD, "203.0.113.50")
    from_elsewhere = await log_in(client, user.username, TEST_PASSWORD, "203.0.113.51")

    assert from_that_address.status_code == 429
    assert from_elsewhere.status_code == 200


async def test_addresses_a_guesser_writes_into_x_forwarded_for_do_not_escape_the_throttle(client, make, settings):
    # The proxy appends the address it was called from; whatever the caller sent sits to the left of it.
    user = await make.user(role="surveyor")
    for attempt in range(settings.login_failures_per_ip):
        answer = await log_in(client, f"tebak{attempt}", "salah", f"198.18.0.{attempt}, 203.0.113.60")
        assert answer.status_code == 401, attempt

    spoofed_again = await log_in(client, user.username, TEST_PASSWORD, "198.18.1.1, 203.0.113.60")

    assert spoofed_again.status_code == 429
