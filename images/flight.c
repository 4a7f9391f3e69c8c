/* flight.c: the in-flight table (see flight.h): a short list under one
 * mutex; a landed flight is freed by the last caller that reads it. */
#include "flight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flight {
	struct flight *next;
	bool landed;
	unsigned waiters;
	int rc;
	char result[128];
	struct berth_err err;
	char key[];
};

void flight_table_init(struct flight_table *t)
{
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->landed, NULL);
	t->head = NULL;
}

void flight_table_destroy(struct flight_table *t)
{
	while (t->head) {
		struct flight *f = t->head;
		t->head = f->next;
		free(f);
	}
	pthread_cond_destroy(&t->landed);
	pthread_mutex_destroy(&t->lock);
}

static void unlink_flight(struct flight_table *t, struct flight *f)
{
	for (struct flight **p = &t->head; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			free(f);
			return;
		}
}

bool flight_join(struct flight_table *t, const char *key, int *rc, char *result, size_t result_len,
		 struct berth_err *err)
{
	struct flight *f;

	pthread_mutex_lock(&t->lock);
	for (f = t->head; f; f = f->next)
		if (!f->landed && strcmp(f->key, key) == 0)
			break;
	if (f == NULL) {
		f = calloc(1, sizeof(*f) + strlen(key) + 1);
		if (f) {
			strcpy(f->key, key);
			f->next = t->head;
			t->head = f;
		}
		pthread_mutex_unlock(&t->lock);
		return true; /* without memory, lead alone */
	}
	f->waiters++;
	while (!f->landed)
		pthread_cond_wait(&t->landed, &t->lock);
	*rc = f->rc;
	if (result)
		snprintf(result, result_len, "%s", f->result);
	if (err && f->rc < 0)
		*err = f->err;
	if (--f->waiters == 0)
		unlink_flight(t, f);
	pthread_mutex_unlock(&t->lock);
	return false;
}

void flight_land(struct flight_table *t, const char *key, int rc, const char *result,
		 const struct berth_err *err)
{
	pthread_mutex_lock(&t->lock);
	for (struct flight *f = t->head; f; f = f->next) {
		if (f->landed || strcmp(f->key, key) != 0)
			continue;
		f->landed = true;
		f->rc = rc;
		snprintf(f->result, sizeof(f->result), "%s", result ? result : "");
		if (err)
			f->err = *err;
		if (f->waiters == 0)
			unlink_flight(t, f);
		else
			pthread_cond_broadcast(&t->landed);
		break;
	}
	pthread_mutex_unlock(&t->lock);
}
