"""One viewer reading one cached fragment, for the fragment cache's tests
(test_fragment_cache*.py): its answer, the answer built with the cache off, and the
fragment's hits and misses (dashboards.fragments.stats)."""

from tests.cast import client_for


class Reader:
    """One viewer asking for one fragment's answer (`url` with `headers`), counting the
    fragment's hits and misses (dashboards.fragments.stats)."""

    def __init__(self, fragments, settings, user, name, url, headers, part=None):
        self.fragments, self.settings, self.name = fragments, settings, name
        self.client = client_for(user)
        self.url, self.headers, self.part = url, headers, part

    def get(self) -> str:
        response = self.client.get(self.url, headers=self.headers)
        assert response.status_code == 200
        text = response.content.decode()
        return self.part(text) if self.part else text

    def built(self) -> str:
        """The answer built with the cache off: what the cached answer must equal."""
        self.settings.COLLAB_FRAGMENT_CACHE = False
        try:
            return self.get()
        finally:
            self.settings.COLLAB_FRAGMENT_CACHE = True

    def counts(self) -> tuple[int, int]:
        stats = self.fragments.stats
        return stats[(self.name, "hit")], stats[(self.name, "miss")]


def render_twice(r: Reader) -> str:
    """Render, then render unchanged: the second answer comes from the cache."""
    first = r.get()
    hits, misses = r.counts()
    assert r.get() == first
    assert r.counts() == (hits + 1, misses), "an unchanged render must be a cache hit"
    return first
