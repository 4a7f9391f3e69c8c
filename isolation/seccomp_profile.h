/* seccomp_profile.h: build a container's seccomp filter as a BPF
 * program (see seccomp_profile.c for the rules). */
#ifndef BERTH_ISOLATION_SECCOMP_PROFILE_H
#define BERTH_ISOLATION_SECCOMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct sock_filter;

struct seccomp_program {
	struct sock_filter *filter;
	size_t len; /* instructions */
};

/* Compile the filter for a container whose capability set is `caps`
 * (bit n = capability n).  The program is loaded later with
 * prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) after no_new_privs. */
int seccomp_program_build(uint64_t caps, struct seccomp_program *out, struct berth_err *err);
void seccomp_program_free(struct seccomp_program *p);

#endif
