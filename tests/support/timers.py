"""A monotonic clock that tests move by hand."""


class ManualTimer:
    """Seconds that pass only when a test adds to ``now``."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
