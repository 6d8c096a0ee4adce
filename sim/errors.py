"""The one error type users see: bad input named in one line.

Every malformed scenario, override or data file raises :class:`InputError`. The
command line prints ``str(error)`` alone and exits with status 2, so the message
must name the file, the key (or line), the bad value and what is allowed.
"""

from __future__ import annotations

from typing import Any

EXIT_BAD_INPUT = 2


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InputError(Exception):
    """Bad user input: a scenario key, an override or a line of a data file.

    Parameters
    ----------
    source : str
        The file (or ``--set`` / ``<string>``) the input came from.
    where : str
        The dotted key (``messages.promo.rule.p``) or ``line 12``.
    value : object
        The offending value; omitted from the message when ``None``.
    allowed : str
        What would have been accepted.

    Examples
    --------
    >>> str(InputError("s.yaml", "messages.promo.rule.p", 1.5, "a probability in [0, 1]"))
    's.yaml: messages.promo.rule.p = 1.5: allowed: a probability in [0, 1]'
    """

    def __init__(self, source: str, where: str, value: Any, allowed: str) -> None:
        self.source, self.where, self.value, self.allowed = source, where, value, allowed
        shown = "" if value is None else f" = {_short(value)}"
        if where:
            line = f"{source}: {where}{shown}: allowed: {allowed}"
        else:  # an option's value, or a whole file
            line = f"{source}{shown}: allowed: {allowed}"
        super().__init__(" ".join(line.split()))

    def __reduce__(self):
        # rebuilt from its fields when it crosses a process boundary (batch workers)
        return (type(self), (self.source, self.where, self.value, self.allowed))
