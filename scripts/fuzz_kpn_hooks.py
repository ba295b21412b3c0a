"""schemathesis hooks for scripts/fuzz-kpn.sh (loaded through SCHEMATHESIS_HOOKS).

- `kpn_content_type_conformance`: schemathesis' `content_type_conformance`, except that an empty
  200 without Content-Type passes where the spec declares no body (and fails where it declares one).
- `kpn_json_answers`: every answer with a body is application/json (the official spec says `*/*`,
  which `content_type_conformance` accepts whatever the type; KPN.md decides on JSON).
- The check `kpn_not_a_server_error` is schemathesis' `not_a_server_error` with one exception:
  an operation that is not *required* yet (a later part of the KPN work) may answer
  `501 {"name": "not_implemented"}`. A required operation answering 501 fails, with its own title.
- `map_case` puts ids of the demo world (collected by the script) into most generated cases,
  so that operations on existing items get past 404 and their answers are checked too.
- Every response is counted per operation (status codes) and written, as JSON, to the file named
  by FUZZ_KPN_STATS when the run ends; the script prints its summary from that and the JUnit report.

Environment (set by the script):
  FUZZ_KPN_TABLE     the operation table as JSON (`scripts/gen_kpn_operations.py --json`)
  FUZZ_KPN_REQUIRED  operation ids (the table's, synthetic ones included) that must be built,
                     separated by commas or whitespace
  FUZZ_KPN_STATS     where to write the per-operation counts
  FUZZ_KPN_IDS       ids of the demo world by kind (debtor, group, item, subscriber, contract,
                     order, service_request, address, template, session), put into generated cases by `map_case`
"""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
import zlib
from collections import Counter, defaultdict

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, Severity
from schemathesis.specs.openapi.checks import content_type_conformance

with open(os.environ["FUZZ_KPN_TABLE"], encoding="utf-8") as fd:
    _TABLE = json.load(fd)
try:
    with open(os.environ["FUZZ_KPN_IDS"], encoding="utf-8") as fd:
        IDS = {kind: values for kind, values in json.load(fd).items() if values}
except (KeyError, OSError, ValueError):
    IDS = {}

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


def _declared_schema(case, status_code: int):
    """The schema the spec declares for this status of the operation, or None (no body)."""
    responses = (case.operation.definition.raw or {}).get("responses") or {}
    declared = responses.get(str(status_code)) or responses.get(status_code)
    return declared.get("schema") if isinstance(declared, dict) else None


@schemathesis.check
def kpn_content_type_conformance(ctx, response, case):
    """content_type_conformance, except for an empty answer without Content-Type where the spec
    declares no body (the 19 POSTs whose 200 has no schema): there is no content to type. An empty
    answer where the spec declares a body fails here instead, since no schema check would see it."""
    if not response.content and not response.headers.get("content-type"):
        if _declared_schema(case, response.status_code) is None:
            return None
        raise Failure(
            operation=case.operation.label,
            title="Empty answer where the spec declares a body",
            message=f"{response.status_code} without a body; the spec declares a schema for it",
            severity=Severity.CRITICAL,
        )
    return content_type_conformance(ctx, response, case)


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


def _id_kind(path: str, name: str) -> str | None:
    """Which kind of demo id a parameter or top-level body field named `name` of `path` takes."""
    if name in ("groupId", "destinationGroupId", "movedGroupIds"):
        return "group"
    if name in ("contractId", "contractsIds"):
        return "contract"
    if name == "subscriberId":
        return "subscriber"
    if name == "orderId":
        return "order"
    if name == "accountGroupId":
        return "subscriber"
    if name in ("templateId", "templateIdToModify"):
        return "template"
    if name == "sessionId":
        return "session"
    if name == "gripEntityId":
        return "grip_entity"
    if name in ("roleId", "rolesToAdd", "rolesToRemove", "roles"):
        return "role"
    if name in ("groupIds", "managedEntities"):
        return "group"
    if name in ("thresholdId", "thresholdIds"):
        return "threshold"
    if name == "debtorId":
        return "debtor"
    if name == "attachmentId":
        return "attachment"
    if name == "id":
        for prefix, kind in (
            ("/hierarchy/children", "item"),
            ("/hierarchy/subscribers", "subscriber"),
            ("/contract/id", "contract"),
            ("/track-and-trace/orders", "order"),
            ("/track-and-trace/service-requests", "service_request"),
            ("/address/", "address"),
            ("/contracting/templates", "template"),
            ("/contract/thresholds", "threshold"),
            ("/finances/invoices", "invoice"),
        ):
            if path.startswith(prefix):
                return kind
    return None


def _with_demo_ids(path: str, values, pick):
    """`values` (a dict of parameters or a body) with well-typed ids replaced by demo ids."""
    if not isinstance(values, dict):
        return values
    out = dict(values)
    for name, value in values.items():
        kind = _id_kind(path, name)
        if kind not in IDS:
            continue
        # Only where the generated value is a well-typed id: a negative case (a string, a float)
        # keeps the value it tests.
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = pick(IDS[kind])
        elif isinstance(value, str) and kind in ("session", "template"):
            # sessionId is a string in the spec, and so is BasketChange.templateId.
            out[name] = str(pick(IDS[kind]))
        elif isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            out[name] = [pick(IDS[kind]) for _ in value]
    return out


@schemathesis.hook
def map_case(context, case):
    """Two cases in three get demo ids in place of generated ones (chosen from the case itself, so
    a seed repeats the run), so operations on existing items answer, and are checked, beyond 404."""
    if not IDS:
        return case
    try:
        digest = zlib.crc32(
            json.dumps([case.operation.label, case.path_parameters, case.query, case.body], sort_keys=True, default=str).encode()
        )
    except (TypeError, ValueError):
        return case
    if digest % 3 == 0:
        return case
    counter = [digest]

    def pick(values):
        counter[0] = (counter[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return values[counter[0] % len(values)]

    path = case.operation.path
    if case.path_parameters:
        case.path_parameters = _with_demo_ids(path, case.path_parameters, pick)
    if case.query:
        case.query = _with_demo_ids(path, case.query, pick)
    if isinstance(case.body, dict):
        case.body = _with_demo_ids(path, case.body, pick)
    return case


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
