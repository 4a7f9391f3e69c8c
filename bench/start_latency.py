"""start_latency.py: RunTask -> RUNNING for a one-container busybox task.

Starts its own berthd (the integration harness's), loads the busybox
image, then runs N tasks one after another and reports two figures per
task: the server-side createdAt -> startedAt (berth's own timestamps,
ms resolution) and the client-side time from sending RunTask until
DescribeTasks first shows lastStatus RUNNING (polled every 2 ms).
Usage: bench/start_latency.py [N]   (build in ./build, run as root)
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from harness import Berthd, busybox_def, wait_stopped  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    d = Berthd("bench").start()
    try:
        d.load_image("busybox-oci.tar")
        ecs = d.client()
        ecs.register_task_definition(**busybox_def("bench", ["sleep", "600"], stopTimeout=2))
        server, client = [], []
        for _ in range(n):
            t0 = time.monotonic()
            arn = ecs.run_task(taskDefinition="bench")["tasks"][0]["taskArn"]
            while True:
                t = ecs.describe_tasks(tasks=[arn])["tasks"][0]
                if t["lastStatus"] == "RUNNING":
                    break
                if t["lastStatus"] == "STOPPED":
                    raise SystemExit("task stopped: %s" % t.get("stoppedReason"))
                time.sleep(0.002)
            client.append((time.monotonic() - t0) * 1000)
            server.append((t["startedAt"] - t["createdAt"]).total_seconds() * 1000)
            ecs.stop_task(task=arn)
            wait_stopped(ecs, [arn], 30)
        for name, xs in (("server createdAt->startedAt", server), ("client RunTask->RUNNING", client)):
            print("%-30s n=%d median %.1f ms  p90 %.1f ms  max %.1f ms" % (
                name, len(xs), statistics.median(xs), pct(xs, 90), max(xs)))
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
