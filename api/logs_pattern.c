/* logs_pattern.c: compiling and matching CloudWatch Logs filter
 * patterns (see logs_pattern.h).
 *
 * Three forms, chosen by the first non-blank byte of the pattern:
 *
 *  - Text: blank-separated terms.  A bare term is letters, digits, '_'
 *    and bytes >= 0x80; anything else must be inside double quotes
 *    ("Connection refused", `\"` a quote, `\\` a backslash).  A term
 *    prefixed '-' must not occur, one prefixed '?' is an alternative:
 *    an event matches when it contains every plain term, none of the
 *    '-' terms and, if there are '?' terms, at least one of them.
 *    Matching is a case-sensitive substring search (memmem).
 *
 *  - JSON, `{ ... }`: conditions on selectors `$.a.b[2]` joined by &&
 *    (binding tighter) and || with parentheses.  Conditions: `= != `
 *    against a string (quoted or bare, '*' a wildcard) or a number;
 *    `> >= < <=` against a number; IS TRUE / IS FALSE / IS NULL;
 *    NOT EXISTS.  A selector that resolves to nothing fails every
 *    condition but NOT EXISTS; `!=` is "exists and not equal".  A string
 *    made only of '*' matches any existing value.  Numbers compare with
 *    numbers only, strings with strings only.  The event must be one
 *    valid JSON text (cJSON), else it never matches.
 *
 *  - Space-delimited `[...]` and regular expressions `%...%` are refused
 *    with EINVAL rather than matched loosely.
 *
 * Bounds: the pattern is at most LOGS_PATTERN_MAX bytes and JSON
 * parentheses nest at most LOGS_PATTERN_DEPTH deep, which bounds the
 * parser's and the evaluator's recursion.  Matching costs at most about
 * pattern length times message length: each term is one memmem, each
 * condition one selector walk and at most one wildcard match (greedy,
 * backtracking only to the last '*').  Everything a compiled pattern
 * owns lives in one arena freed at once.  No I/O, no global state of
 * our own. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "logs_pattern.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#define ARENA_BLOCK 4096
#define ERR_QUOTE 40 /* bytes of pattern quoted back in an error */

/* ---- arena ----------------------------------------------------------- */

struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct arena_blk *head;
};

/* Zeroed memory that lives until arena_free(); NULL when out of memory. */
static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_blk *b = a->head;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (b == NULL || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

/* A NUL-terminated copy of [s, s+n) in the arena. */
static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static void arena_free(struct arena *a)
{
	struct arena_blk *b = a->head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/* ---- compiled form --------------------------------------------------- */

enum term_op { TERM_ALL, TERM_ANY, TERM_NONE };

struct term {
	struct term *next;
	enum term_op op;
	const char *s;
	size_t len;
};

/* One step of a selector: a member name, or (name NULL) an array index. */
struct jstep {
	struct jstep *next;
	const char *name;
	int index;
};

enum jop {
	JOP_EQ,
	JOP_NE,
	JOP_GT,
	JOP_GE,
	JOP_LT,
	JOP_LE,
	JOP_IS_TRUE,
	JOP_IS_FALSE,
	JOP_IS_NULL,
	JOP_NOT_EXISTS,
};

enum jkind { JN_AND, JN_OR, JN_COND };

struct jnode {
	enum jkind kind;
	struct jnode *next;  /* sibling under the same AND/OR */
	struct jnode *kids;  /* JN_AND, JN_OR: at least two */
	struct jstep *path;  /* JN_COND */
	enum jop op;
	bool numeric;        /* the value is `num`, else `str` */
	bool any;            /* `str` is only '*': any existing value */
	double num;
	const char *str;
	size_t slen;
};

enum pattern_kind { PAT_ALL, PAT_TEXT, PAT_JSON };

struct logs_pattern {
	enum pattern_kind kind;
	struct arena arena;
	struct term *terms;  /* PAT_TEXT */
	bool has_any;        /* some term is TERM_ANY */
	struct jnode *root;  /* PAT_JSON */
};

/* ---- lexing helpers shared by both forms ------------------------------ */

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const char *skip_blank(const char *s, const char *end)
{
	while (s < end && is_blank((unsigned char)*s))
		s++;
	return s;
}

static int syntax_err(struct berth_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int syntax_err(struct berth_err *err, const char *fmt, ...)
{
	char buf[BERTH_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	berth_err_set(err, 0, "%s", buf); /* the message alone, no strerror */
	err->code = EINVAL;
	return -1;
}

static int term_err(struct berth_err *err, const char *s, size_t n)
{
	return syntax_err(err, "Invalid character(s) in term '%.*s'",
			  (int)(n < ERR_QUOTE ? n : ERR_QUOTE), s);
}

static int oom(struct berth_err *err)
{
	return berth_err_set(err, ENOMEM, "compile filter pattern");
}

/* A double-quoted string starting at *sp (on the opening quote), ending
 * before `end`; unescaped into the arena.  On success *sp is past the
 * closing quote. */
static int read_quoted(const char **sp, const char *end, struct arena *a, const char **out,
		       size_t *olen, struct berth_err *err)
{
	const char *s = *sp + 1, *start = s;
	char *buf;
	size_t n = 0;

	while (s < end && *s != '"')
		s += (*s == '\\' && s + 1 < end) ? 2 : 1;
	if (s >= end)
		return syntax_err(err, "unbalanced quote in filter pattern");
	buf = arena_alloc(a, (size_t)(s - start) + 1);
	if (buf == NULL)
		return oom(err);
	for (const char *q = start; q < s; q++) {
		if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
			q++;
		buf[n++] = *q;
	}
	buf[n] = '\0';
	*out = buf;
	*olen = n;
	*sp = s + 1;
	return 0;
}

/* ---- text patterns --------------------------------------------------- */

static bool bare_term_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c >= 0x80;
}

/* An unquoted term from *sp to the next blank, copied into the arena. */
static int read_bare(const char **sp, const char *end, struct arena *a, const char **out,
		     size_t *olen, struct berth_err *err)
{
	const char *s = *sp, *e = s;

	while (e < end && !is_blank((unsigned char)*e))
		e++;
	if (*s == '%')
		return syntax_err(err, "regular expression filter patterns are not supported");
	for (const char *q = s; q < e; q++)
		if (!bare_term_char((unsigned char)*q))
			return term_err(err, s, (size_t)(e - s));
	*out = arena_strndup(a, s, (size_t)(e - s));
	if (*out == NULL)
		return oom(err);
	*olen = (size_t)(e - s);
	*sp = e;
	return 0;
}

/* One term at *sp (not blank), with its optional '-' or '?' prefix. */
static int parse_term(struct logs_pattern *p, const char **sp, const char *end,
		      struct term *t, struct berth_err *err)
{
	const char *s = *sp, *whole = s;

	t->op = TERM_ALL;
	if (*s == '-' || *s == '?') {
		t->op = *s == '-' ? TERM_NONE : TERM_ANY;
		s++;
	}
	if (s >= end || is_blank((unsigned char)*s))
		return term_err(err, whole, (size_t)(s - whole));
	if (*s == '"') {
		if (read_quoted(&s, end, &p->arena, &t->s, &t->len, err) < 0)
			return -1;
		if (s < end && !is_blank((unsigned char)*s)) {
			const char *e = s;
			while (e < end && !is_blank((unsigned char)*e))
				e++;
			return term_err(err, whole, (size_t)(e - whole));
		}
	} else if (read_bare(&s, end, &p->arena, &t->s, &t->len, err) < 0) {
		return -1;
	}
	*sp = s;
	return 0;
}

static int compile_text(struct logs_pattern *p, const char *s, const char *end,
			struct berth_err *err)
{
	struct term **tail = &p->terms;

	p->kind = PAT_TEXT;
	for (s = skip_blank(s, end); s < end; s = skip_blank(s, end)) {
		struct term *t = arena_alloc(&p->arena, sizeof(*t));
		if (t == NULL)
			return oom(err);
		if (parse_term(p, &s, end, t, err) < 0)
			return -1;
		p->has_any |= t->op == TERM_ANY;
		*tail = t;
		tail = &t->next;
	}
	return 0;
}

static bool contains(const char *msg, size_t len, const struct term *t)
{
	if (t->len == 0)
		return true;
	if (len < t->len)
		return false;
	return memmem(msg, len, t->s, t->len) != NULL;
}

static bool match_text(const struct logs_pattern *p, const char *msg, size_t len)
{
	bool any = false;

	for (const struct term *t = p->terms; t != NULL; t = t->next) {
		bool hit = contains(msg, len, t);
		if (t->op == TERM_ALL && !hit)
			return false;
		if (t->op == TERM_NONE && hit)
			return false;
		any |= t->op == TERM_ANY && hit;
	}
	return any || !p->has_any;
}

/* ---- JSON patterns: parsing ------------------------------------------ */

struct jparse {
	const char *s, *end;
	struct arena *a;
	struct berth_err *err;
	int depth;
};

static int jp_err(struct jparse *jp, const char *what)
{
	size_t n = (size_t)(jp->end - jp->s);

	if (jp->s >= jp->end)
		return syntax_err(jp->err, "invalid JSON filter pattern: %s at end", what);
	return syntax_err(jp->err, "invalid JSON filter pattern: %s at '%.*s'", what,
			  (int)(n < ERR_QUOTE ? n : ERR_QUOTE), jp->s);
}

static void jp_blank(struct jparse *jp)
{
	jp->s = skip_blank(jp->s, jp->end);
}

/* Consume `tok` if it comes next (after blanks). */
static bool jp_accept(struct jparse *jp, const char *tok)
{
	size_t n = strlen(tok);

	jp_blank(jp);
	if ((size_t)(jp->end - jp->s) < n || memcmp(jp->s, tok, n) != 0)
		return false;
	jp->s += n;
	return true;
}

/* Consume the keyword `kw` (any case) if it comes next as a whole word. */
static bool jp_keyword(struct jparse *jp, const char *kw)
{
	size_t n = strlen(kw);

	jp_blank(jp);
	if ((size_t)(jp->end - jp->s) < n || strncasecmp(jp->s, kw, n) != 0)
		return false;
	if (jp->s + n < jp->end && bare_term_char((unsigned char)jp->s[n]))
		return false;
	jp->s += n;
	return true;
}

static bool name_char(unsigned char c)
{
	return bare_term_char(c) || c == '-' || c == '@';
}

static int jp_step_name(struct jparse *jp, struct jstep *st)
{
	const char *s = jp->s;

	while (jp->s < jp->end && name_char((unsigned char)*jp->s))
		jp->s++;
	if (jp->s == s)
		return jp_err(jp, "expected a member name");
	st->name = arena_strndup(jp->a, s, (size_t)(jp->s - s));
	return st->name == NULL ? oom(jp->err) : 0;
}

static int jp_step_index(struct jparse *jp, struct jstep *st)
{
	int digits = 0;

	st->index = 0;
	while (jp->s < jp->end && *jp->s >= '0' && *jp->s <= '9') {
		if (++digits > 9)
			return jp_err(jp, "array index too large");
		st->index = st->index * 10 + (*jp->s++ - '0');
	}
	if (digits == 0 || jp->s >= jp->end || *jp->s != ']')
		return jp_err(jp, "expected an array index");
	jp->s++;
	return 0;
}

/* `$` then any number of `.name` and `[N]`. */
static int jp_selector(struct jparse *jp, struct jstep **path)
{
	jp_blank(jp);
	if (jp->s >= jp->end || *jp->s != '$')
		return jp_err(jp, "expected a selector ($.field)");
	jp->s++;
	while (jp->s < jp->end && (*jp->s == '.' || *jp->s == '[')) {
		struct jstep *st = arena_alloc(jp->a, sizeof(*st));
		if (st == NULL)
			return oom(jp->err);
		if (*jp->s++ == '.' ? jp_step_name(jp, st) : jp_step_index(jp, st))
			return -1;
		*path = st;
		path = &st->next;
	}
	if (jp->s < jp->end && !is_blank((unsigned char)*jp->s) && strchr("=!<>", *jp->s) == NULL)
		return jp_err(jp, "invalid selector");
	return 0;
}

static int jp_operator(struct jparse *jp, enum jop *op)
{
	static const struct {
		const char *tok;
		enum jop op;
	} ops[] = {
		{ "!=", JOP_NE }, { ">=", JOP_GE }, { "<=", JOP_LE },
		{ "=", JOP_EQ },  { ">", JOP_GT },  { "<", JOP_LT },
	};

	if (jp_keyword(jp, "IS")) {
		if (jp_keyword(jp, "TRUE"))
			*op = JOP_IS_TRUE;
		else if (jp_keyword(jp, "FALSE"))
			*op = JOP_IS_FALSE;
		else if (jp_keyword(jp, "NULL"))
			*op = JOP_IS_NULL;
		else
			return jp_err(jp, "expected TRUE, FALSE or NULL after IS");
		return 0;
	}
	if (jp_keyword(jp, "NOT")) {
		if (!jp_keyword(jp, "EXISTS"))
			return jp_err(jp, "expected EXISTS after NOT");
		*op = JOP_NOT_EXISTS;
		return 0;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (jp_accept(jp, ops[i].tok)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return jp_err(jp, "expected an operator");
}

/* Is [s, s+n) a plain decimal number?  Then its value in *out. */
static bool parse_number(const char *s, size_t n, double *out)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof(buf) || strchr("+-.0123456789", s[0]) == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("+-.0123456789eE", s[i]) == NULL)
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return end == buf + n && errno == 0 && isfinite(*out);
}

static bool bare_value_end(unsigned char c)
{
	return is_blank(c) || c == '(' || c == ')' || c == '&' || c == '|' || c == '"';
}

static int jp_bare_value(struct jparse *jp, struct jnode *n)
{
	const char *s = jp->s;

	while (jp->s < jp->end && !bare_value_end((unsigned char)*jp->s))
		jp->s++;
	if (jp->s == s)
		return jp_err(jp, "expected a value");
	if (*s == '%')
		return syntax_err(jp->err, "regular expression filter patterns are not supported");
	for (const char *q = s; q < jp->s; q++)
		if ((unsigned char)*q < 0x20 || strchr("{}[]=!<>\\", *q) != NULL)
			return term_err(jp->err, s, (size_t)(jp->s - s));
	n->numeric = parse_number(s, (size_t)(jp->s - s), &n->num);
	n->slen = (size_t)(jp->s - s);
	n->str = arena_strndup(jp->a, s, n->slen);
	return n->str == NULL ? oom(jp->err) : 0;
}

static const char *relop_name(enum jop op)
{
	switch (op) {
	case JOP_GT:
		return ">";
	case JOP_GE:
		return ">=";
	case JOP_LT:
		return "<";
	default:
		return "<=";
	}
}

static int jp_value(struct jparse *jp, struct jnode *n)
{
	jp_blank(jp);
	if (jp->s < jp->end && *jp->s == '"') {
		if (read_quoted(&jp->s, jp->end, jp->a, &n->str, &n->slen, jp->err) < 0)
			return -1;
	} else if (jp_bare_value(jp, n) < 0) {
		return -1;
	}
	if (!n->numeric) {
		n->any = n->slen > 0;
		for (size_t i = 0; i < n->slen; i++)
			n->any &= n->str[i] == '*';
	}
	if (n->op >= JOP_GT && !n->numeric)
		return syntax_err(jp->err, "invalid JSON filter pattern: %s needs a number",
				  relop_name(n->op));
	return 0;
}

static struct jnode *jp_cond(struct jparse *jp)
{
	struct jnode *n = arena_alloc(jp->a, sizeof(*n));

	if (n == NULL) {
		oom(jp->err);
		return NULL;
	}
	n->kind = JN_COND;
	if (jp_selector(jp, &n->path) < 0 || jp_operator(jp, &n->op) < 0)
		return NULL;
	if (n->op <= JOP_LE && jp_value(jp, n) < 0)
		return NULL;
	return n;
}

static struct jnode *jp_or(struct jparse *jp);

static struct jnode *jp_unary(struct jparse *jp)
{
	struct jnode *n;

	if (!jp_accept(jp, "("))
		return jp_cond(jp);
	if (++jp->depth > LOGS_PATTERN_DEPTH) {
		syntax_err(jp->err, "filter pattern nests deeper than %d", LOGS_PATTERN_DEPTH);
		return NULL;
	}
	n = jp_or(jp);
	if (n == NULL)
		return NULL;
	if (!jp_accept(jp, ")")) {
		jp_err(jp, "expected ')'");
		return NULL;
	}
	jp->depth--;
	return n;
}

/* `sub (tok sub)*` as one n-ary node of `kind` (or just `sub`). */
static struct jnode *jp_list(struct jparse *jp, enum jkind kind, const char *tok,
			     struct jnode *(*sub)(struct jparse *))
{
	struct jnode *first = sub(jp), *n, **tail;

	if (first == NULL || !jp_accept(jp, tok))
		return first;
	n = arena_alloc(jp->a, sizeof(*n));
	if (n == NULL) {
		oom(jp->err);
		return NULL;
	}
	n->kind = kind;
	n->kids = first;
	tail = &first->next;
	do {
		struct jnode *k = sub(jp);
		if (k == NULL)
			return NULL;
		*tail = k;
		tail = &k->next;
	} while (jp_accept(jp, tok));
	return n;
}

static struct jnode *jp_and(struct jparse *jp)
{
	return jp_list(jp, JN_AND, "&&", jp_unary);
}

static struct jnode *jp_or(struct jparse *jp)
{
	return jp_list(jp, JN_OR, "||", jp_and);
}

/* [s, end) is the text between the outer braces. */
static int compile_json(struct logs_pattern *p, const char *s, const char *end,
			struct berth_err *err)
{
	struct jparse jp = { .s = s, .end = end, .a = &p->arena, .err = err };

	p->kind = PAT_JSON;
	jp_blank(&jp);
	if (jp.s >= jp.end)
		return syntax_err(err, "invalid JSON filter pattern: empty");
	p->root = jp_or(&jp);
	if (p->root == NULL)
		return -1;
	jp_blank(&jp);
	if (jp.s < jp.end)
		return jp_err(&jp, "unexpected text");
	return 0;
}

/* ---- JSON patterns: matching ----------------------------------------- */

/* '*' matches any run of bytes; greedy, backtracking to the last '*'. */
static bool wildcard_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static const cJSON *resolve(const cJSON *v, const struct jstep *st)
{
	for (; st != NULL && v != NULL; st = st->next) {
		if (st->name != NULL)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, st->name) : NULL;
		else
			v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, st->index) : NULL;
	}
	return v;
}

static bool value_equal(const struct jnode *n, const cJSON *v)
{
	if (n->numeric)
		return cJSON_IsNumber(v) && v->valuedouble == n->num;
	if (n->any)
		return true;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return false;
	return wildcard_match(n->str, n->slen, v->valuestring, strlen(v->valuestring));
}

static bool eval_cond(const struct jnode *n, const cJSON *root)
{
	const cJSON *v = resolve(root, n->path);

	if (n->op == JOP_NOT_EXISTS)
		return v == NULL;
	if (v == NULL)
		return false;
	switch (n->op) {
	case JOP_EQ:
		return value_equal(n, v);
	case JOP_NE:
		return !value_equal(n, v);
	case JOP_IS_TRUE:
		return cJSON_IsTrue(v);
	case JOP_IS_FALSE:
		return cJSON_IsFalse(v);
	case JOP_IS_NULL:
		return cJSON_IsNull(v);
	default:
		break;
	}
	if (!cJSON_IsNumber(v))
		return false;
	switch (n->op) {
	case JOP_GT:
		return v->valuedouble > n->num;
	case JOP_GE:
		return v->valuedouble >= n->num;
	case JOP_LT:
		return v->valuedouble < n->num;
	case JOP_LE:
		return v->valuedouble <= n->num;
	default:
		return false;
	}
}

/* Recursion depth is bounded by the parentheses' (LOGS_PATTERN_DEPTH). */
static bool eval(const struct jnode *n, const cJSON *root)
{
	if (n->kind == JN_COND)
		return eval_cond(n, root);
	for (const struct jnode *k = n->kids; k != NULL; k = k->next)
		if (eval(k, root) != (n->kind == JN_AND))
			return n->kind == JN_OR;
	return n->kind == JN_AND;
}

static bool match_json(const struct logs_pattern *p, const char *msg, size_t len)
{
	const char *end = NULL;
	cJSON *doc;
	bool ok;

	if (len == 0)
		return false;
	doc = cJSON_ParseWithLengthOpts(msg, len, &end, 0);
	if (doc == NULL)
		return false;
	ok = skip_blank(end, msg + len) == msg + len && eval(p->root, doc);
	cJSON_Delete(doc);
	return ok;
}

/* ---- interface ------------------------------------------------------- */

static int compile(struct logs_pattern *p, const char *s, const char *end,
		   struct berth_err *err)
{
	s = skip_blank(s, end);
	while (end > s && is_blank((unsigned char)end[-1]))
		end--;
	if (s == end)
		return 0;
	if (*s == '[')
		return syntax_err(err, "space-delimited filter patterns are not supported");
	if (*s != '{')
		return compile_text(p, s, end, err);
	if (end - s < 2 || end[-1] != '}')
		return syntax_err(err, "invalid JSON filter pattern: missing '}'");
	return compile_json(p, s + 1, end - 1, err);
}

struct logs_pattern *logs_pattern_compile(const char *text, struct berth_err *err)
{
	struct logs_pattern *p;
	size_t len;

	if (text == NULL)
		text = "";
	len = strnlen(text, LOGS_PATTERN_MAX + 1);
	if (len > LOGS_PATTERN_MAX) {
		syntax_err(err, "filter pattern longer than %d bytes", LOGS_PATTERN_MAX);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		oom(err);
		return NULL;
	}
	p->kind = PAT_ALL;
	if (compile(p, text, text + len, err) < 0) {
		logs_pattern_free(p);
		return NULL;
	}
	return p;
}

bool logs_pattern_match(const struct logs_pattern *p, const char *msg, size_t len)
{
	if (p == NULL)
		return false;
	if (msg == NULL)
		len = 0, msg = "";
	switch (p->kind) {
	case PAT_TEXT:
		return match_text(p, msg, len);
	case PAT_JSON:
		return match_json(p, msg, len);
	default:
		return true;
	}
}

void logs_pattern_free(struct logs_pattern *p)
{
	if (p == NULL)
		return;
	arena_free(&p->arena);
	free(p);
}
