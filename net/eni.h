/* eni.h: a task's awsvpc ENI on one host.
 *
 * A subnet is a Linux bridge "brb-<subnet hash>" holding the gateway
 * address (first host of the CIDR).  A task's ENI is a network namespace
 * bind-mounted at RUN/netns/<task-id> (so `ip netns` tools can see it
 * and a restarted daemon can find it), a veth pair "vb<first 11 of id>"
 * (host end, on the bridge) / "eth0" (task end, in the namespace) with
 * a stable per-task MAC, the task's address, loopback up and a default
 * route via the gateway.  All through libnl-route-3, never `ip`.
 * Everything is named after the task id: eni_destroy() and eni_list()
 * work from the id alone after a crash. */
#ifndef BERTH_NET_ENI_H
#define BERTH_NET_ENI_H

#include <stdint.h>

#include "common/error.h"

struct eni_subnet {
	const char *id;      /* "subnet-..." */
	uint32_t network;    /* host byte order */
	int prefix_len;      /* e.g. 24 */
};

struct eni_config {
	const char *task_id;   /* 32 hex */
	const char *netns_dir; /* RUN/netns */
	const struct eni_subnet *subnet;
	uint32_t address;      /* host byte order, inside the subnet */
};

struct eni_info {
	char host_ifname[16];
	char mac[18];          /* "0a:58:..." */
	char address[16];      /* dotted quad */
	char gateway[16];
	char netns_path[512];
};

/* Make sure the subnet's bridge exists, is up and holds the gateway. */
int eni_subnet_ensure(const struct eni_subnet *s, struct berth_err *err);
/* Create the task's namespace and veth pair as described above.  On
 * failure everything created so far is removed.  *netns_fd (O_CLOEXEC)
 * may be NULL. */
int eni_create(const struct eni_config *cfg, struct eni_info *info, int *netns_fd,
	       struct berth_err *err);
/* Remove the task's veth and namespace (unmount + unlink).  Missing
 * pieces are fine: idempotent. */
int eni_destroy(const char *netns_dir, const char *task_id, struct berth_err *err);
/* Task ids that have a namespace under netns_dir (strv). */
int eni_list(const char *netns_dir, char ***task_ids, struct berth_err *err);

#endif
