"""test_api.py: the ECS control plane as clients see it: clusters, task
definitions with revisions, Fargate validation (each rule rejected with
nothing stored), SigV4 (unsigned and badly signed requests refused), and
state that survives a daemon restart."""
import json
import subprocess
import unittest
import urllib.request
import urllib.error

import botocore.exceptions

from harness import BerthTestCase, busybox_def


def fargate(**over):
    td = busybox_def("v", ["true"])
    td.update(over)
    return td


class Clusters(BerthTestCase):
    load_images = ()

    def test_default_cluster_and_lifecycle(self):
        self.assertIn("arn:aws:ecs:us-east-1:000000000000:cluster/default",
                      self.ecs.list_clusters()["clusterArns"])
        c = self.ecs.create_cluster(clusterName="blue")["cluster"]
        self.assertEqual(c["clusterArn"], "arn:aws:ecs:us-east-1:000000000000:cluster/blue")
        self.assertEqual(c["status"], "ACTIVE")
        resp = self.ecs.describe_clusters(clusters=["blue", "nope"])
        self.assertEqual([x["clusterName"] for x in resp["clusters"]], ["blue"])
        self.assertEqual(resp["failures"][0]["reason"], "MISSING")
        self.assertEqual(self.ecs.delete_cluster(cluster="blue")["cluster"]["status"], "INACTIVE")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ecs.list_tasks(cluster="blue")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ClusterNotFoundException")

    def test_aws_cli_list_clusters_with_profile(self):
        out = self.d.aws("ecs", "list-clusters")
        self.assertIn("arn:aws:ecs:us-east-1:000000000000:cluster/default", out["clusterArns"])


class TaskDefinitions(BerthTestCase):
    load_images = ()

    def test_revisions_describe_list_deregister(self):
        a = self.register(busybox_def("fam", ["true"]))
        b = self.register(busybox_def("fam", ["false"]))
        self.assertEqual((a["revision"], b["revision"]), (1, 2))
        self.assertEqual(b["taskDefinitionArn"],
                         "arn:aws:ecs:us-east-1:000000000000:task-definition/fam:2")
        self.assertEqual(b["status"], "ACTIVE")
        self.assertEqual(b["containerDefinitions"][0]["essential"], True)
        for ref in ("fam", "fam:2", b["taskDefinitionArn"]):
            got = self.ecs.describe_task_definition(taskDefinition=ref)["taskDefinition"]
            self.assertEqual(got["revision"], 2, ref)
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition="fam:1")["taskDefinition"]
                         ["containerDefinitions"][0]["command"], ["true"])
        self.assertEqual(self.ecs.list_task_definition_families()["families"], ["fam"])
        self.assertEqual(len(self.ecs.list_task_definitions(familyPrefix="fam")["taskDefinitionArns"]), 2)
        gone = self.ecs.deregister_task_definition(taskDefinition="fam:2")["taskDefinition"]
        self.assertEqual(gone["status"], "INACTIVE")
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition="fam")["taskDefinition"]["revision"], 1)

    def test_cpu_memory_spellings_normalized(self):
        td = fargate(cpu="1 vCPU", memory="2GB")
        got = self.register(td)
        self.assertEqual((got["cpu"], got["memory"]), ("1024", "2048"))

    def assert_rejected(self, td, field):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ecs.register_task_definition(**td)
        err = cm.exception.response["Error"]
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn(err["Code"], ("ClientException", "InvalidParameterException"))
        self.assertIn(field.lower(), err["Message"].lower(), err["Message"])

    def test_fargate_rules_rejected_and_nothing_stored(self):
        def ctr(**kw):
            td = fargate()
            td["containerDefinitions"][0].update(kw)
            return td
        cases = [
            (fargate(cpu="512", memory="8192"), "fargate"),
            (fargate(cpu="300", memory="512"), "cpu"),
            (fargate(networkMode="bridge"), "awsvpc"),
            (ctr(privileged=True), "privileged"),
            (ctr(links=["x"]), "links"),
            (ctr(hostname="h"), "hostname"),
            (ctr(dockerSecurityOptions=["no-new-privileges"]), "dockerSecurityOptions"),
            (ctr(linuxParameters={"devices": [{"hostPath": "/dev/sda"}]}), "devices"),
            (ctr(linuxParameters={"sharedMemorySize": 64}), "sharedMemorySize"),
            (ctr(linuxParameters={"capabilities": {"add": ["SYS_ADMIN"]}}), "SYS_ADMIN"),
            (ctr(memory=4096), "memory"),
            (ctr(portMappings=[{"containerPort": 80, "hostPort": 8080}]), "hostPort"),
            (ctr(image="UPPER/Case"), "image"),
        ]
        for td, field in cases:
            with self.subTest(field=field):
                self.assert_rejected(td, field)
        self.assertEqual(self.ecs.list_task_definition_families(status="ALL")["families"], [])
        self.assertEqual(self.ecs.list_task_definitions()["taskDefinitionArns"], [])


class Auth(BerthTestCase):
    load_images = ()

    def post(self, headers, body=b"{}"):
        req = urllib.request.Request(self.d.endpoint + "/", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def test_unsigned_request_refused(self):
        status, body = self.post({"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
                                  "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 403)
        self.assertIn(body["__type"], ("UnrecognizedClientException", "MissingAuthenticationTokenException"))

    def test_unsigned_with_curl(self):
        p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                            "-H", "X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters",
                            "-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}",
                            self.d.endpoint + "/"], capture_output=True, text=True)
        self.assertEqual(p.stdout, "403")

    def test_wrong_secret_refused(self):
        import boto3
        key, _ = self.d.keys()
        bad = boto3.client("ecs", region_name="us-east-1", endpoint_url=self.d.endpoint,
                           aws_access_key_id=key, aws_secret_access_key="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.list_clusters()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_unknown_key_refused(self):
        import boto3
        bad = boto3.client("ecs", region_name="us-east-1", endpoint_url=self.d.endpoint,
                           aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.list_clusters()
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")


class Durability(BerthTestCase):
    load_images = ()

    def test_definitions_and_clusters_survive_restart(self):
        self.register(busybox_def("keep", ["true"]))
        self.ecs.create_cluster(clusterName="kept")
        self.d.stop()
        self.d.start()
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition="keep")["taskDefinition"]["revision"], 1)
        self.assertEqual(self.ecs.describe_clusters(clusters=["kept"])["clusters"][0]["status"], "ACTIVE")


if __name__ == "__main__":
    unittest.main()
