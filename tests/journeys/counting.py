"""Counting a journey's actions: `Counted` wraps the Playwright page so that each user
action (click, fill, press, select, check) adds one, and every journey imports it from
here. A journey prints `journey NAME: N actions` and asserts N, never a time."""


class Counted:
    """The page, with each user action (click, fill, press, select, check) counted."""

    def __init__(self, page):
        self.page = page
        self.actions = 0

    def _target(self, target):
        return self.page.locator(target) if isinstance(target, str) else target

    def click(self, target, **kwargs):
        self.actions += 1
        self._target(target).click(**kwargs)

    def fill(self, target, value: str, **kwargs):
        self.actions += 1
        self._target(target).fill(value, **kwargs)

    def press(self, target, key: str, **kwargs):
        self.actions += 1
        self._target(target).press(key, **kwargs)

    def select_option(self, target, *args, **kwargs):
        self.actions += 1
        self._target(target).select_option(*args, **kwargs)

    def check(self, target, **kwargs):
        self.actions += 1
        self._target(target).check(**kwargs)
