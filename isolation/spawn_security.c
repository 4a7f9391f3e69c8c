/* spawn_security.c: who the container's process is and what it may do:
 * its user and groups from the image's /etc/passwd and /etc/group, the
 * capability sets (Fargate's default set, plus linuxParameters add,
 * minus drop; inheritable and ambient always empty), and the seccomp
 * filter's load (the program itself is seccomp_profile.c's, compiled in
 * the parent before clone so that the child only calls prctl). */
#include "spawn_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"

static const cap_value_t fargate_caps[] = {
	CAP_CHOWN,	  CAP_DAC_OVERRIDE, CAP_FOWNER,	    CAP_FSETID,	    CAP_KILL,
	CAP_SETGID,	  CAP_SETUID,	    CAP_SETPCAP,    CAP_NET_BIND_SERVICE, CAP_NET_RAW,
	CAP_SYS_CHROOT, CAP_MKNOD,	    CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static bool named(const char *const *list, size_t n, cap_value_t cap)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = list[i];
		cap_value_t v;
		char buf[64];
		if (strcasecmp(name, "ALL") == 0)
			return true;
		if (strncasecmp(name, "CAP_", 4) != 0) {
			snprintf(buf, sizeof(buf), "CAP_%s", name);
			name = buf;
		}
		if (cap_from_name(name, &v) == 0 && v == cap)
			return true;
	}
	return false;
}

static bool in_task_set(const struct container_spec *s, cap_value_t cap)
{
	bool on = false;
	for (size_t i = 0; i < sizeof(fargate_caps) / sizeof(fargate_caps[0]); i++)
		on |= fargate_caps[i] == cap;
	if (named(s->cap_add, s->n_cap_add, cap))
		on = true;
	if (named(s->cap_drop, s->n_cap_drop, cap))
		on = false;
	return on;
}

int spawn_drop_bounding(const struct container_spec *s, struct berth_err *err)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP || cap_valid(c); c++) {
		if (in_task_set(s, c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berth_err_errno(err, "drop capability %d from the bounding set", (int)c);
	}
	return 0;
}

int spawn_set_caps(const struct container_spec *s, struct berth_err *err)
{
	cap_t caps = cap_init();
	cap_value_t list[64];
	int n = 0;
	int rc = 0;

	if (caps == NULL)
		return berth_err_errno(err, "capabilities");
	if (geteuid() == 0)
		for (cap_value_t c = 0; c <= CAP_LAST_CAP && n < 64; c++)
			if (in_task_set(s, c))
				list[n++] = c;
	if ((n && (cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0 ||
		   cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0)) ||
	    cap_set_proc(caps) < 0)
		rc = berth_err_errno(err, "set capabilities");
	cap_free(caps);
	if (rc == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		rc = berth_err_errno(err, "clear ambient capabilities");
	return rc;
}

static int lookup_group(const char *name, gid_t *gid)
{
	cleanup_fclose FILE *f = fopen("/etc/group", "re");
	struct group *g;
	char *end;
	long v = strtol(name, &end, 10);

	if (*name && *end == '\0' && v >= 0) {
		*gid = (gid_t)v;
		return 0;
	}
	while (f && (g = fgetgrent(f)) != NULL)
		if (strcmp(g->gr_name, name) == 0) {
			*gid = g->gr_gid;
			return 0;
		}
	return -1;
}

/* Resolve "user[:group]" in the (already pivoted) root. */
static int resolve_user(const char *spec, uid_t *uid, gid_t *gid, char *uname, size_t ulen)
{
	cleanup_free char *copy = strdup(spec);
	char *group = copy ? strchr(copy, ':') : NULL;
	cleanup_fclose FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	char *end;
	long v;

	if (copy == NULL)
		return -1;
	if (group)
		*group++ = '\0';
	v = strtol(copy, &end, 10);
	*uid = 0, *gid = 0;
	uname[0] = '\0';
	while (f && (pw = fgetpwent(f)) != NULL) {
		if ((*end == '\0' && *copy && pw->pw_uid == (uid_t)v) || strcmp(pw->pw_name, copy) == 0) {
			*uid = pw->pw_uid, *gid = pw->pw_gid;
			snprintf(uname, ulen, "%s", pw->pw_name);
			break;
		}
	}
	if (uname[0] == '\0') {
		if (*end != '\0' || !*copy || v < 0)
			return -1; /* a name the image does not know */
		*uid = (uid_t)v, *gid = (gid_t)v;
		if (group == NULL)
			*gid = 0;
	}
	if (group && lookup_group(group, gid) < 0)
		return -1;
	return 0;
}

static int supplementary_groups(const char *uname, gid_t primary, gid_t *out, int max)
{
	cleanup_fclose FILE *f = fopen("/etc/group", "re");
	struct group *g;
	int n = 0;

	out[n++] = primary;
	while (uname[0] && f && n < max && (g = fgetgrent(f)) != NULL)
		for (char **m = g->gr_mem; m && *m; m++)
			if (strcmp(*m, uname) == 0 && g->gr_gid != primary)
				out[n++] = g->gr_gid;
	return n;
}

int spawn_set_user(const struct container_spec *s, struct berth_err *err)
{
	uid_t uid = 0;
	gid_t gid = 0, groups[64];
	char uname[256] = "root";
	int n;

	if (s->user && *s->user && resolve_user(s->user, &uid, &gid, uname, sizeof(uname)) < 0)
		return berth_err_set(err, ENOENT, "unable to find user %s in the image", s->user);
	n = supplementary_groups(uname, gid, groups, 64);
	if (setgroups((size_t)n, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return berth_err_errno(err, "switch to user %u:%u", (unsigned)uid, (unsigned)gid);
	return 0;
}

uint64_t spawn_task_caps(const struct container_spec *s)
{
	uint64_t mask = 0;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP && c < 64; c++)
		if (in_task_set(s, c))
			mask |= 1ULL << c;
	return mask;
}

int spawn_load_seccomp(const struct seccomp_program *p, struct berth_err *err)
{
	struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = p->filter };

	if (p->filter == NULL)
		return 0;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return berth_err_errno(err, "load seccomp filter");
	return 0;
}
