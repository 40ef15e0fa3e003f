"""Text two people can edit carries a version, checked as data points are.

The form carries the version its page was opened at. Saving first claims the row with a
conditional UPDATE (`WHERE version = <what the page saw>`, bumping it), then writes, in
one transaction: a second person saving what they opened before the first save finds
the version moved, and nothing of theirs is written (measures/writes.py does the same
for data points). Their page shows the newer text and keeps what they typed, to enter
again on purpose.
"""

from django import forms
from django.db.models import F


class EditConflict(Exception):
    """Someone else saved this since the caller opened it; nothing was written."""


def version_claim(model, *, pk, field: str, expected: int) -> int:
    """Bump `model`'s `field` on row `pk` if it is still `expected`; the new version.
    Call inside the transaction that then writes the text. Raises EditConflict."""
    rows = model.objects.filter(pk=pk, **{field: expected}).update(**{field: F(field) + 1})
    if rows != 1:
        raise EditConflict
    return expected + 1


def version_field(initial: int) -> forms.IntegerField:
    """The hidden field a versioned form carries: the version its page was opened at."""
    return forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, initial=initial, required=False
    )


def conflict_message(theirs: str = "") -> str:
    """What a person whose save lost is told; `theirs`, the text now stored, is quoted."""
    now = f" It now reads: “{theirs[:200]}{'…' if len(theirs) > 200 else ''}”." if theirs else ""
    return (
        f"Someone else saved this since you opened the page, so yours was not saved.{now} "
        "Your text is still in the box: save again to replace theirs."
    )
