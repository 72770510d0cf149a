"""Pydantic's validation errors as one line each: ``file: key.path: what was expected``.

Scenario, experiment and calibration files all report problems through
:func:`format_validation_error`, so a typo reads the same in every file and an
unknown key always gets a "did you mean" (difflib) from the keys allowed there.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

# pydantic adds the member's type to the location of an error inside a union
# (``values.1.int``); the user never wrote that part
_UNION_TAGS = {"bool": "true/false", "int": "an integer", "float": "a number", "str": "a string"}


# Keys a model version removed, with what replaces them: an old file gets this
# instead of "unknown key".
RETIRED_KEYS: dict[str, str] = {
    "participation.idp_rate": "removed (issue 14): the IDP consultation is a process of its own; set "
                              "idp.comment_rate (written comments) and idp.attend_rate (ward meetings) instead",
}


def retired(path: str) -> str | None:
    """What replaced the removed key at ``path`` (``participation.idp_rate``), or None."""
    return next((why for key, why in RETIRED_KEYS.items() if path == key or path.endswith("." + key)), None)


def did_you_mean(name: str, known: Iterable[str], otherwise: str = "check the spelling") -> str:
    """``did you mean 'wifi.hotspots'?`` for the closest known name, else ``otherwise``."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else otherwise


def key_path(loc: Iterable[Any], prefix: str = "", bare: Iterable[str] = ()) -> str:
    """A pydantic location as the key path a user sees: ``events[0].step``, ``experiment.samples``.

    ``prefix`` names the table the model was read from (``experiment``), left
    out for top-level keys listed in ``bare`` (``factors``).
    """
    parts = [p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS)]
    text = prefix if prefix and not (parts and parts[0] in set(bare)) else ""
    for p in parts:
        if isinstance(p, str) and "." in p:
            p = f'"{p}"'  # a dotted key of one table (schedules."wifi.hotspots")
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text


def allowed_keys(model: type[BaseModel] | None, loc: Iterable[Any]) -> list[str]:
    """The keys ``model`` allows at location ``loc`` (the fields of the nested model there)."""
    node: Any = model
    keyed = False  # the previous part was a dict[str, Model] field: this part is one of its keys
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part in _UNION_TAGS) or keyed:
            keyed = False
            continue
        if not (isinstance(node, type) and issubclass(node, BaseModel)) or part not in node.model_fields:
            return []
        annotation = node.model_fields[part].annotation
        keyed = typing.get_origin(annotation) is dict
        node = _model_in(annotation)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The model inside ``X | None``, ``tuple[X, ...]``, ``list[X]`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, dict, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def format_validation_error(exc: ValidationError, source: str, *, model: type[BaseModel] | None = None,
                            prefix: str = "", bare: Iterable[str] = (),
                            docs: str = "docs/ODD.md") -> list[str]:
    """Turn pydantic's errors into one line each: ``file: key.path: what was expected``.

    ``model``: the validated model (for "did you mean" on unknown keys; default:
    none suggested).  ``prefix``/``bare``: see :func:`key_path`.  ``docs``: where
    the allowed keys are listed, named when no key is close.  A value that
    fails every member of a union gets one line listing what it may be.
    """
    bare = tuple(bare)
    by_path: dict[str, list[Any]] = {}  # pydantic ErrorDetails, grouped by the key path
    for err in exc.errors():
        by_path.setdefault(key_path(err["loc"], prefix, bare), []).append(err)
    lines: list[str] = []
    for where, errs in by_path.items():
        tags = [e["loc"][-1] for e in errs if e["loc"] and isinstance(e["loc"][-1], str) and e["loc"][-1] in _UNION_TAGS]
        if len(tags) > 1 and len(tags) == len(errs):
            kinds = [_UNION_TAGS[t] for t in tags]
            msgs = [f"expected {', '.join(kinds[:-1])} or {kinds[-1]} (got {errs[0].get('input')!r})"]
        else:
            msgs = [_message(e, model, docs) for e in errs]
        for msg in dict.fromkeys(msgs):
            lines.append(f"{source}: {where}: {msg}" if where else f"{source}: {msg}")
    return lines


def _message(err: dict[str, Any], model: type[BaseModel] | None, docs: str) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        why = retired(".".join(str(p) for p in err["loc"] if isinstance(p, str)))
        if why:
            return why
        key = str(err["loc"][-1]) if err["loc"] else ""
        hint = did_you_mean(key, allowed_keys(model, err["loc"][:-1]), f"see {docs} for the keys allowed here")
        return f"unknown key ({hint})"
    if err["type"] == "missing":
        return "required"
    if err["type"] != "value_error" and "input" in err and not isinstance(err["input"], dict | list | tuple) \
            and "got" not in msg:
        return f"{msg} (got {err['input']!r})"
    return msg
