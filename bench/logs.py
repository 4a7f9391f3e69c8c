"""logs.py: log throughput through the awslogs shipper, beside the same
output written to /dev/null, and the task monitor's peak RSS meanwhile.
Run through bench/run-logs (root, built tree).

A busybox container writes L lines of 100 bytes (+ newline) as fast as
`yes | head -c` can, timed inside the container by busybox time (10 ms
resolution): once into /dev/null, once to its stdout, which the monitor
ships as events into the log store (mode blocking, so nothing is dropped
and the writer is slowed to what the store takes).  The figure is the
writer's wall time; every line is then counted back through
GetLogEvents.  Peak RSS is the monitor's VmHWM, polled while it runs.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from bench import meminfo, monitor_pids, status_kib  # noqa: E402
from harness import Berthd, busybox_def, wait_status, wait_stopped  # noqa: E402

QUICK = "--quick" in sys.argv
LINE = "x" * 100


def awslogs(mode):
    return {"logDriver": "awslogs", "options": {
        "awslogs-group": "/bench/logs", "awslogs-stream-prefix": "b", "awslogs-region": "us-east-1",
        "awslogs-create-group": "true", "mode": mode}}


def run(d, ecs, logs, family, sink, lines):
    nbytes = lines * (len(LINE) + 1)
    script = "busybox time -f 'ELAPSED %%e' sh -c 'yes %s | head -c %d %s'" % (LINE, nbytes, sink)
    ecs.register_task_definition(**busybox_def(family, ["sh", "-c", script],
                                               logConfiguration=awslogs("blocking")))
    arn = ecs.run_task(taskDefinition=family)["tasks"][0]["taskArn"]
    peak = [0]
    done = threading.Event()

    def poll():
        while not done.is_set():
            for p in monitor_pids(d):
                peak[0] = max(peak[0], status_kib(p, "VmHWM"))
            time.sleep(0.05)
    t = threading.Thread(target=poll)
    t.start()
    try:
        wait_stopped(ecs, [arn], 600)
    finally:
        done.set()
        t.join()
    stream = "b/app/" + arn.split("/")[-1]
    last = logs.get_log_events(logGroupName="/bench/logs", logStreamName=stream, limit=1)["events"]
    elapsed = float(last[-1]["message"].split()[1])
    count, token = 0, None
    while True:
        kw = {"nextToken": token} if token else {"startFromHead": True}
        r = logs.get_log_events(logGroupName="/bench/logs", logStreamName=stream, **kw)
        count += len(r["events"])
        if not r["events"]:
            break
        token = r["nextForwardToken"]
    return elapsed, count - 1, peak[0]  # less the ELAPSED line


def main():
    lines = 500000 if QUICK else 2000000
    d = Berthd("benchlogs").start()
    try:
        d.load_image("busybox-oci.tar")
        ecs, logs = d.client("ecs"), d.client("logs")
        null_s, _, _ = run(d, ecs, logs, "devnull", "> /dev/null", lines)
        log_s, stored, peak = run(d, ecs, logs, "shipped", "", lines)
    finally:
        d.cleanup()
    mb = lines * (len(LINE) + 1) / 1e6
    res = {
        "lines": lines,
        "megabytes": round(mb, 1),
        "lines_stored": stored,
        "devnull_mb_per_s": round(mb / max(null_s, 0.01), 1),
        "shipped_mb_per_s": round(mb / max(log_s, 0.01), 1),
        "shipped_lines_per_s": round(lines / max(log_s, 0.01)),
        "ratio_shipped_vs_devnull": round(max(null_s, 0.01) / max(log_s, 0.01), 3),
        "monitor_peak_rss_kib": peak,
        "quick": QUICK,
        "host": "%d cores, %.0f GiB" % (os.cpu_count(), meminfo()["MemTotal"] / 1048576),
    }
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results/logs-latest.json"), "w") as f:
        json.dump(res, f, indent=2)
    for k, v in res.items():
        print("%-28s %s" % (k, v))
    if stored != lines:
        sys.exit("lost lines: stored %d of %d" % (stored, lines))


if __name__ == "__main__":
    main()
