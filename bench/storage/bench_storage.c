/* bench_storage.c: what ephemeral storage costs a task (needs root).
 *
 * 1. storage_create / storage_destroy latency, median and p90 of N runs,
 *    for 20 GiB (Fargate's default) and 200 GiB (its maximum): "hot" with
 *    a ready pool image (the pool is refilled between runs, untimed) and
 *    "cold" with an empty pool (mke2fs inline).
 * 2. Sequential write throughput: 512 MiB in 1 MiB writes then fsync,
 *    inside a task's storage and in a plain file of the state dir's own
 *    filesystem, and their ratio (median of 3 each).
 * Usage: bench_storage [-n RUNS] [-d BASE_DIR]   (BASE_DIR on the
 * filesystem that will hold STATE; default /var/tmp).  Everything it
 * makes lives under a temporary BASE_DIR/berth-bench-XXXXXX, removed at
 * the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/ids.h"
#include "isolation/storage.h"

#define MIB (1ull << 20)
#define WRITE_MIB 512

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(int64_t *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	return (double)v[(n - 1) * p / 100] / 1e6;
}

struct lat {
	double create_med, create_p90, destroy_med, total_med;
};

static int bench_latency(struct storage_host *h, unsigned gib, int hot, int runs, struct lat *out)
{
	struct berth_err err = { 0 };
	int64_t *c = calloc((size_t)runs, sizeof(*c)), *d = calloc((size_t)runs, sizeof(*d));
	int64_t *t = calloc((size_t)runs, sizeof(*t));

	for (int i = 0; i < runs; i++) {
		char id[32], path[256];
		int64_t t0, t1, t2;
		snprintf(id, sizeof(id), "bench-%u-%d-%d", gib, hot, i);
		if ((hot ? storage_pool_refill(h, (uint64_t)gib << 10, 1, &err)
			 : storage_pool_drain(h, &err)) < 0)
			goto fail;
		t0 = time_mono_ns();
		if (storage_create(h, id, gib, path, sizeof(path), &err) < 0)
			goto fail;
		t1 = time_mono_ns();
		if (storage_destroy(h, id, &err) < 0)
			goto fail;
		t2 = time_mono_ns();
		c[i] = t1 - t0;
		d[i] = t2 - t1;
		t[i] = t2 - t0;
	}
	out->create_p90 = pct(c, runs, 90);
	out->create_med = pct(c, runs, 50);
	out->destroy_med = pct(d, runs, 50);
	out->total_med = pct(t, runs, 50);
	free(c), free(d), free(t);
	return 0;
fail:
	fprintf(stderr, "bench_storage: %s\n", err.msg);
	free(c), free(d), free(t);
	return -1;
}

/* MiB/s of a WRITE_MIB sequential write plus fsync of dir/bench.dat. */
static double write_mibps(const char *dir)
{
	static char buf[1 << 20];
	char p[512];
	int64_t t0, t1;
	int fd;

	memset(buf, 0xa5, sizeof(buf));
	snprintf(p, sizeof(p), "%s/bench.dat", dir);
	t0 = time_mono_ns();
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (int i = 0; i < WRITE_MIB; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			close(fd);
			return -1;
		}
	if (fsync(fd) < 0 || close(fd) < 0)
		return -1;
	t1 = time_mono_ns();
	unlink(p);
	return WRITE_MIB / ((double)(t1 - t0) / 1e9);
}

static double med3(const char *dir)
{
	double v[3];
	for (int i = 0; i < 3; i++)
		v[i] = write_mibps(dir);
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (v[j] < v[i]) {
				double x = v[i];
				v[i] = v[j];
				v[j] = x;
			}
	return v[1];
}

static int bench_throughput(struct storage_host *h, const char *state)
{
	struct berth_err err = { 0 };
	char path[256];
	double task, host;

	if (storage_create(h, "bench-write", STORAGE_DEFAULT_GIB, path, sizeof(path), &err) < 0) {
		fprintf(stderr, "bench_storage: %s\n", err.msg);
		return -1;
	}
	task = med3(path);
	host = med3(state);
	storage_destroy(h, "bench-write", &err);
	printf("\n| %u MiB write + fsync | MiB/s |\n|---|---:|\n", WRITE_MIB);
	printf("| task storage (loop, ext4) | %.0f |\n| host fs (state dir) | %.0f |\n", task,
	       host);
	printf("| ratio task/host | %.2f |\n", task / host);
	return 0;
}

int main(int argc, char **argv)
{
	const char *base_dir = "/var/tmp";
	char base[300], state[320], mnt[320];
	struct berth_err err = { 0 };
	struct storage_host *h;
	int runs = 50, opt, rc = 0;
	static const unsigned sizes[] = { STORAGE_DEFAULT_GIB, 200 };

	while ((opt = getopt(argc, argv, "n:d:")) != -1)
		if (opt == 'n')
			runs = atoi(optarg);
		else if (opt == 'd')
			base_dir = optarg;
		else
			return fprintf(stderr, "usage: %s [-n RUNS] [-d DIR]\n", argv[0]), 2;
	snprintf(base, sizeof(base), "%s/berth-bench-XXXXXX", base_dir);
	if (runs < 1 || mkdtemp(base) == NULL)
		return perror("bench_storage: mkdtemp"), 1;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(mnt, sizeof(mnt), "%s/mnt", base);
	h = storage_probe(state, mnt, &err);
	if (h == NULL)
		return fprintf(stderr, "bench_storage: %s\n", err.msg), 1;
	/* 200 GiB may exceed the host's free space; the images stay sparse */
	storage_set_overcommit(h, true);
	printf("| size | pool | create median ms | create p90 ms | destroy median ms | "
	       "create+destroy median ms |\n|---|---|---:|---:|---:|---:|\n");
	for (size_t s = 0; s < 2 && rc == 0; s++)
		for (int hot = 1; hot >= 0 && rc == 0; hot--) {
			struct lat l;
			rc = bench_latency(h, sizes[s], hot, runs, &l);
			if (rc == 0)
				printf("| %u GiB | %s | %.2f | %.2f | %.2f | %.2f |\n", sizes[s],
				       hot ? "warm" : "empty", l.create_med, l.create_p90,
				       l.destroy_med, l.total_med);
		}
	if (rc == 0)
		rc = bench_throughput(h, state);
	storage_pool_drain(h, &err);
	storage_host_free(h);
	fs_rm_rf(base, &err);
	return rc ? 1 : 0;
}
