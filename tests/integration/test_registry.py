"""test_registry.py: tasks whose images come from a registry: Debian's
docker-registry on loopback, images pushed with skopeo, pulled by berthd
at task start through the ECS API.  Asserts what the user sees: the
task's status, stopCode and stoppedReason, the container's imageDigest,
what the container printed, and that a failed pull leaves nothing
behind in the store."""
import base64
import json
import os
import unittest

from harness import IMAGES, Berthd, BerthTestCase, busybox_def, wait_stopped
from registry import LAYER_TYPES, Registry, two_platforms


class RegistryTestCase(BerthTestCase):
    load_images = ()
    auth = None  # (user, password) for an htpasswd registry

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("integration tests run as root")
        self.reg = Registry(*(self.auth or (None, None))).start()
        self.addCleanup(self.reg.cleanup)
        self.digest = self.reg.push("busybox-oci.tar", "busybox:1")
        self.reg_args = ["--image-pull", "default"]
        self.configure()
        self.d = Berthd(self.id().split(".")[-1][:20])
        self.d.extra_args = self.reg_args
        self.d.start()
        self.ecs = self.d.client("ecs")

    def configure(self):
        pass

    def image(self, name="busybox:1"):
        return "%s/%s" % (self.reg.host, name)

    def run_one(self, family, command, **container):
        self.register(busybox_def(family, command, **container))
        arn = self.run_task(family)[0]["taskArn"]
        return wait_stopped(self.ecs, [arn], 90)[0]

    def assert_pull_failed(self, t, *words):
        self.assertEqual(t["stopCode"], "TaskFailedToStart", t.get("stoppedReason"))
        self.assertTrue(t["stoppedReason"].startswith("CannotPullContainerError:"), t["stoppedReason"])
        for w in words:
            self.assertIn(w, t["stoppedReason"])
        partial = os.path.join(self.d.state_dir, "images/partial")
        self.assertEqual(os.listdir(partial) if os.path.isdir(partial) else [], [],
                         "a failed pull left a partial blob")


class Pull(RegistryTestCase):
    def test_task_runs_from_registry_with_its_digest(self):
        t = self.run_one("pulled", ["sh", "-c", "echo pulled and running"], image=self.image())
        self.assertEqual(t["stopCode"], "EssentialContainerExited", t.get("stoppedReason"))
        c = t["containers"][0]
        self.assertEqual(c["exitCode"], 0)
        self.assertEqual(c["imageDigest"], self.digest)
        self.assertLessEqual(t["pullStartedAt"], t["pullStoppedAt"])
        self.assertIn("pulled and running", self.d.output(t["taskArn"].split("/")[-1], "app"))

    def test_image_cmd_from_registry_config(self):
        t = self.run_one("imgcmd", None, image=self.image())
        self.assertEqual(t["containers"][0]["exitCode"], 0)
        self.assertIn("hello from busybox", self.d.output(t["taskArn"].split("/")[-1], "app"))

    def test_pull_by_digest(self):
        ref = "%s/busybox@%s" % (self.reg.host, self.digest)
        t = self.run_one("bydigest", ["true"], image=ref)
        self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        self.assertEqual(t["containers"][0]["imageDigest"], self.digest)

    def test_layers_with_whiteouts(self):
        self.reg.push("layered-oci.tar", "layered:1")
        t = self.run_one("layered", ["sh", "-c", "test ! -e /etc/motd && test ! -e /data/old.txt "
                                     "&& cat /data/new.txt"], image=self.image("layered:1"))
        self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        self.assertIn("new", self.d.output(t["taskArn"].split("/")[-1], "app"))

    def test_zstd_layers(self):
        for kind in ("zstd",):
            digest = self.reg.push("layered-oci.tar", "layered-%s:1" % kind, layers=kind)
            manifest = self.reg.manifest("layered-%s" % kind, digest)
            self.assertEqual({l["mediaType"] for l in manifest["layers"]}, {LAYER_TYPES[kind]})
            t = self.run_one("l" + kind[:4], ["sh", "-c", "test ! -e /etc/motd && cat /data/new.txt"],
                             image=self.image("layered-%s:1" % kind))
            self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
            self.assertEqual(t["containers"][0]["imageDigest"], digest)
            self.assertIn("new", self.d.output(t["taskArn"].split("/")[-1], "app"))

    def test_index_picks_the_task_platform(self):
        index_digest = self.reg.push_layout(two_platforms(os.path.join(IMAGES, "busybox-oci.tar"),
                                                          self.reg.tmp), "multi:1")
        for arch, want in (("X86_64", "hello from busybox"), ("ARM64", "arm64 image")):
            td = busybox_def("multi" + arch, None, image=self.image("multi:1"))
            td["runtimePlatform"] = {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}
            self.register(td)
            arn = self.run_task("multi" + arch)[0]["taskArn"]
            t = wait_stopped(self.ecs, [arn], 90)[0]
            self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
            self.assertIn(want, self.d.output(arn.split("/")[-1], "app"))
            self.assertTrue(t["containers"][0]["imageDigest"].startswith("sha256:"))
        self.assertTrue(index_digest.startswith("sha256:"))

    def test_unknown_tag(self):
        t = self.run_one("notag", ["true"], image=self.image("busybox:nosuchtag"))
        self.assert_pull_failed(t, "not found", "busybox:nosuchtag")

    def test_tampered_blob_fails_and_keeps_nothing(self):
        self.reg.push("layered-oci.tar", "tampered:1")
        big = max(self.reg.blob_files(), key=os.path.getsize)
        with open(big, "r+b") as f:  # same size, other bytes
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 0xFF]))
        t = self.run_one("tampered", ["true"], image=self.image("tampered:1"))
        self.assert_pull_failed(t, "digest mismatch")
        digest = "sha256:" + os.path.basename(os.path.dirname(big))
        blob = os.path.join(self.d.state_dir, "images/blobs/sha256", digest[7:])
        self.assertFalse(os.path.exists(blob), "a tampered blob was kept")

    def test_registry_down_falls_back_to_the_local_copy(self):
        first = self.run_one("cached", ["true"], image=self.image())
        self.assertEqual(first["containers"][0]["exitCode"], 0, first.get("stoppedReason"))
        self.reg.stop()
        t = self.run_one("cached2", ["sh", "-c", "echo from cache"], image=self.image())
        self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        self.assertEqual(t["containers"][0]["imageDigest"], self.digest)

    def test_registry_down_without_a_copy(self):
        self.reg.stop()
        t = self.run_one("down", ["true"], image=self.image())
        self.assert_pull_failed(t, self.reg.host)


class SharedAndCollected(RegistryTestCase):
    def test_concurrent_tasks_pull_once(self):
        self.register(busybox_def("many", ["true"], image=self.image()))
        arns = [t["taskArn"] for t in self.run_task("many", count=3)]
        for t in wait_stopped(self.ecs, arns, 90):
            self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        layers = [f for f in self.reg.blob_files() if os.path.getsize(f) > 100000]
        self.assertTrue(layers)
        digest = "sha256:" + os.path.basename(os.path.dirname(layers[0]))
        self.assertEqual(self.reg.blob_gets(digest), 1, "three tasks, one layer download")

    def test_prune_keeps_what_a_running_task_uses(self):
        self.reg.push("layered-oci.tar", "layered:1")
        pulled = json.loads(self.d.berth("image", "pull", self.image("layered:1")).stdout)
        self.assertTrue(pulled["imageDigest"].startswith("sha256:"))
        self.register(busybox_def("keeper", ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"],
                                  image=self.image()))
        arn = self.run_task("keeper")[0]["taskArn"]
        from harness import wait_status
        wait_status(self.ecs, [arn], "RUNNING", 60)
        pruned = json.loads(self.d.berth("image", "prune").stdout)
        self.assertEqual(pruned["imagesRemoved"], 1)  # layered: no task uses it
        self.assertGreater(pruned["layersRemoved"], 0)
        names = [i["name"] for i in json.loads(self.d.berth("image", "ls").stdout)["images"]]
        self.assertEqual(names, ["%s/busybox:1" % self.reg.host])
        out = self.d.berth("call", "ecs.DescribeTasks", json.dumps({"tasks": [arn]}))
        self.assertIn("RUNNING", out.stdout)
        self.reg.stop()  # the running task's layers must still be on disk
        self.register(busybox_def("bydigest", ["sh", "-c", "echo still here"],
                                  image="%s/busybox@%s" % (self.reg.host, self.digest)))
        t = wait_stopped(self.ecs, [self.run_task("bydigest")[0]["taskArn"]], 60)[0]
        self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        self.ecs.stop_task(task=arn)
        wait_stopped(self.ecs, [arn], 60)
        pruned = json.loads(self.d.berth("image", "prune").stdout)
        self.assertEqual(pruned["imagesRemoved"], 1)
        self.assertGreater(pruned["layersRemoved"], 0)
        layers = os.path.join(self.d.state_dir, "images/layers")
        self.assertEqual(os.listdir(layers), [])


class BasicAuth(RegistryTestCase):
    auth = ("berth", "s3cret")

    def configure(self):
        good = base64.b64encode(b"berth:s3cret").decode()
        bad = base64.b64encode(b"berth:wrong").decode()
        self.auth_file = os.path.join(self.reg.tmp, "auth.json")
        with open(self.auth_file, "w") as f:
            json.dump({"auths": {self.reg.host: {"auth": good},
                                 "arn:aws:secretsmanager:us-east-1:000000000000:secret:bad": {"auth": bad}}}, f)
        self.reg_args += ["--registry-auth", self.auth_file]

    def test_credentials_from_the_auth_file(self):
        t = self.run_one("authed", ["true"], image=self.image())
        self.assertEqual(t["containers"][0]["exitCode"], 0, t.get("stoppedReason"))
        self.assertEqual(t["containers"][0]["imageDigest"], self.digest)

    def test_wrong_repository_credentials(self):
        creds = {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:000000000000:secret:bad"}
        t = self.run_one("badauth", ["true"], image=self.image(), repositoryCredentials=creds)
        self.assert_pull_failed(t, "pull access denied")

    def test_missing_repository_credentials(self):
        creds = {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:000000000000:secret:none"}
        t = self.run_one("noauth", ["true"], image=self.image(), repositoryCredentials=creds)
        self.assertEqual(t["stopCode"], "TaskFailedToStart")
        self.assertTrue(t["stoppedReason"].startswith("ResourceInitializationError: unable to pull "
                                                      "secrets or registry auth"), t["stoppedReason"])


if __name__ == "__main__":
    unittest.main()
