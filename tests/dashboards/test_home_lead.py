"""The trust lead's home: each measure's verdict and its team's place among its peers, read
by the same functions as the team's dashboard and chart page (dashboards.claims,
dashboards.peers through team_peer_position); never another organisation's team."""

import pytest

from dashboards import claims
from dashboards.home import lead_sections
from dashboards.peers import team_peer_position
from governance import disclosure
from measures.models import ChartResult
from tests.dashboards.home_world import home_text, world  # noqa: F401 (a fixture)
from tests.dashboards.portfolio_world import TODAY

pytestmark = pytest.mark.django_db


def test_each_measure_says_its_verdict_and_peer_position(world):  # noqa: F811
    lead = world.users["lead"]
    (section,) = lead_sections(lead, TODAY)
    assert section.team == world.alpha
    said = claims.team_claims(world.alpha, day=TODAY)
    assert [m.name for m in section.measures] == [v.name for v in said.verdicts]
    (line,) = section.measures
    assert line.status == said.verdicts[0].status == claims.IMPROVED
    peers, _ = team_peer_position(world.alpha_series, lead, disclosure.scope_for(lead, world.falls))
    assert line.peers == peers
    result = ChartResult.objects.filter(series=world.alpha_series).latest_per_series().get()
    assert line.summary == result.summary
    assert section.tally.words == said.measures.words == "1 of 1 measure improved"

    text = home_text(lead)
    assert f"Your team: {world.alpha}" in text
    assert "Improved" in text and peers.words in text and result.summary in text
    # The tally counts fewer measures than the table lists (balancing ones are not counted):
    # it says which it counts, in the team dashboard's words (dashboards/_measures_improved).
    assert (
        "1 of 1 measure improved in Falls (outcome and process measures of the "
        "collaborative's set; a gain counts only where it still holds)"
    ) in text


def test_a_teams_own_measure_is_not_in_the_set_and_not_listed(world):  # noqa: F811
    (section,) = lead_sections(world.users["lead"], TODAY)
    assert "Alpha's own audit" not in [m.name for m in section.measures]


def test_no_other_team_appears(world):  # noqa: F811
    text = home_text(world.users["lead"])
    for other in (world.beta, world.gamma, world.delta):
        assert other.organisation.name not in text
    (beta,) = lead_sections(world.users["beta_lead"], TODAY)
    assert beta.team == world.beta
    assert world.alpha.organisation.name not in home_text(world.users["beta_lead"])


def test_only_those_with_a_team_get_the_section(world):  # noqa: F811
    assert lead_sections(world.users["member"], TODAY)[0].team == world.alpha
    for who in ("manager", "faculty", "director", "national", "outsider"):
        assert lead_sections(world.users[who], TODAY) == []
        assert "Your team:" not in home_text(world.users[who])
