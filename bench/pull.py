"""pull.py: pulling and unpacking an image of ~100 MB in 10 layers from
a loopback registry (Debian's docker-registry), cold and warm, through
berth (a task's pullStartedAt -> pullStoppedAt, with berthd's own state
dir fresh for cold) beside `skopeo copy docker://... oci:DIR` plus
`umoci unpack` of the same image, as a ratio, in one run.  Run through
bench/run-pull (root, built tree).  Layers are random data, so gzip
cannot shrink them: every byte is downloaded, hashed and written."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from harness import IMAGES, Berthd, busybox_def, wait_stopped  # noqa: E402
from registry import Registry  # noqa: E402

LAYERS, LAYER_MB = 10, 10


def build_image(work):
    layout = os.path.join(work, "layout")
    subprocess.run(["skopeo", "copy", "-q", "oci-archive:" + os.path.join(IMAGES, "busybox-oci.tar"),
                    "oci:%s:big" % layout], check=True)
    bundle = os.path.join(work, "bundle")
    subprocess.run(["umoci", "unpack", "--image", layout + ":big", bundle], check=True,
                   capture_output=True)
    for i in range(LAYERS):
        with open(os.path.join(bundle, "rootfs", "data%d.bin" % i), "wb") as f:
            f.write(os.urandom(LAYER_MB << 20))
        subprocess.run(["umoci", "repack", "--image", layout + ":big", bundle], check=True)
    archive = os.path.join(work, "big-oci.tar")
    subprocess.run(["skopeo", "copy", "-q", "oci:%s:big" % layout, "oci-archive:" + archive], check=True)
    return archive


def berth_pull_s(d, ecs, image, family):
    ecs.register_task_definition(**busybox_def(family, ["true"], image=image))
    arn = ecs.run_task(taskDefinition=family)["tasks"][0]["taskArn"]
    t = wait_stopped(ecs, [arn], 600)[0]
    if t.get("stopCode") != "EssentialContainerExited":
        raise SystemExit("pull failed: %s" % t.get("stoppedReason"))
    return (t["pullStoppedAt"] - t["pullStartedAt"]).total_seconds()


def skopeo_umoci_s(host, oci_dir, bundle):
    t0 = time.monotonic()
    subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "docker://%s/big:1" % host,
                    "oci:%s:big" % oci_dir], check=True)
    shutil.rmtree(bundle, ignore_errors=True)
    subprocess.run(["umoci", "unpack", "--image", oci_dir + ":big", bundle], check=True,
                   capture_output=True)
    return time.monotonic() - t0


def main():
    work = tempfile.mkdtemp(prefix="berth-bench-pull-", dir="/tmp")
    reg = Registry().start()
    d = None
    try:
        archive = build_image(work)
        reg.push(archive, "big:1")  # an absolute path: IMAGES is not joined
        image = "%s/big:1" % reg.host
        d = Berthd("bench-pull")
        d.start()
        ecs = d.client("ecs")
        cold = berth_pull_s(d, ecs, image, "big1")
        warm = berth_pull_s(d, ecs, image, "big2")
        oci, bundle = os.path.join(work, "oci"), os.path.join(work, "unpacked")
        s_cold = skopeo_umoci_s(reg.host, oci, bundle)
        s_warm = skopeo_umoci_s(reg.host, oci, bundle)
        res = {"image_mb": LAYERS * LAYER_MB, "layers": LAYERS + 1,
               "berth_cold_s": round(cold, 3), "berth_warm_s": round(warm, 3),
               "skopeo_umoci_cold_s": round(s_cold, 3), "skopeo_umoci_warm_s": round(s_warm, 3),
               "ratio_cold": round(cold / s_cold, 3), "ratio_warm": round(warm / s_warm, 3)}
        for k, v in res.items():
            print("%-22s %s" % (k, v))
        out = os.path.join(os.path.dirname(__file__), "results/pull.json")
        with open(out, "w") as f:
            json.dump(res, f, indent=1)
    finally:
        if d:
            d.stop()
            d.cleanup()
        reg.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
