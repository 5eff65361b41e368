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
An instance read back from the scheme catalog's cache (its state set, as pickle does) needs
none of them.

Type checkers see the standard decorator (mypy's dataclass plugin applies as is).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

__all__ = ["asdict", "dataclass", "field", "fields", "replace"]

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
        import dataclasses

        options, replaced = state
        for name, value in list(vars(cls).items()):
            if isinstance(value, _Field):  # a field(...) of the class body
                setattr(cls, name, dataclasses.field(**value.options))
        for name, original in replaced.items():
            if original is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        compiled = _Compiled(cls)
        # The standard decorator runs exec() on each method's text: given through its
        # module's namespace, which Python searches before the builtins.
        dataclasses.exec = compiled.exec  # type: ignore[attr-defined]
        try:
            made: type = dataclasses.dataclass(cls, **options)
        finally:
            del dataclasses.exec  # type: ignore[attr-defined]
        assert made is cls  # no slots=: the decorator keeps the class
        compiled.save()


class _Compiled:
    """The methods' code the standard decorator compiles for one class, kept in the
    user's cache folder (beside the scheme catalog's) from one run to the next:
    compiling them costs about 1.5 M instructions a method, reading them back a
    hundredth of that. Each code is stored with the exact text it was compiled
    from and used only for that text, by this Python (its version names the file):
    a class changed, or a new Python, compiles again."""

    def __init__(self, cls: type) -> None:
        import os
        import sys

        from certcli.rules.paths import cache_dir

        tag = sys.implementation.cache_tag
        self.path = os.path.join(
            cache_dir(), "records", f"{cls.__module__}.{cls.__qualname__}.{tag}.marshal"
        )
        self.codes: dict[str, Any] = {}
        self.changed = False
        try:
            import marshal

            with open(self.path, "rb") as handle:
                version, codes = marshal.load(handle)
            if version == sys.version and isinstance(codes, dict):
                self.codes = codes
        except Exception:  # absent, unreadable, truncated, another version: compile
            pass

    def exec(self, text, globals=None, locals=None):
        code = self.codes.get(text) if isinstance(text, str) else None
        if code is None:
            # dont_inherit: compiled as exec() compiles it in `dataclasses`, without
            # this module's `from __future__ import annotations`.
            code = compile(text, "<string>", "exec", dont_inherit=True)
            if isinstance(text, str):
                self.codes[text] = code
                self.changed = True
        exec(code, globals, locals)

    def save(self) -> None:
        if not self.changed:
            return
        import marshal
        import os
        import sys

        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as handle:
                marshal.dump((sys.version, self.codes), handle)
            os.replace(temporary, self.path)  # readers see the old file or the new
        except Exception:  # a read-only or full disk: compiled again next time
            try:
                os.unlink(temporary)
            except OSError:
                pass


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


class _Field:
    """A field(...) of a class body, made a dataclasses.Field with its class: the
    `dataclasses` module itself is loaded only when a record class is made."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


if TYPE_CHECKING:
    from dataclasses import asdict as asdict
    from dataclasses import dataclass as dataclass
    from dataclasses import field as field
    from dataclasses import fields as fields
    from dataclasses import replace as replace
else:

    def field(**options):
        """dataclasses.field, for a record's class body."""
        return _Field(options)

    def asdict(obj, **options):
        import dataclasses

        return dataclasses.asdict(obj, **options)

    def fields(class_or_instance):
        import dataclasses

        return dataclasses.fields(class_or_instance)

    def replace(obj, /, **changes):
        import dataclasses

        return dataclasses.replace(obj, **changes)

    def dataclass(cls=None, /, *, frozen=False):
        """@dataclass or @dataclass(frozen=True), made when first used."""
        options = {"frozen": True} if frozen else {}

        def wrap(cls):
            return _lazy(cls, options)

        return wrap if cls is None else wrap(cls)
