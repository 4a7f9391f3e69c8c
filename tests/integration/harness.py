"""harness.py: start a real berthd for an integration test and drive it.

Each test gets its own berthd on a free loopback port with a temporary
state dir, run dir and cgroup parent, so tests run side by side.  The
clients are the real ones: boto3 and Debian's /usr/bin/aws, signing with
the credentials file berthd writes at first start.  Teardown stops every
task, stops the daemon, and checks that nothing was left behind.
"""
import configparser
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.config

BUILD = os.environ.get("BERTH_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
IMAGES = os.environ.get("BERTH_TEST_IMAGES", os.path.join(BUILD, "test-images"))
AWS = "/usr/bin/aws"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cgroup_dirs(parent):
    """Every directory of berth's cgroup parent, in every hierarchy."""
    found = []
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.isdir(os.path.join(root, parent)):
            found.append(os.path.join(root, parent))
    try:
        for ctrl in os.listdir("/sys/fs/cgroup"):
            p = os.path.join("/sys/fs/cgroup", ctrl, parent)
            if os.path.isdir(p) and p not in found:
                found.append(p)
    except OSError:
        pass
    return found


def remove_cgroup_tree(path):
    for dirpath, dirnames, _ in os.walk(path, topdown=False):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


class Berthd:
    def __init__(self, name="t"):
        self.tmp = tempfile.mkdtemp(prefix="berth-%s-" % name, dir="/tmp")
        self.state_dir = os.path.join(self.tmp, "state")
        self.run_dir = os.path.join(self.tmp, "run")
        self.port = free_port()
        self.cgroup_parent = "berth-test-%d-%s" % (os.getpid(), os.path.basename(self.tmp)[-6:])
        self.proc = None
        self.log = open(os.path.join(self.tmp, "berthd.log"), "ab")
        self.extra_args = []

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        args = [os.path.join(BUILD, "cmd/berthd"), "--state-dir", self.state_dir,
                "--run-dir", self.run_dir, "--listen", "127.0.0.1:%d" % self.port,
                "--cgroup-parent", self.cgroup_parent] + self.extra_args
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("berthd exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("berthd did not start listening:\n" + self.log_text())

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.tmp, "berthd.log"), "rb") as f:
            return f.read().decode(errors="replace")[-20000:]

    def kill(self):
        """SIGKILL the daemon (monitors and tasks keep running)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def credentials_file(self):
        return os.path.join(self.state_dir, "credentials")

    def keys(self):
        cp = configparser.ConfigParser()
        cp.read(self.credentials_file)
        return cp["berth"]["aws_access_key_id"], cp["berth"]["aws_secret_access_key"]

    def client(self, service="ecs"):
        key, secret = self.keys()
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}))

    def _aws_cmd(self, args, output="json"):
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=self.credentials_file,
                   AWS_CONFIG_FILE="/dev/null", AWS_PAGER="")
        cmd = [AWS, "--profile", "berth", "--region", REGION, "--endpoint-url", self.endpoint,
               "--output", output] + list(args)
        return cmd, env

    def aws_text(self, *args):
        """Run the AWS CLI and return its standard output as text."""
        cmd, env = self._aws_cmd(args, "text")
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p.stdout

    def aws_popen(self, *args):
        """Start the AWS CLI (for --follow); the caller kills it."""
        cmd, env = self._aws_cmd(args, "text")
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)

    def aws(self, *args, check=True):
        """Run Debian's AWS CLI against this daemon; returns parsed JSON (or None)."""
        cmd, env = self._aws_cmd(args)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        if p.returncode != 0:
            return p
        return json.loads(p.stdout) if p.stdout.strip() else None

    def berth(self, *args):
        return subprocess.run([os.path.join(BUILD, "cmd/berth"), "--run-dir", self.run_dir] + list(args),
                              capture_output=True, text=True, timeout=300, check=True)

    def load_image(self, archive="busybox-oci.tar"):
        return self.berth("image", "load", os.path.join(IMAGES, archive))

    def output(self, task_id, container):
        path = os.path.join(self.state_dir, "tasks", task_id, "containers", container, "output.log")
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop_all_tasks(self, ecs):
        for status in ("RUNNING",):
            arns = ecs.list_tasks(desiredStatus=status).get("taskArns", [])
            for arn in arns:
                ecs.stop_task(task=arn, reason="test teardown")
            if arns:
                wait_stopped(ecs, arns, timeout=150)

    def cleanup(self):
        """Give back everything, also after a failed test: monitors and
        task processes (by pid), mounts and loop devices under the test's
        directory, and the cgroup parent."""
        self.stop()
        kill_leftovers(self)
        for d in cgroup_dirs(self.cgroup_parent):
            remove_cgroup_tree(d)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_status(ecs, arns, status, timeout=60):
    deadline = time.time() + timeout
    while True:
        tasks = ecs.describe_tasks(tasks=arns)["tasks"]
        if len(tasks) == len(arns) and all(t["lastStatus"] == status for t in tasks):
            return tasks
        if time.time() > deadline:
            raise AssertionError("tasks not %s after %ds: %s" % (
                status, timeout, [(t["taskArn"], t["lastStatus"], t.get("stoppedReason")) for t in tasks]))
        time.sleep(0.1)


def wait_stopped(ecs, arns, timeout=60):
    return wait_status(ecs, arns, "STOPPED", timeout)


def busybox_def(family, command=None, **container):
    c = {"name": container.pop("name", "app"), "image": container.pop("image", "busybox:1"),
         "essential": container.pop("essential", True)}
    if command is not None:
        c["command"] = command
    c.update(container)
    return {"family": family, "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "containerDefinitions": [c]}


class BerthTestCase(unittest.TestCase):
    """A test with one fresh daemon (self.d) and a boto3 ECS client."""

    load_images = ("busybox-oci.tar",)
    berthd_args = ()

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("integration tests run as root")
        self.d = Berthd(self.id().split(".")[-1][:20])
        self.d.extra_args = list(self.berthd_args)
        self.d.start()
        self.ecs = self.d.client("ecs")
        for archive in self.load_images:
            self.d.load_image(archive)

    def tearDown(self):
        try:
            self.d.stop_all_tasks(self.ecs)
            self.d.stop()
            self.assertEqual(cgroup_leftovers(self.d), [], "cgroups left behind")
            self.assertEqual(cgroup_dirs(self.d.cgroup_parent), [],
                             "berthd stopped but left its cgroup parent")
            self.assertEqual(sanitizer_reports(self.d), [], "sanitizer reports in berth's logs")
        finally:
            keep = os.path.join(BUILD, "test-logs")
            os.makedirs(keep, exist_ok=True)
            with open(os.path.join(keep, self.id() + ".log"), "w") as f:
                f.write(self.d.log_text())
            self.d.cleanup()

    def register(self, td):
        return self.ecs.register_task_definition(**td)["taskDefinition"]

    def run_task(self, family, **kw):
        resp = self.ecs.run_task(taskDefinition=family, **kw)
        self.assertEqual(resp["failures"], [])
        return resp["tasks"]


def cgroup_leftovers(d):
    left = []
    for base in cgroup_dirs(d.cgroup_parent):
        for entry in os.listdir(base):
            if entry.startswith("task-"):
                left.append(os.path.join(base, entry))
    return left


def sanitizer_reports(d):
    """ASan/UBSan findings in berthd's and every monitor's log."""
    found = []
    logs = [os.path.join(d.tmp, "berthd.log")]
    tasks = os.path.join(d.state_dir, "tasks")
    if os.path.isdir(tasks):
        logs += [os.path.join(tasks, t, "monitor.log") for t in os.listdir(tasks)]
    for path in logs:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if "ERROR: AddressSanitizer" in line or "runtime error:" in line:
                        found.append("%s: %s" % (path, line.strip()))
        except OSError:
            pass
    return found


def kill_leftovers(d):
    pids = set()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if d.run_dir.encode() in f.read() and int(p) != os.getpid():
                    pids.add(int(p))
        except OSError:
            pass
    for base in cgroup_dirs(d.cgroup_parent):
        for dirpath, _, files in os.walk(base):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        pids.update(int(x) for x in f.read().split())
                except OSError:
                    pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.2 if pids else 0)
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split()[4] for line in f]
    for m in sorted((m for m in mounts if m.startswith(d.tmp)), key=len, reverse=True):
        subprocess.run(["umount", "-l", m], capture_output=True)
    p = subprocess.run(["losetup", "-a"], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if d.tmp in line:
            subprocess.run(["losetup", "-d", line.split(":")[0]], capture_output=True)
