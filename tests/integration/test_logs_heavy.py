"""test_logs_heavy.py: floods through the awslogs shipper: 20 MB in
blocking mode arrives complete and in order, the same in non-blocking
mode never stalls the container and accounts for every line, and a
berthd SIGKILLed mid-flood loses nothing."""
import time
import unittest

from harness import busybox_def, wait_status, wait_stopped
from test_logs import LogsTestCase, awslogs


class Floods(LogsTestCase):
    def test_flood_blocking_arrives_complete(self):
        # 20 MB of numbered lines in blocking mode: every line, in order.
        n = 200000
        script = "seq 1 %d | sed 's/$/ abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01234/'" % n
        t, stream = self.run_logged("flood", script, timeout=300, mode="blocking")
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/test", stream)
        self.assertEqual(len(ev), n)
        self.assertEqual(ev[0]["message"].split()[0], "1")
        self.assertEqual(ev[-1]["message"].split()[0], str(n))
        self.assertEqual([int(e["message"].split()[0]) for e in ev], list(range(1, n + 1)))

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


if __name__ == "__main__":
    unittest.main()
