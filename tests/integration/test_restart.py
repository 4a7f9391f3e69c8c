"""test_restart.py: berthd killed with SIGKILL while tasks run.  The
monitors and containers keep running; the restarted daemon reconnects
and the tasks finish with their real exit codes; a task that finished
while the daemon was down is settled from its monitor's state file."""
import time
import unittest

from harness import BerthTestCase, busybox_def, wait_status, wait_stopped


class Restart(BerthTestCase):
    def test_sigkill_daemon_task_finishes_with_real_exit_code(self):
        self.register(busybox_def("survive", ["sh", "-c", "sleep 4; echo done; exit 7"]))
        self.register(busybox_def("quick", ["sh", "-c", "sleep 1; exit 6"]))
        a = self.run_task("survive")[0]["taskArn"]
        b = self.run_task("quick")[0]["taskArn"]
        wait_status(self.ecs, [a, b], "RUNNING", 60)
        self.d.kill()
        time.sleep(2)  # "quick" ends while no daemon runs
        self.d.start()
        ta, tb = wait_stopped(self.ecs, [a, b], 60)
        self.assertEqual(ta["containers"][0]["exitCode"], 7)
        self.assertEqual(ta["stopCode"], "EssentialContainerExited")
        self.assertEqual(tb["containers"][0]["exitCode"], 6)
        self.assertIn("done", self.d.output(a.split("/")[-1], "app"))

    def test_stop_after_restart(self):
        self.register(busybox_def("long", ["sleep", "600"], stopTimeout=2))
        arn = self.run_task("long")[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        self.d.kill()
        self.d.start()
        self.assertEqual(self.ecs.describe_tasks(tasks=[arn])["tasks"][0]["lastStatus"], "RUNNING")
        self.ecs.stop_task(task=arn)
        t = wait_stopped(self.ecs, [arn], 30)[0]
        self.assertEqual(t["stopCode"], "UserInitiated")


if __name__ == "__main__":
    unittest.main()
