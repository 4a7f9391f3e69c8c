"""test_isolation.py: what a task can and cannot do, seen from inside it.

Every test runs the escape probe (tests/probe/berth-probe.c, image
localhost/probe:1) as a task's container in one configuration and
asserts its answers: capability sets, seccomp, no_new_privs, what /proc,
/dev, /sys and the cgroup tree show and allow, which privileged calls
are refused, what of the host and of other tasks it can reach."""
import glob
import json
import os
import socket
import time
import unittest

import harness
from harness import BerthTestCase, busybox_def, wait_status, wait_stopped

# Fargate's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
# SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
FARGATE_CAPS = sum(1 << c for c in (0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31))
CAP_SYS_PTRACE = 19
CAP_NET_RAW = 13

# Calls every default container is refused, and the errno it sees.
REFUSED = {
    "mount_tmpfs": "EPERM", "mount_proc": "EPERM", "umount_proc": "EPERM", "pivot_root": "EPERM",
    "unshare_user": "EPERM", "unshare_mount": "EPERM", "unshare_net": "EPERM",
    "unshare_pid": "EPERM", "unshare_uts": "EPERM", "unshare_ipc": "EPERM",
    "unshare_cgroup": "EPERM", "setns": "EPERM", "setns_user": "EPERM",
    "clone_newns": "EPERM", "clone_newuser": "EPERM", "clone3": "ENOSYS",
    "init_module": "EPERM", "finit_module": "EPERM", "delete_module": "EPERM",
    "kexec_load": "EPERM", "kexec_file_load": "EPERM", "open_by_handle_at": "EPERM",
    "ptrace_attach": "EPERM", "process_vm_readv": "EPERM", "keyctl": "EPERM",
    "add_key": "EPERM", "request_key": "EPERM", "bpf": "EPERM", "perf_event_open": "EPERM",
    "userfaultfd": "EPERM", "personality_bad": "EPERM", "socket_vsock": "EPERM",
    "iopl": "EPERM", "ioperm": "EPERM", "swapon": "EPERM", "acct": "EPERM",
    "sethostname": "EPERM", "keyctl_i386": "EPERM", "keyctl_x32": "EPERM",
}
ALLOWED = ("clone_thread_ok", "personality_query", "personality_linux32", "socket_inet",
           "socket_raw", "socket_netlink", "chroot", "setuid0", "chown_tmp", "net_bind_80",
           "clock_adjtime_read")
MASKED = ("/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi", "/proc/scsi",
          "/sys/firmware", "/proc/kcore")
MINIMAL_DEV = ["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
               "stdout", "tty", "urandom", "zero"]


def caps(report, which):
    return int(report["caps"][which], 16)


def refused(test, report, name, *errnos):
    test.assertFalse(report[name]["ok"], name)
    test.assertIn(report[name]["errno"], errnos, name)


def host_address():
    """The host's own address on its uplink (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))
            return s.getsockname()[0]
        except OSError:
            return None


class ProbeCase(BerthTestCase):
    load_images = ("busybox-oci.tar", "probe-oci.tar")

    def probe_task(self, family, task=None, **container):
        container.setdefault("image", "localhost/probe:1")
        td = busybox_def(family, **container)
        td.update(task or {})
        self.register(td)
        return self.run_task(family)[0]

    def finished(self, t, container="app"):
        t = wait_stopped(self.ecs, [t["taskArn"]], timeout=90)[0]
        c = [c for c in t["containers"] if c["name"] == container][0]
        return t, c, self.d.output(t["taskArn"].split("/")[-1], container)

    def probe(self, family, env=None, task=None, **container):
        if env:
            container["environment"] = [{"name": k, "value": v} for k, v in env.items()]
        t, c, out = self.finished(self.probe_task(family, task, **container))
        self.assertEqual(c.get("exitCode"), 0, "%s: %s / %s\n%s" % (
            family, t.get("stoppedReason"), c.get("reason"), out))
        return json.loads(out.strip().splitlines()[-1])


class DefaultContainer(ProbeCase):
    """The default configuration, in its own user namespace (the default
    where the kernel has them, as here)."""
    userns = True

    def test_capabilities_seccomp_and_no_new_privs(self):
        r = self.probe("default")
        self.assertEqual(r["uid"], 0)
        if self.userns:
            base = int(r["uid_map"].split()[1])
            self.assertGreaterEqual(base, 1 << 30)
            self.assertEqual(r["uid_map"], "0 %d 65536" % base)
            self.assertEqual(r["gid_map"], r["uid_map"])
        else:
            self.assertEqual(r["uid_map"], "0 0 4294967295")
        for which in ("bounding", "effective", "permitted"):
            self.assertEqual(caps(r, which), FARGATE_CAPS, which)
        self.assertEqual(caps(r, "inheritable"), 0)
        self.assertEqual(caps(r, "ambient"), 0)
        self.assertEqual(r["no_new_privs"], 1)
        self.assertEqual(r["seccomp"], 2)  # filter mode
        for name, errno in REFUSED.items():
            refused(self, r, name, errno)
        for name in ALLOWED:
            self.assertEqual(r[name], {"ok": True}, name)

    def test_mode_is_reported_in_the_task(self):
        t = self.probe_task("mode", command=["true"])
        t, c, out = self.finished(t)
        attrs = {a["name"]: a["value"] for a in t.get("attributes", [])}
        self.assertEqual(attrs.get("berth.userns"), "auto" if self.userns else "off")

    def test_proc_dev_sys_and_cgroups(self):
        r = self.probe("fs")
        self.assertEqual(r["pid"], 1)
        self.assertEqual(r["proc_pids"], [1], "the task sees only itself in /proc")
        self.assertEqual(r["fds"], [0, 1, 2], "no descriptor of the monitor leaks in")
        self.assertEqual(r["dev_entries"], MINIMAL_DEV)
        self.assertTrue(r["dev_pts_ptmx"])
        # CAP_MKNOD makes nodes (not in a user namespace), but none opens:
        # /dev and the root are nodev.
        if self.userns:
            refused(self, r, "mknod_dev", "EACCES", "EPERM")
            refused(self, r, "mknod_tmp", "EPERM")
        else:
            self.assertEqual(r["mknod_dev"], {"ok": True})
            refused(self, r, "mknod_dev_open", "EACCES")
            refused(self, r, "mknod_tmp_open", "EACCES")
        for path in MASKED:
            m = r["masked"][path]
            self.assertEqual(m["readable_bytes"], 0, path)
        # Read-only mounts; in a user namespace the files are also not
        # root's (EACCES comes first).
        refused(self, r, "proc_sys_write", "EROFS", "EACCES")
        refused(self, r, "sys_write", "EROFS", "EACCES")
        self.assertTrue(r["cgroup_mount"]["readonly"])
        self.assertFalse(r["release_agent_found"])
        refused(self, r, "write_cgroup_procs", "EROFS", "EACCES")
        refused(self, r, "write_notify_on_release", "EROFS", "EACCES", "ENOENT")
        # The cgroup namespace: its own cgroup is the root of what it sees.
        for line in r["cgroup"].split(";"):
            self.assertTrue(line.endswith(":/"), line)
        self.assertEqual(r["rlimit_nofile"][0], r["rlimit_nofile"][1])
        self.assertEqual(r["rootfs_write"], {"ok": True})

    def test_devices_work(self):
        t = self.probe_task("dev", command=["sh", "-c",
                            "echo x >/dev/null && head -c 4 /dev/zero | od -An -tx1 && "
                            "head -c 8 /dev/urandom | wc -c"])
        t, c, out = self.finished(t)
        self.assertEqual(c["exitCode"], 0, out)
        self.assertEqual(out.split(), ["00", "00", "00", "00", "8"])

    def test_host_daemon_and_other_tasks_unreachable(self):
        other = self.probe_task("other", command=["/bin/berth-probe", "hold-ipc", "30"])
        other = wait_status(self.ecs, [other["taskArn"]], "RUNNING")[0]
        other_id = other["taskArn"].split("/")[-1]
        abstract = "@berth-test-%d" % os.getpid()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind("\0" + abstract[1:])
        listener.listen(1)
        targets = ["127.0.0.1,%d" % self.d.port]
        ip = host_address()
        if ip:
            targets.append("%s,%d" % (ip, self.d.port))
        paths = [self.d.state_dir, self.d.run_dir, os.path.join(self.d.state_dir, "tasks", other_id)]
        try:
            # Wait until the other task holds its segment.
            deadline = time.time() + 20
            while "shmid" not in self.d.output(other_id, "app") and time.time() < deadline:
                time.sleep(0.1)
            api_sock = os.path.join(self.d.run_dir, "api.sock")
            self.assertTrue(os.path.exists(api_sock))
            r = self.probe("reach", env={"BERTH_PROBE_TCP": ":".join(targets),
                                         "BERTH_PROBE_PATHS": ":".join(paths),
                                         "BERTH_PROBE_UNIX": abstract + ":" + api_sock})
        finally:
            listener.close()
        self.assertIn("shmid", self.d.output(other_id, "app"))
        self.assertEqual(r["sysvipc_shm"], 0, "another task's SysV segment is visible")
        for target in targets:
            self.assertFalse(r["tcp"][target]["ok"], target)
        self.assertEqual(r["tcp"][targets[0]]["errno"], "ECONNREFUSED")
        for p in paths:
            self.assertFalse(r["paths"][p]["exists"], p)
        self.assertFalse(r["unix"][abstract]["ok"], "the host's abstract sockets are reachable")
        self.assertEqual(r["unix"][api_sock], {"ok": False, "errno": "ENOENT"})
        self.assertEqual(r["proc_pids"], [1], "another task's processes are visible")
        self.assertNotEqual(r["hostname"], socket.gethostname())
        self.assertEqual(r["hostname"], "task-" + r["hostname"][5:])
        self.assertIsNone(r["ppid_exe"])


class DefaultContainerWithoutUserns(DefaultContainer):
    """The same with --userns off: root in the task is root on the host,
    held only by capabilities, seccomp and the mounts."""
    berthd_args = ("--userns", "off")
    userns = False


def task_pids(d, task_id):
    """Host pids of a task's processes, from its cgroups."""
    pids = set()
    for base in harness.cgroup_dirs(d.cgroup_parent):
        for root, _, files in os.walk(os.path.join(base, "task-" + task_id)):
            if "cgroup.procs" in files:
                with open(os.path.join(root, "cgroup.procs")) as f:
                    pids.update(int(p) for p in f.read().split())
    return pids


class UserNamespaces(ProbeCase):
    def attributes(self, t):
        return {a["name"]: a["value"] for a in t.get("attributes", [])}

    def test_root_in_the_task_is_unprivileged_on_the_host_and_ranges_do_not_overlap(self):
        self.register(busybox_def("idle", ["sleep", "60"], stopTimeout=2))
        arns = [t["taskArn"] for t in self.run_task("idle", count=2)]
        tasks = wait_status(self.ecs, arns, "RUNNING")
        bases = []
        for t in tasks:
            attrs = self.attributes(t)
            self.assertEqual(attrs["berth.userns"], "auto")
            base = int(attrs["berth.userns.hostUid"])
            bases.append(base)
            pids = task_pids(self.d, t["taskArn"].split("/")[-1])
            self.assertTrue(pids, "no process found in the task's cgroup")
            for pid in pids:
                st = os.stat("/proc/%d" % pid)
                self.assertEqual((st.st_uid, st.st_gid), (base, base), "pid %d" % pid)
        self.assertGreaterEqual(abs(bases[0] - bases[1]), 65536, "uid ranges overlap")
        self.ecs.stop_task(task=arns[0])
        wait_stopped(self.ecs, [arns[0]])
        # The range comes back once the task is gone, to the next task.
        t = self.run_task("idle")[0]
        t = wait_status(self.ecs, [t["taskArn"]], "RUNNING")[0]
        self.assertEqual(int(self.attributes(t)["berth.userns.hostUid"]), bases[0])

    def test_files_keep_container_ids_inside_and_range_ids_outside(self):
        self.register(busybox_def("owner", ["sh", "-c",
                      "touch /made && touch /made2 && chown 1000:1000 /made2 && "
                      "stat -c '%u:%g' /made /made2 /bin/busybox && sleep 60"], stopTimeout=2))
        t = self.run_task("owner")[0]
        t = wait_status(self.ecs, [t["taskArn"]], "RUNNING")[0]
        task_id = t["taskArn"].split("/")[-1]
        base = int(self.attributes(t)["berth.userns.hostUid"])
        deadline = time.time() + 20
        while self.d.output(task_id, "app").count("\n") < 3 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.d.output(task_id, "app").split(), ["0:0", "1000:1000", "0:0"])
        pid = min(task_pids(self.d, task_id))
        owners = {}
        for path in ("made", "made2", "bin/busybox"):
            st = os.stat("/proc/%d/root/%s" % (pid, path))
            owners[path] = (st.st_uid - base, st.st_gid - base)
        # The image's files are the host's root's on disk, shared and
        # unchowned; the task sees them as its own root's.
        self.assertEqual(owners, {"made": (0, 0), "made2": (1000, 1000), "bin/busybox": (0, 0)})


class PlantedSymlinks(ProbeCase):
    load_images = ("symlinks-oci.tar",)

    def test_mounts_never_follow_a_symlink_out_of_the_root(self):
        for f in glob.glob("/tmp/berth-escaped-*"):
            os.unlink(f)
        t = self.probe_task("symlinks", image="localhost/symlinks:1", command=[
            "sh", "-c", "cat /etc/hostname /etc/hosts /etc/resolv.conf >/dev/null && "
            "cat /etc/hostname"])
        t, c, out = self.finished(t)
        self.assertEqual(c["exitCode"], 0, out)
        self.assertEqual(out.strip(), "task-" + t["taskArn"].split("/")[-1][:12])
        self.assertEqual(glob.glob("/tmp/berth-escaped-*"), [], "a mount followed a symlink out")


class Configurations(ProbeCase):
    def test_sys_ptrace_added(self):
        r = self.probe("ptrace", linuxParameters={"capabilities": {"add": ["SYS_PTRACE"]}})
        self.assertEqual(caps(r, "effective"), FARGATE_CAPS | 1 << CAP_SYS_PTRACE)
        self.assertEqual(r["ptrace_attach"], {"ok": True})
        self.assertEqual(r["process_vm_readv"], {"ok": True})
        refused(self, r, "mount_tmpfs", "EPERM")

    def test_capabilities_dropped(self):
        r = self.probe("dropraw", linuxParameters={"capabilities": {"drop": ["NET_RAW"]}})
        self.assertEqual(caps(r, "bounding"), FARGATE_CAPS & ~(1 << CAP_NET_RAW))
        refused(self, r, "socket_raw", "EPERM")
        r = self.probe("dropall", linuxParameters={"capabilities": {"drop": ["ALL"]}})
        for which in ("bounding", "effective", "permitted", "inheritable", "ambient"):
            self.assertEqual(caps(r, which), 0, which)
        refused(self, r, "chroot", "EPERM")
        refused(self, r, "net_bind_80", "EACCES")

    def test_non_root_user(self):
        r = self.probe("user", user="app")
        self.assertEqual((r["uid"], r["gid"], r["euid"]), (1000, 1000, 1000))
        self.assertEqual(sorted(r["groups"]), [1000, 2000])
        self.assertEqual(caps(r, "effective"), 0)
        self.assertEqual(caps(r, "permitted"), 0)
        self.assertEqual(caps(r, "bounding"), FARGATE_CAPS)
        self.assertFalse(r["setuid0"]["ok"])

    def test_readonly_root_filesystem(self):
        r = self.probe("ro", readonlyRootFilesystem=True)
        refused(self, r, "rootfs_write", "EROFS")

    def test_system_controls_are_the_tasks_own(self):
        with open("/proc/sys/net/ipv4/tcp_keepalive_time") as f:
            host_before = f.read()
        r = self.probe("sysctl", systemControls=[
            {"namespace": "net.ipv4.tcp_keepalive_time", "value": "601"},
            {"namespace": "kernel.shm_rmid_forced", "value": "1"}])
        self.assertEqual(r["sysctls"]["/proc/sys/net/ipv4/tcp_keepalive_time"], "601")
        self.assertEqual(r["sysctls"]["/proc/sys/kernel/shm_rmid_forced"], "1")
        with open("/proc/sys/net/ipv4/tcp_keepalive_time") as f:
            self.assertEqual(f.read(), host_before, "a task's sysctl reached the host")

    def test_system_controls_outside_the_namespaces_are_refused(self):
        with self.assertRaises(self.ecs.exceptions.ClientException) as cm:
            self.register(busybox_def("badsysctl", systemControls=[
                {"namespace": "kernel.hostname", "value": "x"}]))
        self.assertIn("not a namespaced kernel parameter", str(cm.exception))


class Processes(ProbeCase):
    def test_pid_mode_task_shares_one_namespace(self):
        td = busybox_def("pidtask", image="localhost/probe:1")
        td["pidMode"] = "task"
        td["containerDefinitions"] = [
            {"name": "side", "image": "localhost/probe:1", "essential": False,
             "command": ["/bin/berth-probe", "sleep", "20"]},
            {"name": "app", "image": "localhost/probe:1", "essential": True,
             "command": ["/bin/berth-probe", "report-after", "1"]}]
        self.register(td)
        t, c, out = self.finished(self.run_task("pidtask")[0])
        self.assertEqual(c["exitCode"], 0, out)
        r = json.loads(out.strip().splitlines()[-1])
        self.assertGreaterEqual(len(r["proc_pids"]), 3, "holder, side and app share /proc")
        self.assertEqual(r["pid1_comm"], "berth-init")
        self.assertNotEqual(r["pid"], 1)
        # The holder is berth's binary: nothing in the task may open it.
        self.assertIsNone(r["pid1_exe"])
        self.assertEqual(r["pid1_exe_errno"], "EACCES")

    def test_init_process_reaps_and_forwards_signals(self):
        r = self.probe("init", linuxParameters={"initProcessEnabled": True})
        self.assertEqual(r["pid1_comm"], "berth-init")
        self.assertEqual(r["pid"], 2)
        self.assertIsNone(r["pid1_exe"])
        t = self.probe_task("zombies", linuxParameters={"initProcessEnabled": True}, command=[
            "sh", "-c", "/bin/berth-probe zombies 3 >/dev/null; sleep 1; "
            "cat /proc/[0-9]*/stat | cut -d' ' -f3 | grep -c Z; true"])
        t, c, out = self.finished(t)
        self.assertEqual(out.split()[-1], "0", "zombies left unreaped: " + out)
        # busybox sleep as PID 1 would ignore SIGTERM until stopTimeout;
        # under berth's init it gets it and dies at once.
        t = self.probe_task("sigterm", linuxParameters={"initProcessEnabled": True},
                            command=["sleep", "300"], stopTimeout=60)
        wait_status(self.ecs, [t["taskArn"]], "RUNNING")
        started = time.time()
        self.ecs.stop_task(task=t["taskArn"])
        t, c, out = self.finished(t)
        self.assertLess(time.time() - started, 20)
        self.assertEqual(c["exitCode"], 143)


if __name__ == "__main__":
    unittest.main()
