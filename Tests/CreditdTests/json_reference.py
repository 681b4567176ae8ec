"""An independent strict RFC 8259 reference for JSONDifferentialTests.

Reads one hex-encoded candidate text per line on stdin; writes one verdict per line:
"ok", "dup" (valid JSON with a member name twice in one object) or "no" (not JSON text,
or a number beyond a double, or a lone surrogate, which creditd refuses).
"""
import json
import math
import sys


duplicates = []


def pairs(items):
    for key, value in items:
        strings_are_unicode(key)  # values a duplicate name drops are checked here too
        strings_are_unicode(value)
    keys = [key for key, _ in items]
    if len(keys) != len(set(keys)):
        duplicates.append(keys)
    return dict(items)


def number(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError("out of range")
    return value


def refuse_constant(name):
    raise ValueError(name)


def strings_are_unicode(value):
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate fails here
    elif isinstance(value, list):
        for element in value:
            strings_are_unicode(element)
    elif isinstance(value, dict):
        for key, element in value.items():
            strings_are_unicode(key)
            strings_are_unicode(element)


def verdict(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "no"
    # json.loads skips any Unicode whitespace around the value; RFC 8259 allows only these four.
    if text.strip(" \t\n\r") != text.strip():
        return "no"
    duplicates.clear()
    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_float=number, parse_int=number,
                           parse_constant=refuse_constant)
        strings_are_unicode(value)
    except (ValueError, UnicodeEncodeError, RecursionError):
        return "no"
    return "dup" if duplicates else "ok"


for line in sys.stdin:
    print(verdict(bytes.fromhex(line.strip())))
