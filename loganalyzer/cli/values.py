"""Option values as typer (0.29) coerces them, without the pydantic ``TypeAdapter`` it
builds per parameter on every run (and pydantic's import: ~0.1 s a command). Values whose
result is certain (a ``str``, a plain decimal ``int`` or ``float``, lists of them, a default
of its type) are taken as they are; anything else goes to typer's own coercion, so that what
is accepted or refused, and the messages, stay typer's (tests/test_startup.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from typer._click import Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import _TyperParameter

PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # int(text) is pydantic's value
PLAIN_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")  # float(text) is
NOT_PLAIN = object()


def plain(annotation: Any, value: Any) -> Any:
    """``value`` as ``annotation`` (``str``, ``int``, ``float``, a ``list`` of them) where
    typer's result is certain, else :data:`NOT_PLAIN`."""
    kind = type(value)
    if kind is annotation:
        return value
    if kind is str and annotation in (int, float):
        if (PLAIN_INT if annotation is int else PLAIN_FLOAT).fullmatch(value):
            return annotation(value)
    elif kind in (list, tuple) and get_origin(annotation) is list:
        items = [plain(get_args(annotation)[0], v) for v in value]
        return NOT_PLAIN if NOT_PLAIN in items else items
    return NOT_PLAIN


@dataclass(frozen=True)
class PlainValues(RuntimeParam):
    """:func:`plain`, else typer's coercion (built when first needed). typer's ``coerce``
    takes ``None`` and a lone text for a list before this."""

    descriptor: TypeDescriptor | None = None
    typers: list[RuntimeParam] = field(default_factory=list)

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if (result := plain(self.annotation, value)) is not NOT_PLAIN:
            return result
        if not self.typers:
            self.typers.append(build_runtime_param(self.descriptor))  # type: ignore[arg-type]
        return self.typers[0]._coerce_value(value, param=param, ctx=ctx)


def install(param: Any) -> None:
    """Give a typer parameter :class:`PlainValues` as its coercion (unless it has one)."""
    if isinstance(param, _TyperParameter) and not isinstance(param._runtime_param, PlainValues):
        desc = param.type_descriptor
        param._runtime_param = PlainValues(desc.parameter_info, desc.annotation, desc)
