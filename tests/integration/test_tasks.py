"""test_tasks.py: the main path, end to end through boto3 and the AWS CLI:
register, run, wait, and what DescribeTasks shows for a task that exits
0, one that exits 3, StopTask on a long sleep, and a task whose
non-essential container exits early."""
import time
import unittest

from harness import BerthTestCase, busybox_def, wait_status, wait_stopped


class TaskLifecycle(BerthTestCase):
    def test_echo_exits_zero_via_aws_cli(self):
        d = self.d
        td = busybox_def("echo", ["sh", "-c", "echo hello from berth; echo to stderr >&2"])
        import json, os, tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(td, f)
        try:
            reg = d.aws("ecs", "register-task-definition", "--cli-input-json", "file://" + f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(reg["taskDefinition"]["revision"], 1)
        run = d.aws("ecs", "run-task", "--task-definition", "echo")
        task = run["tasks"][0]
        self.assertEqual(task["lastStatus"], "PROVISIONING")
        self.assertRegex(task["taskArn"], r"^arn:aws:ecs:us-east-1:000000000000:task/default/[0-9a-f]{32}$")
        d.aws("ecs", "wait", "tasks-stopped", "--tasks", task["taskArn"])
        t = d.aws("ecs", "describe-tasks", "--tasks", task["taskArn"])["tasks"][0]
        self.assertEqual(t["lastStatus"], "STOPPED")
        self.assertEqual(t["desiredStatus"], "STOPPED")
        self.assertEqual(t["stopCode"], "EssentialContainerExited")
        self.assertEqual(t["stoppedReason"], "Essential container in task exited")
        c = t["containers"][0]
        self.assertEqual(c["exitCode"], 0)
        self.assertEqual(c["lastStatus"], "STOPPED")
        self.assertTrue(c["imageDigest"].startswith("sha256:"))
        self.assertTrue(c["runtimeId"].startswith(t["taskArn"].split("/")[-1]))
        for k in ("createdAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt",
                  "executionStoppedAt", "stoppedAt"):
            self.assertIn(k, t)
        self.assertLessEqual(t["createdAt"], t["startedAt"])
        self.assertLessEqual(t["startedAt"], t["stoppedAt"])
        out = d.output(t["taskArn"].split("/")[-1], "app")
        self.assertIn("hello from berth", out)
        self.assertIn("to stderr", out)

    def test_exit_code_three(self):
        self.register(busybox_def("three", ["sh", "-c", "exit 3"]))
        arn = self.run_task("three")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 3)
        self.assertEqual(t["stopCode"], "EssentialContainerExited")

    def test_image_cmd_and_env_apply(self):
        td = busybox_def("imgcmd", None)
        td["containerDefinitions"][0]["environment"] = [{"name": "GREETING", "value": "hi there"}]
        td["containerDefinitions"][0]["entryPoint"] = ["sh", "-c"]
        td["containerDefinitions"][0]["command"] = ["echo $GREETING in $(pwd) as $(id -u)"]
        td["containerDefinitions"][0]["workingDirectory"] = "/tmp"
        self.register(td)
        arn = self.run_task("imgcmd")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        self.assertIn("hi there in /tmp as 0", self.d.output(arn.split("/")[-1], "app"))

    def test_image_default_cmd(self):
        self.register(busybox_def("dflt", None))
        arn = self.run_task("dflt")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        self.assertIn("hello from busybox", self.d.output(arn.split("/")[-1], "app"))

    def test_overrides_command_and_environment(self):
        self.register(busybox_def("over", ["sh", "-c", "exit 9"]))
        arn = self.run_task("over", overrides={"containerOverrides": [{
            "name": "app", "command": ["sh", "-c", "echo $X; exit 4"],
            "environment": [{"name": "X", "value": "overridden"}]}]})[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 4)
        self.assertIn("overridden", self.d.output(arn.split("/")[-1], "app"))

    def test_stop_task_on_long_sleep(self):
        self.register(busybox_def("sleeper", ["sleep", "600"], stopTimeout=2))
        arn = self.run_task("sleeper")[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        t0 = time.time()
        resp = self.ecs.stop_task(task=arn, reason="enough")
        self.assertEqual(resp["task"]["desiredStatus"], "STOPPED")
        t = wait_stopped(self.ecs, [arn], 30)[0]
        elapsed = time.time() - t0
        self.assertLess(elapsed, 2 + 5, "STOPPED within its stopTimeout (2 s) plus slack")
        self.assertEqual(t["stopCode"], "UserInitiated")
        self.assertEqual(t["stoppedReason"], "enough")
        # sleep as PID 1 ignores SIGTERM: SIGKILL after the stop timeout.
        self.assertEqual(t["containers"][0]["exitCode"], 137)

    def test_nonessential_exit_keeps_task_running(self):
        td = busybox_def("pair", ["sleep", "600"], stopTimeout=2)
        td["containerDefinitions"].append({"name": "side", "image": "busybox:1", "essential": False,
                                           "command": ["sh", "-c", "exit 5"]})
        self.register(td)
        arn = self.run_task("pair")[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        deadline = time.time() + 30
        while True:
            t = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
            side = [c for c in t["containers"] if c["name"] == "side"][0]
            if side["lastStatus"] == "STOPPED":
                break
            self.assertLess(time.time(), deadline, "side container never stopped")
            time.sleep(0.1)
        self.assertEqual(side["exitCode"], 5)
        time.sleep(1)
        t = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
        self.assertEqual(t["lastStatus"], "RUNNING")
        app = [c for c in t["containers"] if c["name"] == "app"][0]
        self.assertEqual(app["lastStatus"], "RUNNING")
        self.ecs.stop_task(task=arn)
        t = wait_stopped(self.ecs, [arn], 30)[0]
        self.assertEqual(t["stoppedReason"], "Task stopped by user")

    def test_missing_image_fails_to_start(self):
        self.register(busybox_def("noimg", ["true"], image="localhost/does-not-exist:1"))
        arn = self.run_task("noimg")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["stopCode"], "TaskFailedToStart")
        self.assertTrue(t["stoppedReason"].startswith("CannotPullContainerError:"), t["stoppedReason"])

    def test_bad_command_fails_to_start(self):
        self.register(busybox_def("nocmd", ["/no/such/binary"]))
        arn = self.run_task("nocmd")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["stopCode"], "TaskFailedToStart")
        self.assertTrue(t["stoppedReason"].startswith("CannotStartContainerError:"), t["stoppedReason"])

    def test_count_and_list_and_describe_missing(self):
        self.register(busybox_def("many", ["sleep", "600"], stopTimeout=2))
        tasks = self.run_task("many", count=3, startedBy="tester")
        arns = [t["taskArn"] for t in tasks]
        self.assertEqual(len(set(arns)), 3)
        listed = self.ecs.list_tasks(startedBy="tester")["taskArns"]
        self.assertEqual(sorted(listed), sorted(arns))
        self.assertEqual(self.ecs.list_tasks(family="other")["taskArns"], [])
        resp = self.ecs.describe_tasks(tasks=arns + ["0" * 32])
        self.assertEqual(len(resp["tasks"]), 3)
        self.assertEqual(resp["failures"][0]["reason"], "MISSING")
        for arn in arns:
            self.ecs.stop_task(task=arn)
        wait_stopped(self.ecs, arns, 30)
        self.assertEqual(self.ecs.list_tasks()["taskArns"], [])
        self.assertEqual(sorted(self.ecs.list_tasks(desiredStatus="STOPPED")["taskArns"]), sorted(arns))

    def test_client_token_is_idempotent(self):
        self.register(busybox_def("idem", ["true"]))
        # clientToken is newer than Debian's botocore model: send it raw.
        import json
        body = json.dumps({"taskDefinition": "idem", "clientToken": "tok-1"})
        a = json.loads(self.d.berth("call", "ecs.RunTask", body).stdout)["tasks"][0]["taskArn"]
        b = json.loads(self.d.berth("call", "ecs.RunTask", body).stdout)["tasks"][0]["taskArn"]
        self.assertEqual(a, b)
        wait_stopped(self.ecs, [a], 60)

    def test_aws_cli_wait_tasks_running(self):
        self.register(busybox_def("waitrun", ["sleep", "600"], stopTimeout=2))
        arn = self.run_task("waitrun")[0]["taskArn"]
        self.d.aws("ecs", "wait", "tasks-running", "--tasks", arn)
        t = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
        self.assertEqual(t["lastStatus"], "RUNNING")
        self.assertEqual(t["containers"][0]["lastStatus"], "RUNNING")


if __name__ == "__main__":
    unittest.main()
