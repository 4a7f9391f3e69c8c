/* store.c: the SQLite state store (see store.h).
 *
 * One connection in WAL mode with synchronous=NORMAL (durable against a
 * process crash, which is what the daemon must survive; FULL on request
 * would add an fsync per commit).  All access goes through `s->lock`.
 * Statements are prepared per call: the store is not on a hot path that
 * would justify a statement cache yet. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS clusters ("
	"  name TEXT PRIMARY KEY, arn TEXT NOT NULL, status TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS taskdefs ("
	"  family TEXT NOT NULL, revision INTEGER NOT NULL, arn TEXT NOT NULL UNIQUE,"
	"  status TEXT NOT NULL, doc TEXT NOT NULL, registered_at INTEGER NOT NULL,"
	"  PRIMARY KEY (family, revision));"
	"CREATE TABLE IF NOT EXISTS tasks ("
	"  id TEXT PRIMARY KEY, cluster TEXT NOT NULL, family TEXT NOT NULL,"
	"  started_by TEXT, client_token TEXT, last_status TEXT NOT NULL,"
	"  desired_status TEXT NOT NULL, created_at INTEGER NOT NULL, stopped_at INTEGER,"
	"  doc TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS tasks_cluster ON tasks (cluster, desired_status);"
	"CREATE INDEX IF NOT EXISTS tasks_token ON tasks (cluster, client_token);";

static void stmt_finalizep(sqlite3_stmt **st)
{
	if (*st)
		sqlite3_finalize(*st);
}
#define cleanup_stmt __attribute__((cleanup(stmt_finalizep)))

static void unlockp(pthread_mutex_t **m)
{
	if (*m)
		pthread_mutex_unlock(*m);
}
#define locked(s)                                                                            \
	__attribute__((cleanup(unlockp))) pthread_mutex_t *store_guard_ = &(s)->lock;       \
	pthread_mutex_lock(store_guard_)

static int db_error(struct store *s, int rc, struct berth_err *err, const char *what)
{
	int code = (rc == SQLITE_FULL) ? ENOSPC : (rc == SQLITE_IOERR ? EIO : 0);
	berth_err_set(err, code, "state store: %s: %s", what, sqlite3_errmsg(s->db));
	if (code)
		err->code = code;
	return -1;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql, struct berth_err *err)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : db_error(s, rc, err, "prepare");
}

/* Bind a NULL-terminated list of text parameters (NULL values bind NULL). */
static void bind_texts(sqlite3_stmt *st, int first, const char *const *vals, int n)
{
	for (int i = 0; i < n; i++) {
		if (vals[i])
			sqlite3_bind_text(st, first + i, vals[i], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, first + i);
	}
}

static int exec_sql(struct store *s, const char *sql, struct berth_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		berth_err_set(err, rc == SQLITE_FULL ? ENOSPC : 0, "state store: %s",
			      msg ? msg : sqlite3_errstr(rc));
		if (rc == SQLITE_FULL)
			err->code = ENOSPC;
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Run a statement that returns rows of one text column into a strv. */
static int collect_strv(struct store *s, sqlite3_stmt *st, char ***out, struct berth_err *err)
{
	size_t n = 0, cap = 16;
	char **v = calloc(cap + 1, sizeof(*v));
	int rc;

	if (v == NULL)
		return berth_err_set(err, ENOMEM, "state store: list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(*v));
			if (nv == NULL)
				break;
			v = nv;
			cap *= 2;
		}
		v[n] = strdup(t ? (const char *)t : "");
		v[++n] = NULL;
	}
	if (rc != SQLITE_DONE) {
		berth_strv_free(v);
		return db_error(s, rc, err, "list");
	}
	*out = v;
	return 0;
}

struct store *store_open(const char *state_dir, struct berth_err *err)
{
	cleanup_free char *path = NULL;
	struct store *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL || asprintf(&path, "%s/berth.db", state_dir) < 0) {
		free(s);
		berth_err_set(err, ENOMEM, "open state store");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		berth_err_set(err, 0, "open state store %s: %s", path,
			      s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (exec_sql(s, schema, err) < 0) {
		berth_err_wrap(err, "create schema in %s", path);
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- clusters ---- */

int store_cluster_put(struct store *s, const char *name, const char *arn, int64_t now_ms,
		      bool *created, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st,
		    "INSERT INTO clusters (name, arn, status, created_at) VALUES (?1, ?2, 'ACTIVE', ?3)"
		    " ON CONFLICT(name) DO UPDATE SET status='ACTIVE' WHERE status != 'ACTIVE'",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ name, arn }, 2);
	sqlite3_bind_int64(st, 3, now_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, sqlite3_errcode(s->db), err, "put cluster");
	if (created)
		*created = sqlite3_changes(s->db) > 0;
	return 0;
}

int store_cluster_get(struct store *s, const char *name, char *arn, size_t arn_len, char *status,
		      size_t status_len, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int rc;
	locked(s);
	if (prepare(s, &st, "SELECT arn, status FROM clusters WHERE name = ?1", err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ name }, 1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_error(s, rc, err, "get cluster");
	if (arn)
		snprintf(arn, arn_len, "%s", sqlite3_column_text(st, 0));
	if (status)
		snprintf(status, status_len, "%s", sqlite3_column_text(st, 1));
	return 1;
}

int store_cluster_set_status(struct store *s, const char *name, const char *status,
			     struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st, "UPDATE clusters SET status = ?2 WHERE name = ?1", err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ name, status }, 2);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, sqlite3_errcode(s->db), err, "update cluster");
	return 0;
}

int store_cluster_list(struct store *s, char ***names, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st, "SELECT name FROM clusters WHERE status = 'ACTIVE' ORDER BY name", err) < 0)
		return -1;
	return collect_strv(s, st, names, err);
}

int store_cluster_task_counts(struct store *s, const char *name, long *running, long *pending,
			      struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int rc;
	locked(s);
	if (prepare(s, &st,
		    "SELECT COALESCE(SUM(last_status = 'RUNNING'), 0),"
		    "       COALESCE(SUM(last_status IN ('PROVISIONING','PENDING','ACTIVATING')), 0)"
		    " FROM tasks WHERE cluster = ?1 AND desired_status = 'RUNNING'",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ name }, 1);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_error(s, rc, err, "count tasks");
	*running = (long)sqlite3_column_int64(st, 0);
	*pending = (long)sqlite3_column_int64(st, 1);
	return 0;
}

/* ---- task definitions ---- */

int store_taskdef_register(struct store *s, cJSON *def, const char *arn_prefix, int64_t now_ms,
			   struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *q = NULL;
	cleanup_stmt sqlite3_stmt *ins = NULL;
	cleanup_free char *arn = NULL;
	cleanup_free char *text = NULL;
	const char *family = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "family"));
	long revision;
	locked(s);

	if (family == NULL)
		return berth_err_set(err, EINVAL, "task definition without family");
	if (exec_sql(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (prepare(s, &q, "SELECT COALESCE(MAX(revision), 0) FROM taskdefs WHERE family = ?1", err) < 0)
		goto rollback;
	bind_texts(q, 1, (const char *const[]){ family }, 1);
	if (sqlite3_step(q) != SQLITE_ROW) {
		db_error(s, sqlite3_errcode(s->db), err, "next revision");
		goto rollback;
	}
	revision = (long)sqlite3_column_int64(q, 0) + 1;
	if (asprintf(&arn, "%s%s:%ld", arn_prefix, family, revision) < 0)
		goto rollback;
	cJSON_DeleteItemFromObjectCaseSensitive(def, "taskDefinitionArn");
	cJSON_DeleteItemFromObjectCaseSensitive(def, "revision");
	cJSON_DeleteItemFromObjectCaseSensitive(def, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(def, "registeredAt");
	cJSON_AddStringToObject(def, "taskDefinitionArn", arn);
	cJSON_AddNumberToObject(def, "revision", (double)revision);
	cJSON_AddStringToObject(def, "status", "ACTIVE");
	cJSON_AddNumberToObject(def, "registeredAt", (double)now_ms / 1000.0);
	text = cJSON_PrintUnformatted(def);
	if (text == NULL ||
	    prepare(s, &ins,
		    "INSERT INTO taskdefs (family, revision, arn, status, doc, registered_at)"
		    " VALUES (?1, ?2, ?3, 'ACTIVE', ?4, ?5)",
		    err) < 0)
		goto rollback;
	bind_texts(ins, 1, (const char *const[]){ family }, 1);
	sqlite3_bind_int64(ins, 2, revision);
	bind_texts(ins, 3, (const char *const[]){ arn, text }, 2);
	sqlite3_bind_int64(ins, 5, now_ms);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		db_error(s, sqlite3_errcode(s->db), err, "insert task definition");
		goto rollback;
	}
	return exec_sql(s, "COMMIT", err);
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int doc_from_column(sqlite3_stmt *st, int col, cJSON **doc, struct berth_err *err)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);
	*doc = json_parse_strict(t ? t : "", (size_t)len, err);
	return *doc ? 1 : berth_err_wrap(err, "state store: stored document");
}

int store_taskdef_get(struct store *s, const char *ref, cJSON **def, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *family = NULL;
	const char *colon;
	int rc;
	locked(s);

	if (strncmp(ref, "arn:", 4) == 0) {
		rc = prepare(s, &st, "SELECT doc FROM taskdefs WHERE arn = ?1", err);
		if (rc == 0)
			bind_texts(st, 1, (const char *const[]){ ref }, 1);
	} else if ((colon = strchr(ref, ':')) != NULL) {
		char *end;
		long rev = strtol(colon + 1, &end, 10);
		if (*end != '\0' || colon[1] == '\0' || rev <= 0)
			return 0;
		family = strndup(ref, (size_t)(colon - ref));
		rc = prepare(s, &st, "SELECT doc FROM taskdefs WHERE family = ?1 AND revision = ?2", err);
		if (rc == 0) {
			bind_texts(st, 1, (const char *const[]){ family }, 1);
			sqlite3_bind_int64(st, 2, rev);
		}
	} else {
		rc = prepare(s, &st,
			     "SELECT doc FROM taskdefs WHERE family = ?1 AND status = 'ACTIVE'"
			     " ORDER BY revision DESC LIMIT 1",
			     err);
		if (rc == 0)
			bind_texts(st, 1, (const char *const[]){ ref }, 1);
	}
	if (rc < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_error(s, rc, err, "get task definition");
	return doc_from_column(st, 0, def, err);
}

int store_taskdef_deregister(struct store *s, const char *family, long revision, int64_t now_ms,
			     cJSON **def, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_stmt sqlite3_stmt *up = NULL;
	cleanup_free char *text = NULL;
	int rc;
	locked(s);

	if (prepare(s, &st, "SELECT doc FROM taskdefs WHERE family = ?1 AND revision = ?2", err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ family }, 1);
	sqlite3_bind_int64(st, 2, revision);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_error(s, rc, err, "get task definition");
	if (doc_from_column(st, 0, def, err) < 0)
		return -1;
	cJSON_ReplaceItemInObjectCaseSensitive(*def, "status", cJSON_CreateString("INACTIVE"));
	cJSON_DeleteItemFromObjectCaseSensitive(*def, "deregisteredAt");
	cJSON_AddNumberToObject(*def, "deregisteredAt", (double)now_ms / 1000.0);
	text = cJSON_PrintUnformatted(*def);
	if (text == NULL ||
	    prepare(s, &up,
		    "UPDATE taskdefs SET status = 'INACTIVE', doc = ?3 WHERE family = ?1 AND revision = ?2",
		    err) < 0)
		return -1;
	bind_texts(up, 1, (const char *const[]){ family }, 1);
	sqlite3_bind_int64(up, 2, revision);
	bind_texts(up, 3, (const char *const[]){ text }, 1);
	if (sqlite3_step(up) != SQLITE_DONE)
		return db_error(s, sqlite3_errcode(s->db), err, "deregister task definition");
	return 1;
}

int store_taskdef_list(struct store *s, const char *family_prefix, const char *status,
		       bool descending, char ***arns, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st,
		    descending ? "SELECT arn FROM taskdefs WHERE status = ?1 AND family LIKE ?2 || '%'"
				 " ORDER BY family DESC, revision DESC"
			       : "SELECT arn FROM taskdefs WHERE status = ?1 AND family LIKE ?2 || '%'"
				 " ORDER BY family, revision",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ status ? status : "ACTIVE",
						  family_prefix ? family_prefix : "" }, 2);
	return collect_strv(s, st, arns, err);
}

int store_taskdef_families(struct store *s, const char *family_prefix, const char *status,
			   char ***families, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (status && strcmp(status, "ALL") == 0)
		status = NULL;
	if (prepare(s, &st,
		    "SELECT DISTINCT family FROM taskdefs WHERE family LIKE ?1 || '%'"
		    " AND (?2 IS NULL OR status = ?2) ORDER BY family",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ family_prefix ? family_prefix : "", status }, 2);
	return collect_strv(s, st, families, err);
}

/* ---- tasks ---- */

static const char *doc_str(const cJSON *doc, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, name));
}

static int64_t doc_time_ms(const cJSON *doc, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
	return cJSON_IsNumber(v) ? (int64_t)(v->valuedouble * 1000.0) : 0;
}

int store_task_insert(struct store *s, const struct store_task_row *rows, cJSON *const *docs,
		      size_t n, struct berth_err *err)
{
	locked(s);
	if (exec_sql(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		cleanup_free char *text = cJSON_PrintUnformatted(docs[i]);
		if (text == NULL ||
		    prepare(s, &st,
			    "INSERT INTO tasks (id, cluster, family, started_by, client_token,"
			    " last_status, desired_status, created_at, doc)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			    err) < 0)
			goto rollback;
		bind_texts(st, 1,
			   (const char *const[]){ rows[i].id, rows[i].cluster, rows[i].family,
						   rows[i].started_by, rows[i].client_token,
						   doc_str(docs[i], "lastStatus"),
						   doc_str(docs[i], "desiredStatus") },
			   7);
		sqlite3_bind_int64(st, 8, doc_time_ms(docs[i], "createdAt"));
		bind_texts(st, 9, (const char *const[]){ text }, 1);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(s, sqlite3_errcode(s->db), err, "insert task");
			goto rollback;
		}
	}
	return exec_sql(s, "COMMIT", err);
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_task_get(struct store *s, const char *id, cJSON **doc, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int rc;
	locked(s);
	if (prepare(s, &st, "SELECT doc FROM tasks WHERE id = ?1", err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ id }, 1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_error(s, rc, err, "get task");
	return doc_from_column(st, 0, doc, err);
}

int store_task_put(struct store *s, const char *id, const cJSON *doc, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *text = cJSON_PrintUnformatted(doc);
	int64_t stopped = doc_time_ms(doc, "stoppedAt");
	locked(s);

	if (text == NULL)
		return berth_err_set(err, ENOMEM, "serialize task %s", id);
	if (prepare(s, &st,
		    "UPDATE tasks SET last_status = ?2, desired_status = ?3, stopped_at = ?4, doc = ?5"
		    " WHERE id = ?1",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ id, doc_str(doc, "lastStatus"),
						  doc_str(doc, "desiredStatus") }, 3);
	if (stopped)
		sqlite3_bind_int64(st, 4, stopped);
	else
		sqlite3_bind_null(st, 4);
	bind_texts(st, 5, (const char *const[]){ text }, 1);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, sqlite3_errcode(s->db), err, "update task");
	return 0;
}

int store_task_list(struct store *s, const char *cluster, const char *family,
		    const char *started_by, const char *desired_status, char ***ids,
		    struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st,
		    "SELECT id FROM tasks WHERE (?1 IS NULL OR cluster = ?1)"
		    " AND (?2 IS NULL OR family = ?2) AND (?3 IS NULL OR started_by = ?3)"
		    " AND (?4 IS NULL OR desired_status = ?4) ORDER BY created_at, id",
		    err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ cluster, family, started_by, desired_status }, 4);
	return collect_strv(s, st, ids, err);
}

int store_task_list_live(struct store *s, char ***ids, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st, "SELECT id FROM tasks WHERE last_status != 'STOPPED' ORDER BY created_at",
		    err) < 0)
		return -1;
	return collect_strv(s, st, ids, err);
}

int store_task_by_token(struct store *s, const char *cluster, const char *token, char ***ids,
			struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st,
		    "SELECT id FROM tasks WHERE cluster = ?1 AND client_token = ?2 ORDER BY id", err) < 0)
		return -1;
	bind_texts(st, 1, (const char *const[]){ cluster, token }, 2);
	return collect_strv(s, st, ids, err);
}

int store_task_prune(struct store *s, int64_t before_ms, long *n_deleted, struct berth_err *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	locked(s);
	if (prepare(s, &st,
		    "DELETE FROM tasks WHERE last_status = 'STOPPED' AND stopped_at IS NOT NULL"
		    " AND stopped_at < ?1",
		    err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, sqlite3_errcode(s->db), err, "prune tasks");
	if (n_deleted)
		*n_deleted = sqlite3_changes(s->db);
	return 0;
}
