"""Shared plumbing of the two command lines: read one JSON document from standard input,
write one to standard output, and turn bad input into one clear line on standard error."""

import json
import math
import sys
from collections.abc import Callable


class InputError(ValueError):
    """Bad input: the message is the one line the user sees."""


def number(value, where: str, *, allow_null=True):
    if value is None and allow_null:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where} must be a number, not {json.dumps(value)}")
    if not math.isfinite(value):
        raise InputError(f"{where} must be a finite number")
    return value


def numbers(values, where: str, *, allow_null=True) -> list:
    if not isinstance(values, list):
        raise InputError(f"{where} must be a list of numbers")
    return [number(v, f"{where}[{i}]", allow_null=allow_null) for i, v in enumerate(values)]


def integer(value, where: str):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InputError(f"{where} must be a whole number, not {json.dumps(value)}")
    return value


def main(handle: Callable[[dict], dict]) -> int:
    """Run ``handle`` on the document on stdin; print its answer or the error."""
    try:
        text = sys.stdin.read()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"the input is not valid JSON: {e}") from None
        if not isinstance(doc, dict):
            raise InputError("the input must be one JSON object")
        out = handle(doc)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # raised by the core's own checks
        print(f"error: {e}", file=sys.stderr)
        return 2
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0
