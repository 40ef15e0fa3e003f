"""A small versioned JSON API for trusts' own systems: push data points, read charts.

Authenticated by a per-team token (`Authorization: Bearer <key>`), rate limited per
token, described by `openapi.json`. Writes go through the one write path with the same
validation, conflicts and history as the grid (source "api").
"""

import datetime as dt
import hashlib
import json
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from redis.exceptions import RedisError

from governance import access
from governance.safeguards import HOW_TO, find_nhs_numbers
from measures.models import ApiToken, ChartResult, DataPointRevision, Series
from measures.numbers import decimal_text
from measures.writes import DataPointConflict, DataPointInvalid, PointChange, datapoints_write

log = logging.getLogger(__name__)

RATE_LIMIT = getattr(settings, "COLLAB_API_RATE_LIMIT", 120)  # requests per token per minute
# Points in one write: a few years of weekly data, or a day's events for a year and a half.
# More is sent in several calls; each is all or nothing on its own.
MAX_POINTS = getattr(settings, "COLLAB_API_MAX_POINTS", 500)


def _has_lone_surrogate(value) -> bool:
    """Whether parsed JSON holds text that is not Unicode (a lone surrogate, "\\ud800"):
    JSON's escapes allow it, but it cannot be stored or shown."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def api_token_create(*, team, name: str, by) -> tuple[ApiToken, str]:
    """A new token for `team` and its key, which is never stored and shown only now."""
    key = f"collab_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        team=team,
        name=name,
        prefix=key[:12],
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        created_by=by,
    )
    return token, key


def nhs_number_paths(value, path: str = "") -> list[str]:
    """Where in a JSON body an NHS number is: every key, string and number is checked,
    so a field added to the API later is covered without opting in."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if find_nhs_numbers(key):
                found.append(f"{path or 'body'} (a key)")
            found.extend(nhs_number_paths(item, where))
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nhs_number_paths(item, f"{path}[{i}]")]
    if isinstance(value, bool) or value is None:
        return []
    return [path or "body"] if find_nhs_numbers(value) else []


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _rate_count(bucket: str) -> int:
    """This minute's requests of a token; 0 when the cache (Redis) is down, so that losing
    the broker's Redis for a while does not take the API down with it."""
    try:
        cache.add(bucket, 0, timeout=120)
        return cache.incr(bucket)
    except RedisError:
        log.warning("API rate limit not applied: the cache is unavailable", exc_info=True)
        return 0


def api_view(methods):
    """Token authentication, the rate limit and JSON errors around an API view."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(methods)
        def wrapped(request: HttpRequest, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            key = header[7:].strip() if header.startswith("Bearer ") else None
            token = access.api_token_for(key)
            if token is None:
                response = _error(401, "A valid, unrevoked API token is required.")
                response["WWW-Authenticate"] = 'Bearer realm="collab"'
                return response
            window = int(timezone.now().timestamp() // 60)
            bucket = f"api-rate:{token.key_hash[:24]}:{window}"
            if _rate_count(bucket) > RATE_LIMIT:
                response = _error(429, f"More than {RATE_LIMIT} requests a minute.")
                response["Retry-After"] = str(60 - int(timezone.now().timestamp()) % 60)
                return response
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            try:
                return view(request, token, *args, **kwargs)
            except Http404:
                return _error(404, "Not found.")
            except PermissionDenied:
                return _error(403, "This team's data cannot be changed now.")

        return wrapped

    return decorate


def _series_json(s: Series) -> dict:
    m = s.measure
    return {
        "id": s.pk,
        "measure": m.name,
        "frequency": m.frequency,
        "chart_type": m.chart_type,
        "has_denominator": m.has_denominator,
        "data_version": s.data_version,
    }


@api_view(["GET"])
def series_list(request: HttpRequest, token) -> JsonResponse:
    series = Series.objects.filter(team=token.team).select_related("measure").order_by("pk")
    return JsonResponse({"team": str(token.team), "series": [_series_json(s) for s in series]})


@api_view(["GET", "POST"])
def series_points(request: HttpRequest, token, pk: int) -> JsonResponse:
    """GET: the series' points. POST {"points": [...], "reason": "...", "expected_versions":
    {"2024-01-01": 1}}: write them, all or nothing."""
    if request.method == "GET":
        series = access.series_for_token(token, pk)
        points = [
            {
                "period_start": p.period_start.isoformat(),
                "numerator": decimal_text(p.numerator),
                "denominator": None if p.denominator is None else decimal_text(p.denominator),
                "version": p.version,
            }
            for p in series.points.all()
        ]
        return JsonResponse({"series": _series_json(series), "points": points})
    series = access.series_for_token(token, pk, access.EDIT_DATA)
    try:
        body = json.loads(request.body or b"{}")
        if _has_lone_surrogate(body):
            return _error(400, "The body holds text that is not valid Unicode (a lone surrogate).")
        where = nhs_number_paths(body)
        if where:
            # Named by place, never quoted: the error must not echo the number back.
            return _error(400, f"Nothing was written: {where[0]} {HOW_TO}.", fields=where)
        raw = body["points"]
        if not isinstance(raw, list):
            raise ValueError
        if len(raw) > MAX_POINTS:
            return _error(
                400, f"At most {MAX_POINTS} points in one call; send the rest in further calls."
            )
        changes = [
            PointChange(
                dt.date.fromisoformat(p["period_start"]),
                None if p.get("numerator") is None else str(p["numerator"]),
                None if p.get("denominator") is None else str(p["denominator"]),
            )
            for p in raw
        ]
        expected = body.get("expected_versions")
        expected = (
            {dt.date.fromisoformat(k): int(v) for k, v in expected.items()}
            if expected is not None
            else None
        )
        reason = str(body.get("reason", ""))[:500]
    # OverflowError: an expected version of Infinity (JSON allows it) has no int();
    # RecursionError: JSON nested thousands deep.
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
        return _error(
            400,
            f'The body must be JSON: {{"points": [{{"period_start": "2024-01-01", '
            f'"numerator": 3, "denominator": 250}}]}}, at most {MAX_POINTS} points.',
        )
    if len({c.period_start for c in changes}) != len(changes):
        return _error(400, "Each period may appear only once.")
    try:
        result = datapoints_write(
            series=series,
            changes=changes,
            by=token.created_by,
            source=DataPointRevision.Source.API,
            reason=reason or f"API token {token.name}",
            expected_versions=expected,
        )
    except DataPointInvalid as e:
        errors = [
            {"period_start": x.period_start.isoformat(), "field": x.field, "reason": x.reason}
            for x in e.errors
        ]
        return _error(400, "Some points are not valid; nothing was written.", errors=errors)
    except DataPointConflict as e:
        periods = [p.isoformat() for p in e.periods]
        return _error(409, "Changed since you read them; nothing was written.", periods=periods)
    return JsonResponse(
        {
            "created": result.created,
            "updated": result.updated,
            "cleared": result.cleared,
            "unchanged": result.unchanged,
            "data_version": result.data_version,
        }
    )


@api_view(["GET"])
def series_chart(request: HttpRequest, token, pk: int) -> JsonResponse:
    """The newest chart result: its points, limits and signals, counted to the latest
    complete period (`complete_through`), and the points entered after it (`in_progress`)."""
    series = access.series_for_token(token, pk)
    result = ChartResult.objects.filter(series=series).order_by("-computed_at").first()
    if result is None:
        return JsonResponse({"series": _series_json(series), "chart": None})
    fields = ["x", "y", "cl", "lcl", "ucl", "special_cause", "point_type", "rule", "phase"]
    chart = {name: getattr(result, name) for name in fields}
    chart.update(
        chart=result.chart,
        status=result.status,
        variation=result.variation,
        assurance=result.assurance,
        summary=result.summary,
        computed_at=result.computed_at.isoformat(),
        # complete periods only: the points above end here; later ones are not judged yet
        complete_through=result.complete_through and result.complete_through.isoformat(),
        in_progress=result.in_progress,
    )
    return JsonResponse({"series": _series_json(series), "chart": chart})


def openapi(request: HttpRequest) -> JsonResponse:
    """The OpenAPI 3.1 description of this API."""
    point = {
        "type": "object",
        "required": ["period_start", "numerator"],
        "properties": {
            "period_start": {"type": "string", "format": "date"},
            "numerator": {"type": ["number", "string", "null"]},
            "denominator": {"type": ["number", "string", "null"]},
        },
    }
    error = {"description": "An error", "content": {"application/json": {}}}
    ok = {"description": "OK", "content": {"application/json": {}}}
    common = {"401": error, "404": error, "429": error}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Collab measure data API", "version": "1"},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
        "paths": {
            "/api/v1/series/": {
                "get": {"summary": "The team's series", "responses": {"200": ok, **common}}
            },
            "/api/v1/series/{id}/points/": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "get": {"summary": "The series' data points", "responses": {"200": ok, **common}},
                "post": {
                    "summary": "Write data points, all or nothing",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["points"],
                                    "properties": {
                                        "points": {
                                            "type": "array",
                                            "items": point,
                                            "maxItems": MAX_POINTS,
                                        },
                                        "reason": {"type": "string"},
                                        "expected_versions": {
                                            "type": "object",
                                            "additionalProperties": {"type": "integer"},
                                        },
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"200": ok, "400": error, "403": error, "409": error, **common},
                },
            },
            "/api/v1/series/{id}/chart/": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "get": {"summary": "The newest chart result", "responses": {"200": ok, **common}},
            },
        },
    }
    return JsonResponse(doc)
