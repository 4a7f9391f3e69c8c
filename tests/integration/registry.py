"""registry.py: Debian's docker-registry on a free loopback port for one
test, with images pushed by skopeo from the test archives; optionally
behind htpasswd Basic auth.  stop() ends it by PID and removes its
storage."""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.request

from harness import IMAGES, free_port

LAYER_TYPES = {"zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
               "uncompressed": "application/vnd.oci.image.layer.v1.tar"}


class Layout:
    """An OCI image layout unpacked from a test archive, to rework."""

    def __init__(self, archive, path):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        with tarfile.open(archive) as t:
            t.extractall(path)
        self.path = path
        self.blobs = os.path.join(path, "blobs", "sha256")

    def put(self, data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobs, d), "wb") as f:
            f.write(data)
        return "sha256:" + d

    def blob(self, digest):
        with open(os.path.join(self.blobs, digest.split(":")[1]), "rb") as f:
            return f.read()

    def index(self):
        with open(os.path.join(self.path, "index.json")) as f:
            return json.load(f)

    def set_index(self, index):
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(index, f)


def two_platforms(archive, tmp):
    """An OCI layout whose image index lists linux/arm64 first (the same
    layers, a config whose Cmd prints "arm64 image") and then the
    archive's linux/amd64 image."""
    lay = Layout(archive, os.path.join(tmp, "oci-multi"))
    amd = lay.index()["manifests"][0]
    manifest = json.loads(lay.blob(amd["digest"]))
    config = json.loads(lay.blob(manifest["config"]["digest"]))
    config["architecture"] = "arm64"
    config.setdefault("config", {})["Cmd"] = ["sh", "-c", "echo arm64 image"]
    text = json.dumps(config).encode()
    manifest["config"].update(digest=lay.put(text), size=len(text))
    arm_text = json.dumps(manifest).encode()
    entry = lambda digest, size, arch: {
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size,
        "platform": {"architecture": arch, "os": "linux"}}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [entry(lay.put(arm_text), len(arm_text), "arm64"),
                           entry(amd["digest"], amd["size"], "amd64")]}
    text = json.dumps(index).encode()
    lay.set_index({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": lay.put(text),
        "size": len(text)}]})
    return lay.path


def recompressed(archive, kind, tmp):
    """An OCI layout of ARCHIVE with its gzip layers recompressed as KIND
    (zstd, uncompressed): skopeo alone reuses the gzip blobs."""
    lay = Layout(archive, os.path.join(tmp, "oci-" + kind))
    index = lay.index()
    for m in index["manifests"]:
        manifest = json.loads(lay.blob(m["digest"]))
        for layer in manifest["layers"]:
            raw = gzip.decompress(lay.blob(layer["digest"]))
            data = raw if kind == "uncompressed" else subprocess.run(
                ["zstd", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
            layer.update(digest=lay.put(data), size=len(data), mediaType=LAYER_TYPES[kind])
        text = json.dumps(manifest).encode()
        m.update(digest=lay.put(text), size=len(text))
    lay.set_index(index)
    return lay.path


class Registry:
    def __init__(self, user=None, password=None):
        self.tmp = tempfile.mkdtemp(prefix="berth-registry-", dir="/tmp")
        self.port = free_port()
        self.user, self.password = user, password
        self.proc = None

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        auth = ""
        if self.user:
            htpasswd = os.path.join(self.tmp, "htpasswd")
            line = subprocess.run(["htpasswd", "-Bbn", self.user, self.password], check=True,
                                  capture_output=True, text=True).stdout
            with open(htpasswd, "w") as f:
                f.write(line)
            auth = "auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n" % htpasswd
        cfg = os.path.join(self.tmp, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n"
                    "http:\n  addr: %s\nlog:\n  level: info\n%s" % (self.tmp, self.host, auth))
        self.log = open(os.path.join(self.tmp, "registry.log"), "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen("http://%s/v2/" % self.host, timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 401: up, and asking for auth
            except OSError:
                time.sleep(0.1)
        raise AssertionError("docker-registry did not start")

    def push_layout(self, layout, name):
        """Push an OCI layout with all its platforms; returns the digest the tag names."""
        args = ["skopeo", "copy", "-q", "--all", "--dest-tls-verify=false"]
        if self.user:
            args += ["--dest-creds", "%s:%s" % (self.user, self.password)]
        digest_file = os.path.join(self.tmp, "digest")
        args += ["--digestfile", digest_file, "oci:" + layout, "docker://%s/%s" % (self.host, name)]
        subprocess.run(args, check=True, timeout=120)
        with open(digest_file) as f:
            return f.read().strip()

    def push(self, archive, name, layers=None):
        """Push a test archive as NAME:TAG; returns the pushed manifest digest.
        layers: None (as in the archive, gzip) or "zstd".  ("uncompressed"
        layouts can be built, but skopeo gzips such layers when pushing.)"""
        args = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]

        if self.user:
            args += ["--dest-creds", "%s:%s" % (self.user, self.password)]
        digest_file = os.path.join(self.tmp, "digest")
        src = "oci-archive:" + os.path.join(IMAGES, archive)
        if layers:
            src = "oci:" + recompressed(os.path.join(IMAGES, archive), layers, self.tmp)
        args += ["--digestfile", digest_file, src, "docker://%s/%s" % (self.host, name)]
        subprocess.run(args, check=True, timeout=120)
        with open(digest_file) as f:
            return f.read().strip()

    def manifest(self, repo, digest):
        """The manifest REPO@DIGEST as the registry serves it (no auth)."""
        req = urllib.request.Request("http://%s/v2/%s/manifests/%s" % (self.host, repo, digest),
                                     headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def blob_gets(self, digest):
        """How many GETs of blob DIGEST the registry served (its access log)."""
        self.log.flush()
        with open(os.path.join(self.tmp, "registry.log"), errors="replace") as f:
            return sum(1 for line in f if '"GET /v2/' in line and "/blobs/" + digest in line)

    def blob_files(self):
        root = os.path.join(self.tmp, "data/docker/registry/v2/blobs/sha256")
        out = []
        for dirpath, _, files in os.walk(root):
            out += [os.path.join(dirpath, f) for f in files if f == "data"]
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
