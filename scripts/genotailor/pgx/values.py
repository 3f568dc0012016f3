"""Small value classes of the PGx engine, written out instead of made by `dataclasses`.

`genotailor pgx` is timed against `bcftools view -R` (`make bench`), and most of its run is fixed
start-up cost. A dataclass costs ~2 ms to create at import and the module pulls in `inspect`
(~20 ms), together about a sixth of a run; these classes spell out their `__init__` and take
equality, hashing and a readable repr from the bases here. Fields are the class's `__slots__`,
in order.
"""

from __future__ import annotations


class Value:
    """Equal to another of its class with equal fields; hashable (treat it as immutable)."""

    __slots__ = ()

    def _fields(self) -> tuple:
        return tuple(getattr(self, n) for n in type(self).__slots__ if n not in type(self)._hidden)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        shown = (f"{n}={getattr(self, n)!r}" for n in type(self).__slots__ if n not in type(self)._hidden)
        return f"{type(self).__name__}({', '.join(shown)})"

    _hidden: tuple = ()  # fields that are not part of the value: not compared, hashed or shown

    def replace(self, **changes):
        """A copy with some fields changed."""
        unknown = set(changes) - set(type(self).__slots__)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}")
        new = object.__new__(type(self))
        for n in type(self).__slots__:
            setattr(new, n, changes[n] if n in changes else getattr(self, n))
        return new


class Mutable(Value):
    """Equal by fields like Value, but changed in place, so not hashable."""

    __slots__ = ()
    __hash__ = None
