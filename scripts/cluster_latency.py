#!/usr/bin/env python3
"""Command→event latency across sentral nodes, for scripts/bench-cluster.sh (issue 15).

An enterprise monitor is started and streamed (SSE) on --stream-node; power toggles of one
member's phone (`PUT /sandbox/v1/devices/<device>/power`, off, on, off, …) are sent one at a
time on --command-node. Each toggle makes the owner of the enterprise's engine emit one
StatusChanged for the device; its latency is from just before the request is written on the
command node's connection to the moment the event's `data:` line is read from the stream
(both clocks are this process's time.perf_counter). The acknowledgement latency (the PUT's
204) is reported too. The first --warmup toggles are not counted.

Prints `key value` lines (milliseconds) on stdout, progress on stderr. Standard library only.
Usage: cluster_latency.py --stream-node http://A --command-node http://B [--count 500]
"""

import argparse
import base64
import http.client
import json
import queue
import socket
import sys
import threading
import time
import urllib.parse

ENTERPRISE = "100001"
DEMO_BASIC = "Basic " + base64.b64encode(b"demo-client:demo-secret").decode()
TOKEN_FORM = "grant_type=password&username=api0000000001&password=demo-password"


def connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def call(conn, method, path, body="", headers=None):
    conn.request(method, path, body=body.encode(), headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read().decode()


def expect(what, status, body):
    if not 200 <= status < 300:
        sys.exit(f"cluster_latency: {what}: {status} {body}")
    return json.loads(body) if body else None


def csta_bearer(base):
    conn = connection(base)
    form = {"Authorization": DEMO_BASIC, "Content-Type": "application/x-www-form-urlencoded"}
    token = expect("token", *call(conn, "POST", "/oauth/v2/token", TOKEN_FORM, form))["access_token"]
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status_token = expect("status token", *call(conn, "POST", "/status/token", "", bearer))["statusToken"]
    login = json.dumps({"statusToken": status_token})
    csta = expect("CSTA login", *call(conn, "POST", "/csta/authentication/token", login, bearer))["cstaToken"]
    return f"Bearer {csta}"


def start_monitor(base, csta):
    conn = connection(base)
    headers = {"Authorization": csta, "Content-Type": "application/json"}
    deadline = time.monotonic() + 10
    while True:
        status, body = call(conn, "POST", "/csta/monitors", json.dumps({"enterprise": ENTERPRISE}), headers)
        if status == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
            continue
        return expect("start monitor", status, body)["crossRefId"]


def read_stream(base, csta, cross_ref_id, events):
    """Puts (arrival perf_counter, event JSON) of every monitor event on `events`."""
    url = urllib.parse.urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(
        (
            f"GET /csta/monitors/{cross_ref_id}/events HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: {csta}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    reader = sock.makefile("rb", buffering=0)
    status_line = reader.readline().decode()
    if " 200 " not in status_line:
        events.put((time.perf_counter(), {"type": "error", "status": status_line.strip()}))
        return
    chunked = False
    while True:
        header = reader.readline().decode()
        if not header.strip():
            break
        chunked |= header.lower().startswith("transfer-encoding: chunked")
    events.put((time.perf_counter(), {"type": "open"}))
    pending = b""

    def lines(data):
        nonlocal pending
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            line = line.rstrip(b"\r").decode(errors="replace")
            if line.startswith("data:"):
                try:
                    event = json.loads(line[5:].strip())
                except ValueError:
                    continue
                events.put((time.perf_counter(), event))

    while True:
        if chunked:
            size_line = reader.readline()
            if not size_line:
                return
            size = int(size_line.strip().split(b";")[0] or b"0", 16)
            if size == 0:
                return
            chunk = b""
            while len(chunk) < size + 2:
                more = reader.read(size + 2 - len(chunk))
                if not more:
                    return
                chunk += more
            lines(chunk[:size])
        else:
            data = reader.read(4096)
            if not data:
                return
            lines(data)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-p * len(sorted_values) // 100)))  # nearest rank
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream-node", required=True, help="base URL of the node streaming the monitor")
    parser.add_argument("--command-node", required=True, help="base URL of the node the toggles go to")
    parser.add_argument("--device", default="4791000011")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    csta = csta_bearer(args.stream_node)
    cross_ref_id = start_monitor(args.stream_node, csta)
    events = queue.Queue()
    threading.Thread(target=read_stream, args=(args.stream_node, csta, cross_ref_id, events), daemon=True).start()
    _, opened = events.get(timeout=10)
    if opened["type"] != "open":
        sys.exit(f"cluster_latency: the stream: {opened}")

    commands = connection(args.command_node)
    power = f"/sandbox/v1/devices/{args.device}/power"
    json_header = {"Content-Type": "application/json"}
    # A known state first (on), then let whatever that produced arrive and drop it.
    status, body = call(commands, "PUT", power, '{"on":true}', json_header)
    expect("power on", status, body)
    time.sleep(0.5)
    while not events.empty():
        events.get_nowait()

    event_ms, ack_ms, other = [], [], 0
    total = args.warmup + args.count
    for k in range(total):
        body = '{"on":false}' if k % 2 == 0 else '{"on":true}'
        sent = time.perf_counter()
        status, answer = call(commands, "PUT", power, body, json_header)
        acked = time.perf_counter()
        if status != 204:
            sys.exit(f"cluster_latency: toggle {k}: {status} {answer}")
        deadline = time.monotonic() + 5
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit(f"cluster_latency: no StatusChanged for {args.device} within 5 s of toggle {k}")
            try:
                arrived, event = events.get(timeout=left)
            except queue.Empty:
                continue
            if event.get("type") == "StatusChanged" and event.get("subject") == args.device:
                break
            if event.get("type") in ("ResyncRequired", "StreamDropped", "StreamReplaced", "error"):
                sys.exit(f"cluster_latency: the stream said {event}")
            other += 1
        if k == 0:
            print(f"first event: {json.dumps(event)[:300]}", file=sys.stderr)
        if k >= args.warmup:
            event_ms.append((arrived - sent) * 1000)
            ack_ms.append((acked - sent) * 1000)
        if (k + 1) % 100 == 0:
            print(f"  {k + 1}/{total} toggles", file=sys.stderr)

    event_ms.sort()
    ack_ms.sort()
    print(f"count {len(event_ms)}")
    print(f"other_events {other}")
    for name, values in (("event", event_ms), ("ack", ack_ms)):
        print(f"{name}_p50 {percentile(values, 50):.2f}")
        print(f"{name}_p99 {percentile(values, 99):.2f}")
        print(f"{name}_max {values[-1]:.2f}")


if __name__ == "__main__":
    main()
