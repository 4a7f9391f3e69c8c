"""bench.py: berth's task-start latency, throughput and density, with
crun beside it in the same run.  Prints a table and writes
bench/results/latest.json.  Run through bench/run (root, built tree).

Figures and how they are taken:
- start (client): RunTask sent -> DescribeTasks first shows RUNNING,
  polled every 1 ms, one task at a time, warm image.
- start (exec): RunTask sent -> the monitor saw the container's exec
  succeed (its log line, ms resolution), i.e. the container's first
  instruction running.
- crun: wall time of `crun run` of the same busybox rootfs running
  `true` (start + exit, so an upper bound of its start), in a private
  mount namespace where an empty file hides cgroup.controllers of the
  hybrid layout's v2 mount (the host's mounts are never touched).
- throughput: tasks started and run to STOPPED per second, one client
  and 8 clients.
- density: N idle tasks (sleep): monitor PSS per task, berthd RSS growth
  per task, kernel Slab+PageTables growth per task; and the largest
  count reached (up to a cap) while DescribeTasks p99 stays < 50 ms.
"""
import concurrent.futures
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from harness import BUILD, IMAGES, Berthd, busybox_def, wait_status, wait_stopped  # noqa: E402

QUICK = "--quick" in sys.argv


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))] if xs else 0.0


def exec_time(d, task_id):
    """Wall time (epoch s) of the monitor's 'started as pid' log line."""
    path = os.path.join(d.state_dir, "tasks", task_id, "monitor.log")
    if not os.path.exists(path):
        path = os.path.join(d.run_dir, "tasks", task_id, "monitor.log")
    with open(path) as f:
        for line in f:
            if "started as pid" in line:
                ts = line.split(" ", 1)[0]
                return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc).timestamp()
    return None


def bench_start(d, ecs, n):
    ecs.register_task_definition(**busybox_def("lat", ["sleep", "600"], stopTimeout=2))
    client, execs = [], []
    for _ in range(n):
        sent = time.time()
        t0 = time.monotonic()
        arn = ecs.run_task(taskDefinition="lat")["tasks"][0]["taskArn"]
        while ecs.describe_tasks(tasks=[arn])["tasks"][0]["lastStatus"] != "RUNNING":
            time.sleep(0.001)
        client.append((time.monotonic() - t0) * 1000)
        ex = exec_time(d, arn.split("/")[-1])
        if ex:
            execs.append((ex - sent) * 1000)
        ecs.stop_task(task=arn)
        wait_stopped(ecs, [arn], 30)
    return client, execs


def bench_crun(n):
    bundle = tempfile.mkdtemp(prefix="berth-crun-")
    try:
        subprocess.run(["skopeo", "copy", "-q", "oci-archive:" + os.path.join(IMAGES, "busybox-oci.tar"),
                        "oci:" + bundle + "/img:1"], check=True)
        subprocess.run(["umoci", "unpack", "--image", bundle + "/img:1", bundle + "/b"], check=True,
                       capture_output=True)
        cfg_path = bundle + "/b/config.json"
        with open(cfg_path) as f:
            cfg = json.load(f)
        cfg["process"]["args"] = ["true"]
        cfg["process"]["terminal"] = False
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        empty = bundle + "/empty"
        open(empty, "w").close()
        script = ("import subprocess,time,json,sys\n"
                  "subprocess.run(['mount','--bind',%r,'/sys/fs/cgroup/unified/cgroup.controllers'])\n"
                  "ts=[]\n"
                  "for i in range(%d):\n"
                  "  t=time.monotonic(); subprocess.run(['crun','run','-b',%r,'bench%%d'%%i],check=True,"
                  "stdout=subprocess.DEVNULL); ts.append((time.monotonic()-t)*1000)\n"
                  "print(json.dumps(ts))\n") % (empty, n, bundle + "/b")
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "/usr/bin/python3", "-c", script],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print("crun: %s" % p.stderr.strip()[-500:])
            return []
        return json.loads(p.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["rm", "-rf", bundle])


def run_to_stop(ecs, family):
    arn = ecs.run_task(taskDefinition=family)["tasks"][0]["taskArn"]
    wait_stopped(ecs, [arn], 60)


def bench_throughput(d, ecs, n, clients):
    ecs.register_task_definition(**busybox_def("tput", ["true"]))
    t0 = time.monotonic()
    if clients == 1:
        for _ in range(n):
            run_to_stop(ecs, "tput")
    else:
        per = [d.client() for _ in range(clients)]
        with concurrent.futures.ThreadPoolExecutor(clients) as ex:
            list(ex.map(lambda i: run_to_stop(per[i % clients], "tput"), range(n)))
    return n / (time.monotonic() - t0)


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v.split()[0])
    return out


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def status_kib(pid, key):
    """A KiB figure of /proc/PID/status (VmRSS, VmHWM, ...); 0 if gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid):
    return status_kib(pid, "VmRSS")


def monitor_pids(d):
    mon = os.path.realpath(os.path.join(BUILD, "cmd/berth-monitor"))
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.path.realpath("/proc/%s/exe" % p) == mon:
                    with open("/proc/%s/cmdline" % p, "rb") as f:
                        if d.run_dir.encode() in f.read():
                            pids.append(int(p))
            except OSError:
                pass
    return pids


def describe_p99(ecs, arns, n=50):
    lat = []
    for i in range(n):
        t = time.monotonic()
        ecs.describe_tasks(tasks=arns[i % len(arns):i % len(arns) + 1])
        lat.append((time.monotonic() - t) * 1000)
    return pct(lat, 99)


def bench_density(d, ecs, n_idle, cap):
    ecs.register_task_definition(**busybox_def("idle", ["sleep", "3600"], stopTimeout=2))
    before, rss0 = meminfo(), rss_kib(d.proc.pid)
    arns = []
    while len(arns) < n_idle:
        arns += [t["taskArn"] for t in ecs.run_task(taskDefinition="idle", count=10)["tasks"]]
    wait_status(ecs, arns, "RUNNING", 600)
    time.sleep(1)
    after = meminfo()
    pss = sum(pss_kib(p) for p in monitor_pids(d)) / len(arns)
    growth = (rss_kib(d.proc.pid) - rss0) / len(arns)
    kernel = ((after["Slab"] - before["Slab"]) + (after["PageTables"] - before["PageTables"])) / len(arns)
    max_ok = len(arns)
    while len(arns) < cap and describe_p99(ecs, arns) < 50:
        max_ok = len(arns)
        more = [t["taskArn"] for _ in range(5) for t in ecs.run_task(taskDefinition="idle", count=10)["tasks"]]
        wait_status(ecs, more, "RUNNING", 600)
        arns += more
    if describe_p99(ecs, arns) < 50:
        max_ok = len(arns)
    for i in range(0, len(arns)):
        ecs.stop_task(task=arns[i])
    for i in range(0, len(arns), 100):
        wait_stopped(ecs, arns[i:i + 100], 600)
    return pss, growth, kernel, max_ok


def main():
    n_start = 20 if QUICK else 200
    d = Berthd("bench").start()
    try:
        d.load_image("busybox-oci.tar")
        ecs = d.client()
        client, execs = bench_start(d, ecs, n_start)
        crun = bench_crun(10 if QUICK else 50)
        seq = bench_throughput(d, ecs, 10 if QUICK else 100, 1)
        par = bench_throughput(d, ecs, 16 if QUICK else 200, 8)
        pss, growth, kernel, max_idle = bench_density(d, ecs, 20 if QUICK else 200, 40 if QUICK else 1000)
    finally:
        d.cleanup()
    res = {
        "start_ms_p50": round(statistics.median(client), 2),
        "start_ms_p90": round(pct(client, 90), 2),
        "start_ms_p99": round(pct(client, 99), 2),
        "exec_ms_p50": round(statistics.median(execs), 2) if execs else None,
        "exec_ms_p99": round(pct(execs, 99), 2) if execs else None,
        "crun_start_ms_p50": round(statistics.median(crun), 2) if crun else None,
        "start_ratio_vs_crun": round(statistics.median(client) / statistics.median(crun), 2) if crun else None,
        "tasks_per_s_sequential": round(seq, 2),
        "tasks_per_s_parallel": round(par, 2),
        "idle_task_berth_pss_kib": round(pss, 1),
        "idle_task_berthd_growth_kib": round(growth, 1),
        "idle_task_kernel_kib": round(kernel, 1),
        "max_idle_tasks": max_idle,
        "samples": n_start,
        "quick": QUICK,
        "host": "%s, %d cores, %.0f GiB, kernel %s" % (platform.node(), os.cpu_count(),
                                                       meminfo()["MemTotal"] / 1048576, platform.release()),
    }
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results/latest.json"), "w") as f:
        json.dump(res, f, indent=2)
    for k, v in res.items():
        print("%-30s %s" % (k, v))


if __name__ == "__main__":
    main()
