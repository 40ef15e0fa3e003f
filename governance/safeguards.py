"""Keeping patient-identifiable data out: the one NHS-number check for every text.

Collab stores only aggregated counts and rates (DESIGN.md). This module is the one check,
and it applies without any opt-in:

- models: every CharField and TextField of the project's apps (and the JSON fields that
  hold typed text) is checked on every save by a `pre_save` receiver (`guard_on_save`,
  connected in governance/apps.py), so no path (view, form, admin, API, task, shell)
  can store a number; `check_instance` does the same for the bulk writes that skip
  signals;
- forms: `governance.forms.NHSFormMixin`, the base of every form, checks every text
  field, including fields a form adds after its `__init__`;
- the API (measures/api.py) checks every string and number in a request body;
- imports (measures/imports.py) refuse a row with a number in any cell, and an upload
  whose file name holds one.

Only the fields in `EXEMPT` are left alone, each with its reason. tests/governance/
test_nhs_number_walk.py walks every form, model text field and API field by
introspection and fails when one is neither checked nor listed there.

An NHS number is ten digits whose last is a modulus-11 check digit (NHS Data Dictionary,
"NHS Number"):

1. multiply each of the first nine digits by its weight, 10 down to 2, and add them up;
2. divide by 11; the check digit is 11 minus the remainder;
3. a result of 11 means 0; a result of 10 means the number is not valid.

People write them in many ways, so the text is normalised first: digits separated by
any run of spaces (every kind of Unicode space, tabs, line breaks, zero-width
characters), dots, slashes, hyphens or dashes form one sequence of groups, in any
grouping (`943 476 5919`, `943.476.5919`, `9434 765 919`, `943  476\t5919`). Every run
of whole groups that makes exactly ten digits is checked. A bare run of more than ten
digits is not an NHS number. Ten digits that fail the check (most phone numbers) pass;
about 1 in 11 ten-digit strings pass it by chance, which is what `MESSAGE` explains.
"""

import functools
import json
import operator
import re
import unicodedata

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

# Between digits: any Unicode space or separator (Z*), tab, line break or zero-width
# character, and dots, slashes, backslashes, underscores, hyphens and dashes, repeated.
_SEPARATOR_CHARS = (
    r"\s\u00a0\u1680\u180e\u2000-\u200f\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
    r"./\\_\-\u2010-\u2015\u2212\u00b7\u2027\u30fb\ufe58\ufe63\uff0d\uff0e\uff0f"
)
# One sequence: digit groups joined by separators. Python's \d matches every script's
# decimal digits; unicodedata.decimal reads them.
_SEQUENCE = re.compile(rf"\d+(?:[{_SEPARATOR_CHARS}]+\d+)*")
_GROUP = re.compile(r"\d+")
# For a quick search over many values at once (`json_has_nhs_number`): ten digits in a row,
# once the separators are deleted, is where a sequence could hold an NHS number.
_TEN_DIGITS_IN_A_ROW = re.compile(r"\d{10}")
# An escape in JSON text: each is read as a separator (most stand for one: a line break, a
# tab, a backslash), so a number written across one is still found.
_JSON_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")

NHS_NUMBER_LENGTH = 10
_ASCII_DIGITS = "0123456789"
_TEN_DIGITS = 10 ** (NHS_NUMBER_LENGTH - 1)  # the least number with ten digits
_WEIGHTS = tuple(range(10, 1, -1))  # 10 down to 2, for the first nine digits

ADVICE = (
    "about 1 in 11 ten-digit numbers passes the NHS number check, so write it with a comma "
    "or a word between its groups, such as “012, 345, 6789” or “ref 012 and 345 6789”"
)
MESSAGE = (
    "Remove the NHS number (%(masked)s): Collab must not hold anything that could "
    f"identify a patient. If it is not an NHS number: {ADVICE}."
)
# For messages that name the field or cell themselves (an import row, an API field).
HOW_TO = (
    "looks like an NHS number, and Collab must not hold anything that could identify a "
    f"patient. If it is not one: {ADVICE}"
)


def is_valid_nhs_number(digits: str) -> bool:
    """Whether ten ASCII digits carry a valid modulus-11 check digit."""
    if len(digits) != NHS_NUMBER_LENGTH or not (digits.isascii() and digits.isdigit()):
        return False
    # Step 1 on the digits' byte values (ord("0") is 48), which keeps the loop in C.
    total = sum(map(operator.mul, digits[:9].encode(), _WEIGHTS)) - 48 * sum(_WEIGHTS)
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _ascii_digits(group: str) -> str:
    if group.isascii():
        return group
    return "".join(str(unicodedata.decimal(c)) for c in group)


def find_nhs_numbers(text) -> list[str]:
    """The NHS numbers in `text`, as ten ASCII digits each, however they are written.

    Linear in the text's length: each run of whole groups is found with two pointers,
    so a long text of single digits costs no more than a few passes over it.
    """
    if text is None:
        return []
    text = str(text)
    if text.isascii():
        # NFKC leaves ASCII as it is, and ten digits need ten digit characters: most
        # cells and values (a count, a date, a name) are done here, before any regex.
        if len(text) < NHS_NUMBER_LENGTH or sum(map(text.count, _ASCII_DIGITS)) < NHS_NUMBER_LENGTH:
            return []
    else:
        text = unicodedata.normalize("NFKC", text)
    found = {}
    for sequence in _SEQUENCE.finditer(text):
        groups = [_ascii_digits(g) for g in _GROUP.findall(sequence.group())]
        end, length = 0, 0  # groups[start:end] hold `length` digits
        for start in range(len(groups)):
            while end < len(groups) and length < NHS_NUMBER_LENGTH:
                length += len(groups[end])
                end += 1
            if length == NHS_NUMBER_LENGTH:
                digits = "".join(groups[start:end])
                if digits not in found and is_valid_nhs_number(digits):
                    found[digits] = None
            length -= len(groups[start])
    return list(found)


def contains_nhs_number(value) -> bool:
    return bool(find_nhs_numbers(value))


def reject_nhs_numbers(value) -> None:
    """A validator: refuse text that contains an NHS number, saying why and what to do."""
    numbers = find_nhs_numbers(value)
    if numbers:
        # Masked, so the error page does not repeat the number in full.
        masked = f"{numbers[0][:3]} *** ****"
        raise ValidationError(MESSAGE, code="nhs_number", params={"masked": masked})


def json_has_nhs_number(value) -> bool:
    """Whether any string, key or number inside a JSON value holds an NHS number.

    An import's preview holds some 400,000 keys and values: a check per value cost more
    than the import's own work. So the value is first written out as JSON once (C speed)
    and searched once, its separators deleted, for ten digits in a row (ten digits with
    only separators between them): JSON's quotes, commas and colons end a digit sequence, so no
    number spans two values, and JSON's escapes (a line break, a backslash) are read as
    separators, so the search finds every number the per-value check would, and more.
    NFKC, which `find_nhs_numbers` applies to text that is not ASCII, is applied to the
    whole: it maps each character on its own, so circled or full-width digits are seen.
    Only where the search finds ten digits is each value checked as `find_nhs_numbers`
    checks it, the one rule.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys JSON cannot hold: check value by value
        return any(map(find_nhs_numbers, _json_texts(value)))
    if "\\" in text:
        text = _JSON_ESCAPE.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not _TEN_DIGITS_IN_A_ROW.search(text.translate(_separators())):
        return False
    return any(map(find_nhs_numbers, _json_texts(value)))


@functools.cache
def _separators() -> dict:
    """Every separator character (all in the Basic Multilingual Plane), to delete with
    str.translate: built on first use, not at every process's start (11 ms)."""
    separator = re.compile(f"[{_SEPARATOR_CHARS}]")
    return dict.fromkeys(cp for cp in range(0x10000) if separator.match(chr(cp)))


def _json_texts(value):
    """Every string, key and number of ten digits or more inside `value`, as text. A walk
    with a stack rather than recursion (400,000 values)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif type(item) is int and -_TEN_DIGITS < item < _TEN_DIGITS:
            continue  # fewer than ten digits (row numbers, ids, versions)
        else:
            yield str(item)


# --- What is not checked, and why: the one list ------------------------------------------

PASSWORDS = "A password: a secret its owner chose, stored hashed, never shown or exported."
EMAILS = "An email address: checked as an address, and a person's contact, not a record."
URLS = "A URL: checked as a web address."
ODS_CODES = "An ODS code: an organisation's code from the NHS register, never free text."
TOKEN_KEYS = "A token key, or its hash or prefix: random characters made by the code."
CHOICES = "One value from a fixed list of choices, never free text."
DATES = "A date or time, parsed as one: printed with its time, its digits can pass the check."
MACHINE = (
    "Written by the code from checked inputs (hashes, worker names, computed charts, "
    "job errors, rendered reports), never typed."
)

EXEMPT: dict[str, str] = {
    # By kind of field, on forms and models alike.
    "password": PASSWORDS,  # a PasswordInput widget, or a field named password
    "EmailField": EMAILS,
    "URLField": URLS,
    "choices": CHOICES,  # a model field with choices, or a form ChoiceField
    "dates": DATES,  # a form DateField, DateTimeField or TimeField
    "SlugField": MACHINE,  # made from a name that is itself checked
    # By form field name.
    "ods_code": ODS_CODES,
    "username": EMAILS,  # the sign-in name, which is the person's email address
    # By model field, app_label.Model.field (or a whole model, app_label.Model).
    "collaboratives.Organisation.ods_code": ODS_CODES,
    "collaboratives.AHSN.code": ODS_CODES,
    "governance.Invitation.token_hash": TOKEN_KEYS,
    "measures.ApiToken.prefix": TOKEN_KEYS,
    "measures.ApiToken.key_hash": TOKEN_KEYS,
    "collaboratives.Team.pseudonym": MACHINE,
    "governance.AuditEntry.object_type": MACHINE,
    "governance.AuditEntry.object_repr": MACHINE,
    "measures.RecomputeJob.claimed_by": MACHINE,
    "measures.RecomputeJob.last_error": MACHINE,
    "measures.ChartResult": MACHINE,
    "measures.MeasureSettingChange.field": MACHINE,
    "measures.ImportBatch.content_sha256": MACHINE,
    "measures.ImportBatch.file_type": MACHINE,
    "dashboards.SustainAlert.rule": MACHINE,
    "dashboards.SustainAlert.status": MACHINE,
    "dashboards.SustainAlert.message": MACHINE,
    "dashboards.ReportingSummary.inputs_key": MACHINE,
    "reports.ContractReview.progress_note": MACHINE,
    "reports.ContractReview.claimed_by": MACHINE,
    "reports.ContractReview.last_error": MACHINE,
    "reports.ContractReview.html": MACHINE,
    "reports.ContractReview.document": MACHINE,
    "reports.ContractReview.data_versions": MACHINE,
    "measures.ImportBatch.result": MACHINE,
    "dashboards.ReportingSummary.payload": MACHINE,
    "governance.AuditEntry.changes": MACHINE,  # copies of fields as they were
    "auth.User.username": EMAILS,  # the sign-in name, which is the person's email address
    "auth.Permission": MACHINE,
}

# The keys of EXEMPT that name a form field (the others name kinds of field, or models).
EXEMPT_FORM_FIELD_NAMES = ("ods_code", "username")

# JSON fields that hold typed text, checked like text fields. Other JSON fields hold
# figures, ids or copies made by the code.
TEXT_JSON_FIELDS = {
    "reports.ContractReview.commentary",
    "measures.ImportBatch.findings",
}

# The apps whose models the check covers: the project's own, and Django's users and
# groups. Other third-party apps (sessions, login throttling, the admin's log) store
# what the code or the browser sends, never text a person types into Collab. (`demo` has
# no models of its own: it writes the others' rows, so any it adds later are covered.)
GUARDED_APPS = (
    "collaboratives",
    "measures",
    "governance",
    "dashboards",
    "reports",
    "demo",
    "auth",
)


def _label(field: models.Field) -> str:
    return f"{field.model._meta.label}.{field.name}"


def model_field_exemption(field: models.Field) -> str | None:
    """Why a model text field is not checked, from `EXEMPT`; None if it is checked."""
    label = _label(field)
    for key in (label, field.model._meta.label):
        if key in EXEMPT:
            return EXEMPT[key]
    if field.name == "password":
        return EXEMPT["password"]
    if isinstance(field, models.EmailField):
        return EXEMPT["EmailField"]
    if isinstance(field, models.URLField):
        return EXEMPT["URLField"]
    if isinstance(field, models.SlugField):
        return EXEMPT["SlugField"]
    if field.choices:
        return EXEMPT["choices"]
    return None


def guarded_model_fields(model) -> list[models.Field]:
    """The fields of `model` that the check covers: text, and the listed JSON fields."""
    if model._meta.app_label not in GUARDED_APPS:
        return []
    fields = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            if _label(field) in TEXT_JSON_FIELDS:
                fields.append(field)
        elif (
            isinstance(field, (models.CharField, models.TextField))
            and model_field_exemption(field) is None
        ):
            fields.append(field)
    return fields


def check_instance(instance, fields=None) -> None:
    """Raise ValidationError naming each field of `instance` that holds an NHS number
    (only those named in `fields`, if given)."""
    errors = {}
    for field in guarded_model_fields(type(instance)):
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        value = getattr(instance, field.attname)
        is_json = isinstance(field, models.JSONField)
        check = reject_nhs_numbers_in_json if is_json else reject_nhs_numbers
        try:
            check(value)
        except ValidationError as e:
            errors[field.name] = e
    if errors:
        raise ValidationError(errors)


def guard_on_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save: refuse to store an NHS number in any checked field of any model.

    A save of named fields checks those only, so a row stored before this check existed
    can still have its other fields saved. Loading fixtures (`raw`) is checked too: a
    fixture is text from outside.
    """
    check_instance(instance, update_fields)


def reject_nhs_numbers_in_json(value) -> None:
    """A validator for a JSON field of typed text."""
    if json_has_nhs_number(value):
        raise ValidationError(MESSAGE, code="nhs_number", params={"masked": "*** *** ****"})


def connect() -> None:
    """Check every guarded model field on both paths that store it.

    `full_clean` (ModelForms, the admin): the check joins each field's validators. It is
    appended to the field's computed `validators`, not to the arguments it was built with,
    so migrations do not see it. `save()` (everything else): the `pre_save` receiver.
    """
    for model in apps.get_models():
        for field in guarded_model_fields(model):
            is_json = isinstance(field, models.JSONField)
            validator = reject_nhs_numbers_in_json if is_json else reject_nhs_numbers
            if validator not in field.validators:
                field.validators.append(validator)
    models.signals.pre_save.connect(guard_on_save, dispatch_uid="governance.nhs_number_guard")
