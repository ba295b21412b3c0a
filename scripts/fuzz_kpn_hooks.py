"""schemathesis hooks for scripts/fuzz-kpn.sh (loaded through SCHEMATHESIS_HOOKS).

- `kpn_json_answers`: every answer with a body is application/json (the official spec says `*/*`,
  which `content_type_conformance` accepts whatever the type; KPN.md decides on JSON).
- The check `kpn_not_a_server_error` is schemathesis' `not_a_server_error` with one exception:
  an operation that is not *required* yet (a later part of the KPN work) may answer
  `501 {"name": "not_implemented"}`. A required operation answering 501 fails, with its own title.
- Every response is counted per operation (status codes) and written, as JSON, to the file named
  by FUZZ_KPN_STATS when the run ends; the script prints its summary from that and the JUnit report.

Environment (set by the script):
  FUZZ_KPN_TABLE     the operation table as JSON (`scripts/gen_kpn_operations.py --json`)
  FUZZ_KPN_REQUIRED  operation ids (the table's, synthetic ones included) that must be built,
                     separated by commas or whitespace
  FUZZ_KPN_STATS     where to write the per-operation counts
"""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
from collections import Counter, defaultdict

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, Severity

with open(os.environ["FUZZ_KPN_TABLE"], encoding="utf-8") as fd:
    _TABLE = json.load(fd)

# "GET /hierarchy/children/{id}" -> the table's id (the spec's operationId or sentral's synthetic one).
ID_BY_LABEL = {f"{op['method']} {op['path']}": op["operation_id"] for op in _TABLE["operations"]}
REQUIRED = frozenset(filter(None, re.split(r"[\s,]+", os.environ.get("FUZZ_KPN_REQUIRED", ""))))

_lock = threading.Lock()
_statuses: dict[str, Counter] = defaultdict(Counter)


def _label(case) -> str:
    # The operation's label is "METHOD /path" relative to the base path, as in the spec.
    return f"{case.operation.method.upper()} {case.operation.path}"


def _is_method_probe(case) -> bool:
    return (case.method or case.operation.method).upper() != case.operation.method.upper()


def _is_not_implemented(response) -> bool:
    if response.status_code != 501:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    return isinstance(body, dict) and body.get("name") == "not_implemented"


class NotImplementedYet(Failure):
    """An operation that the current part of the work must build answered 501 not_implemented."""

    code = "ST901"
    checks = ("kpn_not_a_server_error",)
    kind_title = "Not implemented (required by the current part)"

    def __init__(self, *, operation: str, operation_id: str) -> None:
        super().__init__(
            operation=operation,
            message=f"{operation_id} answered 501 not_implemented; it is on the list of operations "
            "that must be built (FUZZ_KPN_REQUIRED in scripts/fuzz-kpn.sh)",
            severity=Severity.CRITICAL,
        )

    @property
    def _unique_key(self) -> str:
        return "not_implemented"


@schemathesis.check
def kpn_not_a_server_error(ctx, response, case):
    """not_a_server_error, except for a 501 not_implemented of an operation of a later part."""
    if _is_not_implemented(response):
        if _is_method_probe(case):
            # Another method on the operation's path (the coverage phase expects 405): not the
            # operation's own answer, so not a verdict on whether the operation is built.
            return None
        label = _label(case)
        operation_id = ID_BY_LABEL.get(label, label)
        if operation_id in REQUIRED:
            raise NotImplementedYet(operation=case.operation.label, operation_id=operation_id)
        return None
    return not_a_server_error(ctx, response, case)


# Operations whose 200 is a file, not JSON (the spec: `string`, format `byte`).
NOT_JSON_200 = frozenset({"downloadInvoiceUsingGET"})


@schemathesis.check
def kpn_json_answers(ctx, response, case):
    """Every answer with a body is `application/json` (KPN.md: the spec says `*/*`, clients expect
    JSON), so the schema check, which reads only JSON bodies, sees every answer."""
    if not response.content:
        return None  # the 19 POSTs that answer 200 without a body
    operation_id = ID_BY_LABEL.get(_label(case), "")
    if response.status_code == 200 and operation_id in NOT_JSON_200:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Failure(
            operation=case.operation.label,
            title="Answer is not application/json",
            message=f"Content-Type {content_type or '(none)'} on a {response.status_code} answer with a body; "
            "KPN answers (and errors) are application/json",
        )
    return None


@schemathesis.hook
def after_call(context, case, response):
    label = _label(case)
    key = str(response.status_code)
    if _is_not_implemented(response):
        key = "501-not_implemented"
    if _is_method_probe(case):
        # The coverage phase also sends methods the operation does not have (expecting 405).
        key = f"{case.method.upper()}:{key}"
    with _lock:
        _statuses[label][key] += 1


def _write_stats() -> None:
    path = os.environ.get("FUZZ_KPN_STATS")
    if not path:
        return
    with _lock:
        data = {label: dict(counts) for label, counts in _statuses.items()}
    # Several `st run` invocations may share one file: merge.
    try:
        with open(path, encoding="utf-8") as fd:
            previous = json.load(fd)
    except (OSError, ValueError):
        previous = {}
    for label, counts in data.items():
        merged = Counter(previous.get(label, {}))
        merged.update(counts)
        previous[label] = dict(merged)
    with open(path, "w", encoding="utf-8") as fd:
        json.dump(previous, fd, indent=1, sort_keys=True)


atexit.register(_write_stats)
