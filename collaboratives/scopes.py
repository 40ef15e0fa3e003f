"""Which collaboratives belong to an AHSN: the one rule, as a filter.

Free of models so that `governance.scopes` (the access rules the models apply) can import it
at the top without a cycle.
Every page, summary, alert and report reaches it through `Collaborative.objects.of_ahsn`
or, when filtering another model or several AHSNs at once, through `of_ahsns_q`.
"""

from collections.abc import Iterable

from django.db.models import Q


def of_ahsns_q(ahsns: Iterable, prefix: str = "") -> Q:
    """Collaboratives that any of `ahsns` (AHSNs or their ids) leads or partners in.

    `prefix` reaches the collaborative from another model, e.g. "team__collaborative__".
    The partner side joins a many-to-many table: callers listing rows add `.distinct()`.
    """
    ahsns = list(ahsns)
    if not ahsns:
        # No row, and no join: an empty `__in` still joins the partner table for nothing.
        return Q(pk__in=[])
    return Q(**{f"{prefix}lead_ahsn__in": ahsns}) | Q(**{f"{prefix}partner_ahsns__in": ahsns})
