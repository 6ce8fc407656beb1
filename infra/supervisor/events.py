#!/usr/bin/python3
"""supervisord event listener of the native stack (infra/supervise.sh).

For every process state change of the supervised programs it:
  * writes one JSON line on stderr (supervisord appends it to .data/logs/supervision.log):
    an unexpected exit with its exit status and the last lines of the program's log, each
    restart with its count, a failed start with the backoff, the process back up with how long
    it was down;
  * keeps the restart counts in $SUPERVISOR_HOME/restarts.json (read by `make status`, i.e.
    `events.py --summary NAME`);
  * serves them to Prometheus on $SUPERVISOR_METRICS_HOST:$SUPERVISOR_METRICS_PORT/metrics
    (covid_etl_process_restarts_total, covid_etl_process_running, covid_etl_process_state);
  * starts a program that supervisord gave up on (FATAL, after its startretries) again after
    30 s, doubling up to 10 min; and holds back one that dies again and again after starting
    (4 unexpected exits within 2 min, which supervisord would restart at once each time) for
    the same delays. So a crash loop backs off instead of spinning, and the stack never stays
    down for good. The delay goes back to 30 s when an operator stops the program.

Python and supervisor's own childutils (the event protocol and the XML-RPC client), so it needs
nothing beyond Debian's supervisor package.
"""
import json
import os
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOME = os.environ.get("SUPERVISOR_HOME", ".")
LOGS = os.environ.get("SUPERVISOR_LOGS", ".")
STATE_FILE = os.path.join(HOME, "restarts.json")
STATES = ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"]
REVIVE_FIRST_S = int(os.environ.get("SUPERVISOR_REVIVE_FIRST_S", "30"))
REVIVE_MAX_S = 600
CRASH_LOOP_EXITS = 4  # unexpected exits ...
CRASH_LOOP_WINDOW_S = 120  # ... within this many seconds
TAIL_LINES = 15

lock = threading.Lock()
# name -> {"restarts", "state", "since", "exited_at", "last_exit", "revive_delay"}
programs = {}


def log(level, msg, **fields):
    line = {"level": level, "time": int(time.time() * 1000), "name": "supervisor", "pid": os.getpid(), "msg": msg}
    line.update(fields)
    sys.stderr.write(json.dumps(line) + "\n")
    sys.stderr.flush()


def save():
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(programs, f)
    os.replace(tmp, STATE_FILE)


def load():
    try:
        with open(STATE_FILE) as f:
            programs.update(json.load(f))
    except (OSError, ValueError):
        pass


def program(name):
    return programs.setdefault(name, {"restarts": 0, "state": "STOPPED", "since": time.time(), "exited_at": None, "last_exit": None, "revive_delay": 0, "recent_exits": [], "held": False})


def rpc():
    from supervisor import childutils
    return childutils.getRPCInterface(os.environ)


def tail(path, lines=TAIL_LINES):
    """The last lines of a log file (what the process said before it died)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            return [l.decode("utf-8", "replace")[:500] for l in deque(f.read().splitlines(), maxlen=lines)]
    except OSError:
        return []


def exit_reason(name):
    """supervisord's own words for the last exit, e.g. 'exit status 78; not expected' or 'terminated by SIGKILL'."""
    needle = "exited: %s (" % name
    for line in reversed(tail(os.path.join(LOGS, "supervisord.log"), 200)):
        if needle in line:
            return line.split(needle, 1)[1].rstrip(")")
    return None


def program_log(name):
    return os.path.join(LOGS, "clickhouse.log" if name == "clickhouse" else name + ".log")


def next_delay(p):
    """30 s, then doubling up to 10 min, for as long as the process keeps failing."""
    p["revive_delay"] = min(REVIVE_MAX_S, (p["revive_delay"] * 2) or REVIVE_FIRST_S)
    return p["revive_delay"]


def revive_later(name, delay, hold=False):
    """Starts the program again after `delay` s; with hold, first stops it (a crash loop)."""
    def revive():
        if hold:
            try:
                rpc().supervisor.stopProcess(name, True)
            except Exception as error:  # noqa: BLE001 - it may have died meanwhile
                log(40, "could not hold the process", process=name, err=str(error))
        time.sleep(delay)
        with lock:
            p = program(name)
            if p["state"] not in ("FATAL", "STOPPED") or (p["state"] == "STOPPED" and not p.get("held")):
                return
            p["held"] = False
        try:
            rpc().supervisor.startProcess(name, False)
        except Exception as error:  # noqa: BLE001 - report and let the next FATAL try again
            log(50, "could not start the process again", process=name, err=str(error))
    threading.Thread(target=revive, daemon=True).start()


def handle(event, headers):
    name = headers.get("processname")
    if not name or name == "events":
        return
    new_state = event.replace("PROCESS_STATE_", "")
    from_state = headers.get("from_state")
    now = time.time()
    with lock:
        p = program(name)
        p["state"], p["since"] = new_state, now
        if new_state == "STARTING" and from_state in ("EXITED", "BACKOFF", "FATAL"):
            p["restarts"] += 1
            log(40, "process restarting", process=name, restarts=p["restarts"], from_state=from_state, last_exit=p["last_exit"])
        elif new_state == "EXITED" and headers.get("expected") == "0":
            p["exited_at"] = now
            p["last_exit"] = exit_reason(name)
            log(50, "process exited unexpectedly", process=name, exit=p["last_exit"], process_pid=int(headers.get("pid", 0)), last_lines=tail(program_log(name)))
            # supervisord restarts a process that died after its start time at once, however
            # often: several deaths in a short time are a crash loop, held back here.
            p["recent_exits"] = [t for t in p.get("recent_exits", []) if now - t < CRASH_LOOP_WINDOW_S] + [now]
            if len(p["recent_exits"]) >= CRASH_LOOP_EXITS:
                p["held"] = True
                p["recent_exits"] = []
                delay = next_delay(p)
                log(60, "crash loop: process held stopped before the next start", process=name, exits=CRASH_LOOP_EXITS, within_s=CRASH_LOOP_WINDOW_S, retry_in_s=delay, exit=p["last_exit"])
                revive_later(name, delay, hold=True)
        elif new_state == "BACKOFF":
            p["exited_at"] = p["exited_at"] or now
            p["last_exit"] = exit_reason(name)
            attempt = int(headers.get("tries", 0))
            log(50, "process failed to start; backing off", process=name, exit=p["last_exit"], attempt=attempt, retry_in_s=attempt, last_lines=tail(program_log(name)))
        elif new_state == "FATAL":
            delay = next_delay(p)
            log(60, "process could not be started; trying again later", process=name, exit=p["last_exit"], retry_in_s=delay, last_lines=tail(program_log(name)))
            revive_later(name, delay)
        elif new_state == "RUNNING":
            down_ms = int((now - p["exited_at"]) * 1000) if p["exited_at"] else None
            p["exited_at"] = None
            log(30, "process running", process=name, process_pid=int(headers.get("pid", 0)), restarts=p["restarts"], down_ms=down_ms)
        elif new_state == "STOPPED" and not p.get("held"):
            p["exited_at"] = None
            p["revive_delay"] = 0
            log(30, "process stopped", process=name)
        save()


def metrics_text():
    out = [
        "# HELP covid_etl_process_restarts_total Restarts of the process by the supervisor (after an exit, a failed start or giving up)",
        "# TYPE covid_etl_process_restarts_total counter",
    ]
    with lock:
        items = sorted(programs.items())
        out += ['covid_etl_process_restarts_total{process="%s"} %d' % (n, p["restarts"]) for n, p in items]
        out += ["# HELP covid_etl_process_running 1 when the process runs under the supervisor", "# TYPE covid_etl_process_running gauge"]
        out += ['covid_etl_process_running{process="%s"} %d' % (n, p["state"] == "RUNNING") for n, p in items]
        out += ["# HELP covid_etl_process_state The supervisor state of the process (1 for the current one)", "# TYPE covid_etl_process_state gauge"]
        for n, p in items:
            out += ['covid_etl_process_state{process="%s",state="%s"} %d' % (n, s, p["state"] == s) for s in STATES]
    return "\n".join(out) + "\n"


class Metrics(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        body = metrics_text().encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_metrics():
    host = os.environ.get("SUPERVISOR_METRICS_HOST", "127.0.0.1")
    port = int(os.environ.get("SUPERVISOR_METRICS_PORT", "8003"))
    try:
        server = ThreadingHTTPServer((host, port), Metrics)
    except OSError as error:
        log(50, "metrics port not available; restarts are still logged and counted", host=host, port=port, err=str(error))
        return
    with open(os.path.join(HOME, "metrics.port"), "w") as f:
        f.write(str(server.server_address[1]))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log(30, "supervisor metrics listening", host=host, port=server.server_address[1])


def summary(name):
    """One program's restart count and last unexpected exit, for `make status`."""
    load()
    p = programs.get(name)
    if not p:
        return "restarts=0"
    last = " last exit: %s" % p["last_exit"] if p.get("last_exit") else ""
    return "restarts=%d%s" % (p["restarts"], last)


def main():
    from supervisor import childutils
    load()
    try:
        for info in rpc().supervisor.getAllProcessInfo():
            if info["name"] != "events":
                program(info["name"])["state"] = info["statename"]
        save()
    except Exception as error:  # noqa: BLE001 - the counts still work from the events
        log(40, "could not read the programs' states", err=str(error))
    serve_metrics()
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        try:
            if headers["eventname"].startswith("PROCESS_STATE_"):
                handle(headers["eventname"], childutils.get_headers(payload.split("\n", 1)[0]))
        except Exception as error:  # noqa: BLE001 - one bad event must not stop the listener
            log(50, "event not handled", event=headers.get("eventname"), err=str(error))
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        print(summary(sys.argv[2]))
    else:
        main()
