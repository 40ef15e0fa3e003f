"""The JSON API (measures/api.py) fuzzed: every endpoint and method, generated bodies,
tokens and addresses. Never a server error; a refused write changes nothing.

Each endpoint is called with every HTTP method, with a valid token, a revoked one, junk
and none; its address with the team's own series, another team's, and absurd ids. The
points endpoint gets generated JSON: well-formed payloads with generated values (long
and unicode strings, NUL, negative, huge, NaN and infinite numbers, wrong types, missing
fields, repeated periods, odd expected versions), arbitrary JSON documents, and bytes
that are not JSON at all. A response other than 200 must leave every row of every table
as it was. Examples are rolled back one by one, like the forms' (test_fuzz_forms.py).
"""

import datetime as dt
import json
import math

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from measures.api import api_token_create
from measures.models import DataPointRevision
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.reliability.test_fuzz_forms import (
    NASTY,
    differences,
    fuzz_settings,
    junk_text,
    snapshot,
)

pytestmark = pytest.mark.django_db

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
MONTH = dt.date(2024, 3, 1)


@pytest.fixture
def world():
    cast = build_cast()
    lead = cast.users["lead"]
    token, key = api_token_create(team=cast.alpha, name="Their system", by=lead)
    revoked, revoked_key = api_token_create(team=cast.alpha, name="Old", by=lead)
    from django.utils import timezone

    revoked.revoked_at = timezone.now()
    revoked.save()
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(MONTH, 3, 250)],
        by=lead,
        source=DataPointRevision.Source.GRID,
    )
    return {
        "cast": cast,
        "key": key,
        "keys": [key, revoked_key, "", "collab_" + "x" * 43, key + "x", key[:12], "\x00"],
        "series": [
            cast.alpha_series.pk,  # the token's team's, with a denominator
            cast.alpha_custom_series.pk,  # the token's team's, weekly, no denominator
            cast.delta_series.pk,  # another team's
            0,
            2**31,
            10**25,
        ],
    }


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(),  # NaN and infinities too: json.dumps writes them, json.loads reads them
    junk_text,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(junk_text, inner, max_size=4),
    max_leaves=12,
)
period = st.one_of(
    st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)).map(dt.date.isoformat),
    st.sampled_from(["2024-01-01", "2024-03-01", MONTH.isoformat(), "2024-01-08"]),
    json_scalar,
)
number = st.one_of(
    st.integers(-5, 300),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.sampled_from(["3", "1e400", "NaN", "-Infinity", "1,000", "١٢", "", " 4 "]),
    st.none(),
    json_value,
)
point = st.fixed_dictionaries(
    {},
    optional={
        "period_start": period,
        "numerator": number,
        "denominator": number,
        "extra": json_value,
    },
)
payload = st.fixed_dictionaries(
    {},
    optional={
        "points": st.one_of(st.lists(point, max_size=5), json_value),
        "reason": st.one_of(junk_text, json_value),
        "expected_versions": st.one_of(
            st.dictionaries(
                period,
                st.one_of(st.integers(-(10**30), 10**30), st.floats(), json_value),
                max_size=3,
            ),
            json_value,
        ),
        "unexpected": json_value,
    },
)


def encode(document) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


DEEP = b"[" * 100_000 + b"]" * 100_000
body = st.one_of(
    payload.map(encode),
    json_value.map(encode),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"null",
            b"{",
            DEEP,
            b'{"points": ' + b"[" * 50_000,
            "\ufeff{}".encode(),
            '{"points": []}'.encode("utf-16"),
            b'{"points": [{"period_start": "2024-01-01", "numerator": 1e999}]}',
            b'{"points": [], "expected_versions": {"2024-01-01": Infinity}}',
            b'{"points": [], "expected_versions": {"2024-01-01": NaN}}',
            b'{"points": [], "expected_versions": {"2024-01-01": 1e400}}',
        ]
    ),
    st.sampled_from(NASTY).map(str.encode),
)
content_type = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
)


def call(client, method, path, data=b"", content_type="application/json", key=None):
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return client.generic(method, path, data, content_type=content_type, headers=headers)


def refused_writes_nothing(response, before, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code != 200:
        changed = differences(before, snapshot())
        assert changed == [], f"{what} answered {response.status_code} but wrote: {changed}"


def test_points_survive_generated_bodies_and_a_refused_write_changes_nothing(world):
    client = Client()
    before = snapshot()

    @fuzz_settings(ci=60, long=3000)
    @given(
        data=body,
        ctype=content_type,
        series=st.sampled_from(world["series"][:3]),
        method=st.sampled_from(["POST", "POST", "POST", "PUT", "PATCH"]),
    )
    def run(data, ctype, series, method):
        cache.clear()
        with transaction.atomic():
            path = f"/api/v1/series/{series}/points/"
            response = call(client, method, path, data, ctype, key=world["key"])
            refused_writes_nothing(response, before, f"{method} {path} {data[:200]!r}")
            if response.status_code == 200:
                assert set(response.json()) >= {"created", "updated", "data_version"}
            transaction.set_rollback(True)

    run()


def test_every_endpoint_and_method_answers_without_a_server_error(world):
    client = Client()
    before = snapshot()
    paths = ["/api/v1/series/", "/api/v1/openapi.json"] + [
        f"/api/v1/series/{pk}/{what}/" for pk in world["series"] for what in ("points", "chart")
    ]

    @fuzz_settings(ci=40, long=2000)
    @given(
        path=st.sampled_from(paths),
        method=st.sampled_from(METHODS),
        key=st.one_of(st.none(), st.sampled_from(world["keys"]), junk_text),
        data=st.one_of(st.just(b""), body),
    )
    def run(path, method, key, data):
        cache.clear()
        with transaction.atomic():
            try:
                response = call(client, method, path, data, key=key)
            except ValueError as e:
                # The test client refuses a header with a newline or NUL before sending:
                # no server would receive it.
                assert any(c in key for c in "\r\n\x00"), e
                transaction.set_rollback(True)
                return
            refused_writes_nothing(response, before, f"{method} {path}")
            transaction.set_rollback(True)

    run()


def test_json_nested_thousands_deep_is_a_bad_request(world):
    client = Client()
    pk = world["cast"].alpha_series.pk
    response = call(client, "POST", f"/api/v1/series/{pk}/points/", DEEP, key=world["key"])
    assert response.status_code == 400


def test_the_documented_call_works_through_the_same_path_the_fuzzing_used(world):
    """The fuzzing is no use if every call were refused: a good one is written."""
    client = Client()
    pk = world["cast"].alpha_series.pk
    doc = {"points": [{"period_start": "2024-04-01", "numerator": 5, "denominator": 260}]}
    response = call(client, "POST", f"/api/v1/series/{pk}/points/", encode(doc), key=world["key"])
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, 1e400, 10**30, "1", "x", None, [1]]
)
def test_an_odd_expected_version_is_a_bad_request_not_a_crash(world, value):
    client = Client()
    pk = world["cast"].alpha_series.pk
    doc = {
        "points": [{"period_start": MONTH.isoformat(), "numerator": 4, "denominator": 250}],
        "expected_versions": {MONTH.isoformat(): value},
    }
    before = snapshot()
    response = call(client, "POST", f"/api/v1/series/{pk}/points/", encode(doc), key=world["key"])
    assert response.status_code in (200, 400, 409)
    if response.status_code != 200:
        assert differences(before, snapshot()) == []


def test_every_nasty_value_in_every_field_is_refused_or_written_cleanly(world):
    """Deterministic, beside the random examples: each of the fuzzing's nasty strings in
    each field of a point and in the reason."""
    client = Client()
    pk = world["cast"].alpha_series.pk
    before = snapshot()
    good = {"period_start": "2024-04-01", "numerator": 5, "denominator": 260}
    for value in NASTY:
        for field in ("period_start", "numerator", "denominator", "reason"):
            doc = {"points": [dict(good)]}
            if field == "reason":
                doc["reason"] = value
            else:
                doc["points"][0][field] = value
            cache.clear()
            with transaction.atomic():
                response = call(
                    client, "POST", f"/api/v1/series/{pk}/points/", encode(doc), key=world["key"]
                )
                refused_writes_nothing(response, before, f"{field}={value[:40]!r}")
                transaction.set_rollback(True)
