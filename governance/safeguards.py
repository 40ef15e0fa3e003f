"""Keeping patient-identifiable data out: the NHS-number check for free text.

Collab stores only aggregated counts and rates (DESIGN.md). Every form with free text
(PDSA notes, annotations, comments, design record entries, imported text) runs its
text through `reject_nhs_numbers`, or inherits `NoNHSNumbersMixin`, which does it for
every text field of the form.

An NHS number is ten digits whose last is a modulus-11 check digit, written together
or as 3-3-4 with spaces or hyphens (NHS Data Dictionary, "NHS Number"):

1. multiply each of the first nine digits by its weight, 10 down to 2, and add them up;
2. divide by 11; the check digit is 11 minus the remainder;
3. a result of 11 means 0; a result of 10 means the number is not valid.

Ten digits that fail the check are not an NHS number (a phone number, say), so they pass.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# Ten digits, alone or as 3-3-4 groups split by one space or hyphen, not part of a longer number.
CANDIDATE = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")

MESSAGE = (
    "Remove the NHS number (%(masked)s): Collab must not hold anything that could "
    "identify a patient. If it is not an NHS number, write it another way."
)


def is_valid_nhs_number(digits: str) -> bool:
    """Whether ten digits carry a valid modulus-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_nhs_numbers(text: str) -> list[str]:
    """The NHS numbers in `text`, as ten digits each."""
    found = []
    for match in CANDIDATE.finditer(text or ""):
        digits = "".join(match.groups())
        if is_valid_nhs_number(digits):
            found.append(digits)
    return found


def reject_nhs_numbers(value) -> None:
    """A validator: refuse text that contains an NHS number, saying why."""
    numbers = find_nhs_numbers(str(value or ""))
    if numbers:
        # Masked, so the error page does not repeat the number in full.
        masked = f"{numbers[0][:3]} *** ****"
        raise ValidationError(MESSAGE, code="nhs_number", params={"masked": masked})


class NoNHSNumbersMixin:
    """For a Form or ModelForm: check every free-text field for NHS numbers.

    Email, password, number and choice fields are left alone; text and character
    fields get `reject_nhs_numbers` as one more validator.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field, (forms.EmailField, forms.URLField))
                and not isinstance(field.widget, forms.PasswordInput)
                and reject_nhs_numbers not in field.validators
            ):
                field.validators.append(reject_nhs_numbers)
