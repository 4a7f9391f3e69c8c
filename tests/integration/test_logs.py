"""test_logs.py: the awslogs shipper and the CloudWatch Logs API, through
Debian's AWS CLI and boto3: a task's lines in get-log-events in order
with stdout and stderr interleaved as written, tokens that page, tail,
filter patterns, multi-line events, a missing group failing the task,
PutLogEvents checks, and what survives a SIGKILLed berthd."""
import json
import os
import time
import unittest

from harness import Berthd, BerthTestCase, busybox_def, wait_status, wait_stopped


def awslogs(group, prefix="app", **opts):
    o = {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": prefix}
    o.update(opts)
    return {"logDriver": "awslogs", "options": o}


class LogsTestCase(BerthTestCase):
    """A daemon, its Logs client, and tasks whose output goes to awslogs."""

    def setUp(self):
        super().setUp()
        self.logs = self.d.client("logs")

    def run_logged(self, family, script, group="/ecs/test", timeout=60, **opts):
        opts.setdefault("awslogs-create-group", "true")
        self.register(busybox_def(family, ["sh", "-c", script],
                                  logConfiguration=awslogs(group, **opts)))
        arn = self.run_task(family)[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], timeout)[0]
        return t, "app/app/" + arn.split("/")[-1]

    def events(self, group, stream, **kw):
        out, token = [], None
        while True:
            args = dict(logGroupName=group, logStreamName=stream, startFromHead=True, **kw)
            if token:
                args["nextToken"] = token
            r = self.logs.get_log_events(**args)
            out += r["events"]
            if r["nextForwardToken"] == token or not r["events"]:
                return out
            token = r["nextForwardToken"]


class Shipper(LogsTestCase):
    def test_lines_arrive_in_order_with_both_streams_interleaved(self):
        t, stream = self.run_logged(
            "order", "for i in 1 2 3; do echo out-$i; echo err-$i >&2; done; printf 'no-newline'")
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        r = self.d.aws("logs", "get-log-events", "--log-group-name", "/ecs/test",
                       "--log-stream-name", stream, "--start-from-head")
        msgs = [e["message"] for e in r["events"]]
        self.assertEqual(msgs, ["out-1", "err-1", "out-2", "err-2", "out-3", "err-3", "no-newline"])
        ts = [e["timestamp"] for e in r["events"]]
        self.assertEqual(ts, sorted(ts))
        now = time.time() * 1000
        self.assertTrue(all(now - 120000 < x <= now + 1000 for x in ts), ts)
        streams = self.d.aws("logs", "describe-log-streams", "--log-group-name", "/ecs/test")
        self.assertEqual([s["logStreamName"] for s in streams["logStreams"]], [stream])
        self.assertEqual(streams["logStreams"][0]["firstEventTimestamp"], ts[0])
        self.assertEqual(streams["logStreams"][0]["lastEventTimestamp"], ts[-1])

    def test_tokens_page_both_ways(self):
        _, stream = self.run_logged("page", "seq 1 25")
        r = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream,
                                     startFromHead=True, limit=10)
        self.assertEqual([e["message"] for e in r["events"]], [str(i) for i in range(1, 11)])
        r2 = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream,
                                      nextToken=r["nextForwardToken"], limit=10)
        self.assertEqual([e["message"] for e in r2["events"]], [str(i) for i in range(11, 21)])
        back = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream,
                                        nextToken=r2["nextBackwardToken"], limit=5)
        self.assertEqual([e["message"] for e in back["events"]], [str(i) for i in range(6, 11)])
        # Without a token the newest come first page: the last 10, in order.
        tail = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream, limit=10)
        self.assertEqual([e["message"] for e in tail["events"]], [str(i) for i in range(16, 26)])
        end = self.logs.get_log_events(logGroupName="/ecs/test", logStreamName=stream,
                                       nextToken=tail["nextForwardToken"])
        self.assertEqual(end["events"], [])
        self.assertEqual(end["nextForwardToken"], tail["nextForwardToken"])
        self.assertEqual(len(self.events("/ecs/test", stream)), 25)

    def test_missing_group_fails_the_task(self):
        self.register(busybox_def("nogroup", ["true"], logConfiguration=awslogs("/ecs/absent")))
        arn = self.run_task("nogroup")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["stopCode"], "TaskFailedToStart")
        self.assertTrue(t["stoppedReason"].startswith(
            "ResourceInitializationError: failed to initialize logging driver"), t["stoppedReason"])
        self.assertIn("/ecs/absent", t["stoppedReason"])

    def test_existing_group_without_create_group(self):
        self.logs.create_log_group(logGroupName="/ecs/made")
        self.register(busybox_def("made", ["echo", "into made"],
                                  logConfiguration=awslogs("/ecs/made")))
        arn = self.run_task("made")[0]["taskArn"]
        t = wait_stopped(self.ecs, [arn], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        ev = self.events("/ecs/made", "app/app/" + arn.split("/")[-1])
        self.assertEqual([e["message"] for e in ev], ["into made"])

    def test_multiline_pattern_groups_stack_traces(self):
        script = ("echo 'INFO start'; echo 'ERROR boom'; echo '  at a.B(C.java:1)';"
                  " echo '  at d.E(F.java:2)'; echo 'INFO done'")
        _, stream = self.run_logged("ml", script,
                                    **{"awslogs-multiline-pattern": "^(INFO|ERROR)"})
        msgs = [e["message"] for e in self.events("/ecs/test", stream)]
        self.assertEqual(msgs, ["INFO start", "ERROR boom\n  at a.B(C.java:1)\n  at d.E(F.java:2)",
                                "INFO done"])

    def test_datetime_format_groups_lines(self):
        script = ("echo '2026-12-04 10:00:00 one'; echo 'cont'; echo '2026-12-04 10:00:01 two'")
        _, stream = self.run_logged("dt", script,
                                    **{"awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"})
        msgs = [e["message"] for e in self.events("/ecs/test", stream)]
        self.assertEqual(msgs, ["2026-12-04 10:00:00 one\ncont", "2026-12-04 10:00:01 two"])

    def test_long_line_is_split_at_the_event_limit(self):
        # 300,000 bytes on one line: one full event (256 KiB - 26) and the rest.
        _, stream = self.run_logged("long", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo tail")
        ev = self.events("/ecs/test", stream)
        self.assertEqual([len(e["message"]) for e in ev], [262118, 300000 - 262118, 4])

    def test_filter_and_tail(self):
        script = ('echo \'{"level":"error","code":500}\'; echo \'{"level":"info","code":200}\';'
                  ' echo "ERROR Connection refused"; echo "WARN slow"; echo "ERROR Timeout"')
        _, stream = self.run_logged("filter", script)

        def matches(pattern):
            r = self.d.aws("logs", "filter-log-events", "--log-group-name", "/ecs/test",
                           "--filter-pattern", pattern)
            return [e["message"] for e in r["events"]]

        self.assertEqual(matches("ERROR"), ["ERROR Connection refused", "ERROR Timeout"])
        self.assertEqual(matches('"Connection refused"'), ["ERROR Connection refused"])
        self.assertEqual(matches("ERROR -Timeout"), ["ERROR Connection refused"])
        self.assertEqual(matches("?WARN ?Timeout"), ["WARN slow", "ERROR Timeout"])
        self.assertEqual(matches('{ $.level = "error" }'), ['{"level":"error","code":500}'])
        self.assertEqual(matches("{ $.code > 300 }"), ['{"level":"error","code":500}'])
        r = self.d.aws("logs", "filter-log-events", "--log-group-name", "/ecs/test",
                       "--filter-pattern", "{ $.level = ", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidParameterException", r.stderr)
        tail = self.d.aws_text("logs", "tail", "/ecs/test", "--since", "1h", "--format", "short")
        self.assertIn("ERROR Timeout", tail)
        self.assertEqual(len([l for l in tail.splitlines() if l.strip()]), 5, tail)

    def test_tail_follow_sees_new_lines(self):
        self.register(busybox_def("follow", ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done"],
                                  logConfiguration=awslogs("/ecs/follow", **{"awslogs-create-group": "true"})))
        arn = self.run_task("follow")[0]["taskArn"]
        wait_status(self.ecs, [arn], "RUNNING", 60)
        p = self.d.aws_popen("logs", "tail", "/ecs/follow", "--follow", "--format", "short")
        try:
            seen, deadline = "", time.time() + 30
            while "tick-20" not in seen and time.time() < deadline:
                line = p.stdout.readline()
                if not line:
                    break
                seen += line
            self.assertIn("tick-20", seen)
        finally:
            p.kill()
            p.wait()
        self.ecs.stop_task(task=arn)
        wait_stopped(self.ecs, [arn], 60)


class Forwarding(BerthTestCase):
    """berthd forwarding its store to a second berthd on loopback, with
    the receiver stopped for a while and the sender SIGKILLed: every
    event arrives exactly once, in order."""

    def test_forward_survives_receiver_outage_and_sender_kill(self):
        recv = Berthd("recv").start()
        try:
            self.d.stop()
            self.d.extra_args = ["--logs-forward-endpoint", recv.endpoint,
                                 "--logs-forward-credentials", recv.credentials_file]
            self.d.start()
            self.ecs = self.d.client("ecs")
            n = 3000
            script = "i=1; while [ $i -le %d ]; do echo line-$i; i=$((i+1)); " \
                     "[ $((i %% 100)) -eq 0 ] && sleep 0.1; done" % n
            self.register(busybox_def("fwd", ["sh", "-c", script], logConfiguration=awslogs(
                "/ecs/fwd", mode="blocking", **{"awslogs-create-group": "true"})))
            arn = self.run_task("fwd")[0]["taskArn"]
            stream = "app/app/" + arn.split("/")[-1]
            rlogs = recv.client("logs")
            self.wait_remote(rlogs, stream, 200)
            recv.stop()          # the receiver goes away for a while
            time.sleep(2)
            recv.start()
            rlogs = recv.client("logs")
            self.wait_remote(rlogs, stream, 1500)
            self.d.kill()        # the sender dies mid-forward
            self.d.start()
            self.ecs = self.d.client("ecs")
            wait_stopped(self.ecs, [arn], 120)
            got = self.wait_remote(rlogs, stream, n)
            self.assertEqual(got, ["line-%d" % i for i in range(1, n + 1)])
        finally:
            recv.cleanup()

    def test_stream_made_again_is_forwarded_from_its_start(self):
        recv = Berthd("recv2").start()
        try:
            self.d.stop()
            self.d.extra_args = ["--logs-forward-endpoint", recv.endpoint,
                                 "--logs-forward-credentials", recv.credentials_file]
            self.d.start()
            L, now = self.d.client("logs"), int(time.time() * 1000)
            L.create_log_group(logGroupName="/ecs/fwd")
            L.create_log_stream(logGroupName="/ecs/fwd", logStreamName="s")
            L.put_log_events(logGroupName="/ecs/fwd", logStreamName="s", logEvents=[
                {"timestamp": now + i, "message": "old-%d-%s" % (i, "z" * 200)} for i in range(3)])
            rlogs = recv.client("logs")
            self.wait_remote(rlogs, "s", 3)
            L.delete_log_stream(logGroupName="/ecs/fwd", logStreamName="s")
            time.sleep(0.01)
            L.create_log_stream(logGroupName="/ecs/fwd", logStreamName="s")
            L.put_log_events(logGroupName="/ecs/fwd", logStreamName="s", logEvents=[
                {"timestamp": now + 10, "message": "new-1"}, {"timestamp": now + 11, "message": "new-2"}])
            got = self.wait_remote(rlogs, "s", 5)
            self.assertEqual(got[3:], ["new-1", "new-2"])
        finally:
            recv.cleanup()

    def wait_remote(self, logs, stream, at_least, timeout=60):
        deadline = time.time() + timeout
        msgs = []
        while time.time() < deadline:
            msgs, token = [], None
            try:
                while True:
                    kw = {"nextToken": token} if token else {"startFromHead": True}
                    r = logs.get_log_events(logGroupName="/ecs/fwd", logStreamName=stream, **kw)
                    msgs += [e["message"] for e in r["events"]]
                    if not r["events"]:
                        break
                    token = r["nextForwardToken"]
            except logs.exceptions.ResourceNotFoundException:
                pass
            if len(msgs) >= at_least:
                return msgs
            time.sleep(0.2)
        raise AssertionError("the receiver has %d of %d events" % (len(msgs), at_least))

class LogsApi(BerthTestCase):
    load_images = ()

    def setUp(self):
        super().setUp()
        self.logs = self.d.client("logs")

    def test_groups_streams_and_errors(self):
        L = self.logs
        L.create_log_group(logGroupName="/a/one")
        L.create_log_group(logGroupName="/a/two")
        L.create_log_group(logGroupName="/b/three")
        with self.assertRaises(L.exceptions.ResourceAlreadyExistsException):
            L.create_log_group(logGroupName="/a/one")
        with self.assertRaises(L.exceptions.InvalidParameterException):
            L.create_log_group(logGroupName="bad name")
        names = [g["logGroupName"] for g in L.describe_log_groups(logGroupNamePrefix="/a/")["logGroups"]]
        self.assertEqual(names, ["/a/one", "/a/two"])
        page = L.describe_log_groups(limit=2)
        self.assertEqual(len(page["logGroups"]), 2)
        rest = L.describe_log_groups(nextToken=page["nextToken"])
        self.assertEqual([g["logGroupName"] for g in rest["logGroups"]], ["/b/three"])
        self.assertNotIn("nextToken", rest)
        L.put_retention_policy(logGroupName="/a/one", retentionInDays=7)
        g = L.describe_log_groups(logGroupNamePrefix="/a/one")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 7)
        self.assertEqual(g["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:/a/one:*")
        with self.assertRaises(L.exceptions.InvalidParameterException):
            L.put_retention_policy(logGroupName="/a/one", retentionInDays=8)
        L.delete_log_group(logGroupName="/a/two")
        with self.assertRaises(L.exceptions.ResourceNotFoundException):
            L.delete_log_group(logGroupName="/a/two")
        with self.assertRaises(L.exceptions.ResourceNotFoundException):
            L.create_log_stream(logGroupName="/a/two", logStreamName="s")
        L.create_log_stream(logGroupName="/a/one", logStreamName="s1")
        L.create_log_stream(logGroupName="/a/one", logStreamName="s2")
        with self.assertRaises(L.exceptions.ResourceAlreadyExistsException):
            L.create_log_stream(logGroupName="/a/one", logStreamName="s1")
        with self.assertRaises(L.exceptions.ResourceNotFoundException):
            L.get_log_events(logGroupName="/a/one", logStreamName="nope")

    def test_put_then_read_and_order_by_last_event(self):
        L = self.logs
        now = int(time.time() * 1000)
        L.create_log_group(logGroupName="g")
        for s in ("early", "late"):
            L.create_log_stream(logGroupName="g", logStreamName=s)
        L.put_log_events(logGroupName="g", logStreamName="late",
                         logEvents=[{"timestamp": now, "message": "late one"}])
        r = L.put_log_events(logGroupName="g", logStreamName="early", logEvents=[
            {"timestamp": now - 20 * 86400000, "message": "too old"},
            {"timestamp": now - 20 * 86400000 + 1, "message": "too old too"}])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 1})
        r = L.put_log_events(logGroupName="g", logStreamName="early", logEvents=[
            {"timestamp": now - 5000, "message": "a"},
            {"timestamp": now - 4000, "message": "b"},
            {"timestamp": now + 3 * 3600000, "message": "too new"}])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooNewLogEventStartIndex": 2})
        with self.assertRaises(L.exceptions.InvalidParameterException):
            L.put_log_events(logGroupName="g", logStreamName="early", logEvents=[
                {"timestamp": now - 2 * 86400000, "message": "x"}, {"timestamp": now, "message": "y"}])
        ev = L.get_log_events(logGroupName="g", logStreamName="early", startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in ev], ["a", "b"])
        self.assertEqual(ev[0]["timestamp"], now - 5000)
        self.assertGreaterEqual(ev[0]["ingestionTime"], now - 1000)
        window = L.get_log_events(logGroupName="g", logStreamName="early", startFromHead=True,
                                  startTime=now - 4500, endTime=now)["events"]
        self.assertEqual([e["message"] for e in window], ["b"])
        with self.assertRaises(L.exceptions.InvalidParameterException):
            L.put_log_events(logGroupName="g", logStreamName="early", logEvents=[
                {"timestamp": now, "message": "x"}, {"timestamp": now - 1, "message": "y"}])
        order = L.describe_log_streams(logGroupName="g", orderBy="LastEventTime", descending=True)
        self.assertEqual([s["logStreamName"] for s in order["logStreams"]], ["late", "early"])
        with self.assertRaises(L.exceptions.InvalidParameterException):
            L.describe_log_streams(logGroupName="g", orderBy="LastEventTime", logStreamNamePrefix="e")
        f = L.filter_log_events(logGroupName="g", filterPattern="late")
        self.assertEqual([(e["logStreamName"], e["message"]) for e in f["events"]], [("late", "late one")])
        # Paging FilterLogEvents by one: every event once, by time.
        got, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = L.filter_log_events(logGroupName="g", limit=1, **kw)
            got += [e["message"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(got, ["a", "b", "late one"])
        L.delete_log_stream(logGroupName="g", logStreamName="early")
        self.assertEqual([s["logStreamName"] for s in L.describe_log_streams(logGroupName="g")["logStreams"]],
                         ["late"])

    def test_retention_policy_drops_old_events_at_once(self):
        L = self.logs
        now = int(time.time() * 1000)
        L.create_log_group(logGroupName="ret")
        L.create_log_stream(logGroupName="ret", logStreamName="s")
        L.put_log_events(logGroupName="ret", logStreamName="s", logEvents=[
            {"timestamp": now - 3 * 86400000, "message": "three days old"},
            {"timestamp": now - 2 * 86400000, "message": "two days old"}])
        L.put_log_events(logGroupName="ret", logStreamName="s", logEvents=[
            {"timestamp": now, "message": "fresh"}])
        first = L.get_log_events(logGroupName="ret", logStreamName="s", startFromHead=True, limit=1)
        L.put_retention_policy(logGroupName="ret", retentionInDays=1)
        ev = L.get_log_events(logGroupName="ret", logStreamName="s", startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in ev], ["fresh"])
        # A token from before the trim still reads what is left.
        again = L.get_log_events(logGroupName="ret", logStreamName="s",
                                 nextToken=first["nextBackwardToken"])
        self.assertEqual([e["message"] for e in again["events"]], [])
        fwd = L.get_log_events(logGroupName="ret", logStreamName="s",
                               nextToken=first["nextForwardToken"])
        self.assertEqual([e["message"] for e in fwd["events"]], ["fresh"])
        # An event past retention is refused as expired.
        r = L.put_log_events(logGroupName="ret", logStreamName="s", logEvents=[
            {"timestamp": now - 2 * 86400000, "message": "expired"},
            {"timestamp": now - 2 * 86400000 + 1, "message": "expired too"}])
        self.assertEqual(r["rejectedLogEventsInfo"], {"expiredLogEventEndIndex": 1})

    def test_stream_size_limit(self):
        self.d.stop()
        self.d.extra_args = ["--log-stream-max-mib", "1", "--log-retention-interval", "1"]
        self.d.start()
        L = self.logs = self.d.client("logs")
        now = int(time.time() * 1000)
        L.create_log_group(logGroupName="big")
        L.create_log_stream(logGroupName="big", logStreamName="s")
        for b in range(4):  # 4 batches of ~800 KiB
            L.put_log_events(logGroupName="big", logStreamName="s", logEvents=[
                {"timestamp": now + b, "message": "%d-%d-" % (b, i) + "y" * 8000} for i in range(100)])
        deadline = time.time() + 20
        while time.time() < deadline:
            s = L.describe_log_streams(logGroupName="big")["logStreams"][0]
            if s["storedBytes"] <= (1 << 20) + 8192:
                break
            time.sleep(0.2)
        self.assertLessEqual(s["storedBytes"], (1 << 20) + 8192)
        ev = L.get_log_events(logGroupName="big", logStreamName="s", startFromHead=True)["events"]
        self.assertGreater(len(ev), 100)
        self.assertLess(len(ev), 140)
        self.assertTrue(ev[-1]["message"].startswith("3-99-"))


if __name__ == "__main__":
    unittest.main()
