/* cleanup.h: __attribute__((cleanup)) helpers for owned resources.
 *
 * Declare an owned variable with its cleanup_x macro and it is released
 * on every return path.  Hand ownership on with steal_pointer()/steal_fd(),
 * which disarm the variable.  The helpers keep errno intact so that an
 * error path can still report it.  Library-specific cleanups (cJSON,
 * sqlite3_stmt, ...) live next to the module that uses the library. */
#ifndef BERTH_COMMON_CLEANUP_H
#define BERTH_COMMON_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void berth_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void berth_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

static inline void berth_fclosep(FILE **f)
{
	int saved = errno;
	if (*f)
		fclose(*f);
	errno = saved;
}

static inline void berth_closedirp(DIR **d)
{
	int saved = errno;
	if (*d)
		closedir(*d);
	errno = saved;
}

/* Free a NULL-terminated array of strings and the array itself. */
static inline void berth_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static inline size_t berth_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static inline void berth_strv_freep(char ***v)
{
	int saved = errno;
	berth_strv_free(*v);
	errno = saved;
}

#define cleanup_free __attribute__((cleanup(berth_freep)))
#define cleanup_close __attribute__((cleanup(berth_closep)))
#define cleanup_fclose __attribute__((cleanup(berth_fclosep)))
#define cleanup_closedir __attribute__((cleanup(berth_closedirp)))
#define cleanup_strv __attribute__((cleanup(berth_strv_freep)))

static inline void *berth_steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}

#define steal_pointer(pp) ((__typeof__(*(pp)))berth_steal_ptr(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
