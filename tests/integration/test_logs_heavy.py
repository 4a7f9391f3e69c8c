"""test_logs_heavy.py: floods through the awslogs shipper: 200 MB in
blocking mode arrives complete (count and checksum), the same in non-blocking
mode never stalls the container and accounts for every line, and a
berthd SIGKILLed mid-flood loses nothing.  With the log store on a
small tmpfs that fills up, blocking mode holds the container until
space comes back and loses nothing; non-blocking mode lets it run on,
drops, and says how many in the stream."""
import hashlib
import os
import subprocess
import time
import unittest

from harness import busybox_def, wait_status, wait_stopped
from test_logs import LogsTestCase, awslogs


class Floods(LogsTestCase):
    def test_flood_blocking_arrives_complete(self):
        # 200 MB of numbered lines in blocking mode: every line, in order,
        # the same bytes (count and SHA-256 against what was written).
        n, tail = 2000000, " abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstu"
        script = "seq 1 %d | sed 's/$/%s/'" % (n, tail)
        t, stream = self.run_logged("flood", script, timeout=600, mode="blocking")
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        want, got = hashlib.sha256(), hashlib.sha256()
        for i in range(1, n + 1):
            want.update(b"%d%s\n" % (i, tail.encode()))
        count, token, size = 0, None, 0
        while True:
            kw = {"nextToken": token} if token else {"startFromHead": True}
            r = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream, **kw)
            for e in r["events"]:
                m = e["message"].encode() + b"\n"
                got.update(m)
                size += len(m)
            count += len(r["events"])
            if not r["events"]:
                break
            token = r["nextForwardToken"]
        self.assertEqual(count, n)
        self.assertGreater(size, 200 * 1000 * 1000)
        self.assertEqual(got.hexdigest(), want.hexdigest())

    def test_flood_non_blocking_never_stalls(self):
        # The same flood in the default mode: the container is never held
        # up, and what the shipper dropped (if anything) is said in the
        # stream, so stored + dropped accounts for every line.
        n = 200000
        script = "seq 1 %d | sed 's/$/ abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01234/'" % n
        t, stream = self.run_logged("nbflood", script, timeout=300, **{"max-buffer-size": "64k"})
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/test", stream)
        lines = [e for e in ev if not e["message"].startswith("[berth] ")]
        drops = [e for e in ev if e["message"].startswith("[berth] ")]
        dropped = sum(int(e["message"].split()[1]) for e in drops)
        self.assertEqual(len(lines) + dropped, n)
        nums = [int(e["message"].split()[0]) for e in lines]
        self.assertEqual(nums, sorted(nums))

    def test_berthd_killed_mid_flood_loses_nothing(self):
        n = 100000
        self.register(busybox_def("kill9", ["sh", "-c", "sleep 1; seq 1 %d; sleep 1; seq %d %d" % (n, n + 1, 2 * n)],
                                  logConfiguration=awslogs("/ecs/kill9", mode="blocking",
                                                           **{"awslogs-create-group": "true"})))
        arn = self.run_task("kill9")[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        time.sleep(1.5)
        self.d.kill()
        time.sleep(1)
        self.d.start()
        self.ecs = self.d.client("ecs")
        self.logs = self.d.client("logs")
        t = wait_stopped(self.ecs, [arn], 120)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/kill9", "app/app/" + arn.split("/")[-1])
        self.assertEqual([int(e["message"]) for e in ev], list(range(1, 2 * n + 1)))


class FullStore(LogsTestCase):
    N = 100000  # 10.1 MB of lines

    def setUp(self):
        super().setUp()
        self.d.stop()
        self.logs_dir = os.path.join(self.d.state_dir, "logs")
        os.makedirs(self.logs_dir, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", self.logs_dir], check=True)
        self.filler = os.path.join(self.logs_dir, "filler")
        with open(self.filler, "wb") as f:
            f.write(b"\0" * (12 << 20))
        self.d.start()
        self.ecs, self.logs = self.d.client("ecs"), self.d.client("logs")

    def tearDown(self):
        try:
            super().tearDown()
        finally:  # the harness unmounts what is under its directory; this is the fallback
            if os.path.ismount(self.logs_dir):
                subprocess.run(["umount", "-l", self.logs_dir])

    def flood(self, family, mode, **opts):
        script = ("seq 1 %d | sed 's/$/ %s/'; sleep 3; echo after"
                  % (self.N, "x" * (100 - 7)))
        self.register(busybox_def(family, ["sh", "-c", script], logConfiguration=awslogs(
            "/ecs/full", mode=mode, **dict({"awslogs-create-group": "true"}, **opts))))
        arn = self.run_task(family)[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        return arn

    def test_blocking_holds_the_container_until_space_returns(self):
        arn = self.flood("fullb", "blocking")
        time.sleep(5)  # the flood alone takes well under a second
        t = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
        self.assertEqual(t["lastStatus"], "RUNNING")
        os.unlink(self.filler)
        t = wait_stopped(self.ecs, [arn], 120)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/full", "app/app/" + arn.split("/")[-1])
        self.assertEqual([int(e["message"].split()[0]) for e in ev[:-1]], list(range(1, self.N + 1)))
        self.assertEqual(ev[-1]["message"], "after")

    def test_non_blocking_drops_and_says_so(self):
        arn = self.flood("fulln", "non-blocking", **{"max-buffer-size": "64k"})
        time.sleep(1.5)
        os.unlink(self.filler)  # during the container's sleep
        t = wait_stopped(self.ecs, [arn], 120)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/full", "app/app/" + arn.split("/")[-1])
        marks = [e["message"] for e in ev if e["message"].startswith("[berth] ")]
        lines = [e for e in ev if e["message"][0].isdigit()]
        self.assertEqual(len(marks), 1, marks)
        dropped = int(marks[0].split()[1])
        self.assertGreater(dropped, 0)
        self.assertEqual(len(lines) + dropped, self.N)
        # The container ran on: its last line came about 3 s after its first.
        after = [e for e in ev if e["message"] == "after"][0]
        self.assertLess(after["timestamp"] - ev[0]["timestamp"], 6000)

if __name__ == "__main__":
    unittest.main()
