"""`@dataclass` for certcli's records, its methods written the first time they are used.

The standard decorator writes each class's `__init__`, `__repr__` and `__eq__` (and,
frozen, `__setattr__`, `__delattr__` and `__hash__`) as source text and compiles it
when the module is imported: about 0.75 M instructions a method, 190 methods for
`dossier show`, nearly all of classes the command never builds (a third of its
start-up). This decorator only records its options and puts stand-ins in their
place; the first time the class is built, compared, hashed, printed or asked for
its fields (`dataclasses.fields`, `asdict`, `is_dataclass`), the stand-ins are
removed and the standard decorator turns the class into the dataclass it would have
made at import: the same class object, the same methods and behaviour from then on.
An instance read back by pickle (the scheme catalog's cache) needs none of them.

Type checkers see the standard decorator (mypy's dataclass plugin applies as is).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass"]

_MISSING = object()
_LOCK = threading.RLock()
# Each class not made yet: its options, and what its stand-ins replaced.
_PENDING: dict[type, tuple[dict[str, Any], dict[str, Any]]] = {}
# The methods the standard decorator may write (always the first three; the rest
# for a frozen class).
_WRITTEN = ("__init__", "__repr__", "__eq__")
_HASH = "__hash__"
_FROZEN = ("__setattr__", "__delattr__", _HASH)


class _Pending:
    """Stands for `__dataclass_fields__` and `__dataclass_params__` until the class is
    made: reading either makes it."""

    def __init__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        _make(self.owner)
        return self.owner.__dict__[self.name]


def _make(cls: type) -> None:
    """Turn cls into its dataclass now (once)."""
    with _LOCK:
        state = _PENDING.pop(cls, None)
        if state is None:
            return  # made already
        options, replaced = state
        for name, original in replaced.items():
            if original is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        made: type = dataclasses.dataclass(cls, **options)
        assert made is cls  # no slots=: the decorator keeps the class


def _stand_in(cls: type, name: str):
    def method(self, *args, **kwargs):
        _make(cls)
        return getattr(cls, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    return method


def _unhashable_stand_in(cls: type):
    def __hash__(self):
        _make(cls)
        hashing = getattr(cls, _HASH)
        if hashing is None:
            raise TypeError(f"unhashable type: '{type(self).__name__}'")
        return hashing(self)

    return __hash__


def _lazy(cls: type, options: dict[str, Any]) -> type:
    own = cls.__dict__
    replaced: dict[str, Any] = {}
    names = [*_WRITTEN, *(_FROZEN if options.get("frozen") else ())]
    for name in names:
        current = own.get(name, _MISSING)
        # A method the class writes itself stays (the standard decorator keeps it);
        # Python's implicit `__hash__ = None` beside an own `__eq__` is replaced by the
        # decorator for a frozen class, so it is stood in for here too.
        if name == _HASH:
            if current is not _MISSING and not (current is None and "__eq__" in own):
                continue
            replaced[name] = current
            setattr(cls, name, _unhashable_stand_in(cls))
            continue
        if current is not _MISSING:
            continue
        replaced[name] = current
        setattr(cls, name, _stand_in(cls, name))
    if not options.get("frozen") and _HASH not in own:
        # eq without frozen: the standard decorator makes the class unhashable.
        replaced[_HASH] = _MISSING
        setattr(cls, _HASH, _unhashable_stand_in(cls))
    for name in ("__dataclass_fields__", "__dataclass_params__"):
        replaced[name] = _MISSING
        setattr(cls, name, _Pending(cls, name))
    _PENDING[cls] = (options, replaced)
    return cls


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:

    def dataclass(cls=None, /, *, frozen=False):
        """@dataclass or @dataclass(frozen=True), made when first used."""
        options = {"frozen": True} if frozen else {}

        def wrap(cls):
            return _lazy(cls, options)

        return wrap if cls is None else wrap(cls)
