/* SPDX-License-Identifier: MIT */
/*
 * load.c -- kb/ folder -> struct kbset. Each file is parsed with cJSON; its items are
 * read field by field against the list of fields the editor's guide (kb/README.md)
 * allows, and every problem is printed with the line it is on.
 */
#include "load.h"

#include <cjson/cJSON.h>
#include <glob.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "engine.h"

/* The item being read, for messages. */
struct item {
	struct kbset *set;	      /* where problems are counted */
	struct kb_file *file;	      /* the file it is in */
	const struct json_span *span; /* where it is */
	const char *kind;	      /* "fact", "source", NULL for a whole file */
	const char *id;		      /* its id once read, or NULL */
	int index;		      /* its position in the file, from 1 */
};

static const char *const fact_fields[] = {
	"id",	  "lang",	   "questions", "answer",	  "keywords", "sources", "as_of",
	"status", "superseded_by", "related",	"translation_of", "reviewed", "note",	 NULL,
};
static const char *const source_fields[] = {
	"id", "title", "publisher", "date", "url", "citation", "kind", "text", "note", NULL,
};
static const char *const cite_fields[] = { "id", "pinpoint", "quote", NULL };
static const char *const synonym_fields[] = { "groups", "misspellings", "note", NULL };
static const char *const group_fields[] = { "words", "note", NULL };
static const char *const entities_fields[] = { "entities", "note", NULL };
static const char *const entity_fields[] = { "id", "kind", "forms", "note", NULL };
static const char *const starter_fields[] = { "en", "es", "note", NULL };
static const char *const reply_fields[] = { "id", "en", "es", "note", NULL };

/* Prints "file:line: what: label message" to set->report. */
static void
report(struct kbset *set, const char *file, int line, const char *what, const char *label,
       const char *fmt, va_list ap)
{
	fprintf(set->report, "%s:%d: ", file, line);
	if (what)
		fprintf(set->report, "%s: ", what);
	fputs(label, set->report);
	vfprintf(set->report, fmt, ap);
	fputc('\n', set->report);
}

void
kb_problem(struct kbset *set, const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(set, file, line, what, "", fmt, ap);
	va_end(ap);
	set->problems++;
}

void
kb_warning(struct kbset *set, const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(set, file, line, what, "warning: ", fmt, ap);
	va_end(ap);
	set->warnings++;
}

/* Reports a problem with item it, at the line of field (NULL: the item's first line). */
static void __attribute__((format(printf, 3, 4)))
item_problem(const struct item *it, const char *field, const char *fmt, ...)
{
	char what[160], msg[512];
	va_list ap;
	int line = it->span->line;

	if (field)
		line = jsonpos_key_line(it->file->text.data, it->span, field);
	if (it->kind && it->id)
		snprintf(what, sizeof(what), "%s '%s'", it->kind, it->id);
	else if (it->kind)
		snprintf(what, sizeof(what), "%s #%d", it->kind, it->index);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_problem(it->set, it->file->path, line, it->kind ? what : NULL, "%s", msg);
}

static int
listed(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* Reports fields that are not in allowed, or appear twice. */
static void
check_fields(const struct item *it, const cJSON *obj, const char *const *allowed)
{
	const cJSON *f, *g;

	for (f = obj->child; f; f = f->next) {
		if (!listed(f->string, allowed)) {
			item_problem(it, f->string, "unknown field '%s'", f->string);
			continue;
		}
		for (g = obj->child; g != f; g = g->next)
			if (strcmp(g->string, f->string) == 0) {
				item_problem(it, f->string, "field '%s' appears twice", f->string);
				break;
			}
	}
}

static int
blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Returns the string field name, or NULL (reporting why, if required or mistyped). */
static const char *
get_string(const struct item *it, const cJSON *obj, const char *name, int required)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (f == NULL) {
		if (required)
			item_problem(it, NULL, "missing field '%s'", name);
		return NULL;
	}
	if (!cJSON_IsString(f)) {
		item_problem(it, name, "field '%s' must be a string", name);
		return NULL;
	}
	if (blank(f->valuestring)) {
		item_problem(it, name, "field '%s' is empty", name);
		return NULL;
	}
	return f->valuestring;
}

/* Reads the list-of-strings field name into a malloc'd array. Returns the count (0 and
 * *out NULL when absent or wrong), reporting problems. */
static int
get_strings(const struct item *it, const cJSON *obj, const char *name, int min, const char ***out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name), *e;
	int n = 0, i = 0;

	*out = NULL;
	if (f == NULL) {
		if (min > 0)
			item_problem(it, NULL, "missing field '%s'", name);
		return 0;
	}
	if (!cJSON_IsArray(f)) {
		item_problem(it, name, "field '%s' must be a list of strings", name);
		return 0;
	}
	if ((*out = calloc((size_t)cJSON_GetArraySize(f) + 1, sizeof(char *))) == NULL)
		return 0;
	cJSON_ArrayForEach(e, f)
	{
		i++;
		if (!cJSON_IsString(e))
			item_problem(it, name, "field '%s': entry %d is not a string", name, i);
		else if (blank(e->valuestring))
			item_problem(it, name, "field '%s': entry %d is empty", name, i);
		else
			(*out)[n++] = e->valuestring;
	}
	if (n < min)
		item_problem(it, name, "field '%s' needs at least %d entries", name, min);
	return n;
}

/* Reads the "sources" field of a fact: ids, or objects with id, pinpoint and quote. */
static int
get_cites(const struct item *it, const cJSON *obj, struct cite **out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, "sources"), *e;
	struct item sub = *it;
	int n = 0;

	*out = NULL;
	if (f == NULL || (cJSON_IsArray(f) && cJSON_GetArraySize(f) == 0)) {
		item_problem(it, f ? "sources" : NULL, "the fact has no source");
		return 0;
	}
	if (!cJSON_IsArray(f)) {
		item_problem(it, "sources", "field 'sources' must be a list");
		return 0;
	}
	if ((*out = calloc((size_t)cJSON_GetArraySize(f), sizeof(**out))) == NULL)
		return 0;
	cJSON_ArrayForEach(e, f)
	{
		if (cJSON_IsString(e) && !blank(e->valuestring)) {
			(*out)[n++].id = e->valuestring;
		} else if (cJSON_IsObject(e)) {
			check_fields(&sub, e, cite_fields);
			(*out)[n].id = get_string(&sub, e, "id", 1);
			(*out)[n].pinpoint = get_string(&sub, e, "pinpoint", 0);
			(*out)[n].quote = get_string(&sub, e, "quote", 0);
			if ((*out)[n].id)
				n++;
		} else {
			item_problem(it, "sources",
				     "a source must be an id or an object with an id");
		}
	}
	return n;
}

/* array_grow() for the kbset's counts, which are ints. */
static void *
grow(void *array, int *n, size_t elem)
{
	size_t used = (size_t)*n;
	void *item = array_grow(array, &used, elem);

	*n = (int)used;
	return item;
}

/* Returns the span of item index, or the whole file when the scan did not place it. */
static const struct json_span *
span_of(const struct kb_file *file, int index)
{
	return index < file->nitems ? &file->items[index] : &file->whole;
}

static void
read_fact(struct kbset *set, struct kb_file *file, const cJSON *obj, int index, const char *topic)
{
	struct item it = { set, file, span_of(file, index), "fact", NULL, index + 1 };
	struct fact *f;

	if (!cJSON_IsObject(obj)) {
		item_problem(&it, NULL, "a fact must be a JSON object");
		return;
	}
	if ((f = grow(&set->facts, &set->nfacts, sizeof(*f))) == NULL)
		return;
	f->file = file;
	f->span = *it.span;
	f->topic = topic;
	it.id = f->id = get_string(&it, obj, "id", 1);
	check_fields(&it, obj, fact_fields);
	f->lang = get_string(&it, obj, "lang", 1);
	f->answer = get_string(&it, obj, "answer", 1);
	f->as_of = get_string(&it, obj, "as_of", 1);
	f->status = get_string(&it, obj, "status", 1);
	f->superseded_by = get_string(&it, obj, "superseded_by", 0);
	f->translation_of = get_string(&it, obj, "translation_of", 0);
	f->reviewed = get_string(&it, obj, "reviewed", 1);
	get_string(&it, obj, "note", 0);
	f->nquestions = get_strings(&it, obj, "questions", 2, &f->questions);
	if (f->nquestions > KB_QUESTION_ROWS)
		item_problem(&it, "questions", "field 'questions' has more than %d entries",
			     KB_QUESTION_ROWS);
	f->nkeywords = get_strings(&it, obj, "keywords", 0, &f->keywords);
	f->nrelated = get_strings(&it, obj, "related", 0, &f->related);
	f->ncites = get_cites(&it, obj, &f->cites);
}

static void
read_source(struct kbset *set, struct kb_file *file, const cJSON *obj, int index)
{
	struct item it = { set, file, span_of(file, index), "source", NULL, index + 1 };
	struct src *s;

	if (!cJSON_IsObject(obj)) {
		item_problem(&it, NULL, "a source must be a JSON object");
		return;
	}
	if ((s = grow(&set->sources, &set->nsources, sizeof(*s))) == NULL)
		return;
	s->file = file;
	s->span = *it.span;
	it.id = s->id = get_string(&it, obj, "id", 1);
	check_fields(&it, obj, source_fields);
	s->title = get_string(&it, obj, "title", 1);
	s->publisher = get_string(&it, obj, "publisher", 1);
	s->date = get_string(&it, obj, "date", 1);
	s->kind = get_string(&it, obj, "kind", 1);
	s->url = get_string(&it, obj, "url", 0);
	s->citation = get_string(&it, obj, "citation", 0);
	s->text = get_string(&it, obj, "text", 0);
	get_string(&it, obj, "note", 0);
}

/* Reads and parses one file. Returns it, or NULL when it cannot be read (reported). A
 * malformed file is returned with root NULL and the problem reported. */
static struct kb_file *
open_file(struct kbset *set, const char *dir, const char *rel, int optional)
{
	struct kb_file *f, **slot;
	const char *end = NULL;
	char err[512];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	buf_init(&f->text);
	if ((f->path = malloc(strlen(dir) + strlen(rel) + 2)) == NULL) {
		free(f);
		return NULL;
	}
	sprintf(f->path, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
	if (read_file(f->path, &f->text, err, sizeof(err)) == -1) {
		if (!optional)
			fprintf(set->report, "%s\n", err);
		buf_free(&f->text);
		free(f->path);
		free(f);
		return NULL;
	}
	if ((slot = grow(&set->files, &set->nfiles, sizeof(*slot))) == NULL) {
		buf_free(&f->text);
		free(f->path);
		free(f);
		return NULL;
	}
	*slot = f;
	f->whole = (struct json_span){ 0, f->text.len, 1 };
	/* The length includes the NUL, which cJSON then requires after the value. */
	f->root = cJSON_ParseWithLengthOpts(f->text.data, f->text.len + 1, &end, 1);
	if (f->root == NULL) {
		size_t off = end ? (size_t)(end - f->text.data) : 0;
		kb_problem(set, f->path, jsonpos_line(f->text.data, off), NULL,
			   "malformed JSON near \"%.20s\"", f->text.data + off);
	} else if ((f->nitems = jsonpos_items(f->text.data, f->text.len, &f->items)) < 0) {
		f->nitems = 0;
	}
	return f;
}

/* Checks that file holds an array whose items the position scan found. */
static int
is_item_array(struct kbset *set, struct kb_file *f, const char *what)
{
	if (f->root == NULL)
		return 0;
	if (!cJSON_IsArray(f->root)) {
		kb_problem(set, f->path, 1, NULL, "the file must hold a JSON array of %s", what);
		return 0;
	}
	return 1;
}

static void
read_sources(struct kbset *set, struct kb_file *f)
{
	const cJSON *e;
	int i = 0;

	if (!is_item_array(set, f, "sources"))
		return;
	cJSON_ArrayForEach(e, f->root) read_source(set, f, e, i++);
}

static void
read_facts(struct kbset *set, struct kb_file *f)
{
	const char *name;
	const cJSON *e;
	char *dot;
	int i = 0;

	if (!is_item_array(set, f, "facts"))
		return;
	name = strrchr(f->path, '/');
	if ((f->topic = strdup(name ? name + 1 : f->path)) == NULL)
		return;
	if ((dot = strrchr(f->topic, '.')) != NULL)
		*dot = '\0';
	cJSON_ArrayForEach(e, f->root) read_fact(set, f, e, i++, f->topic);
}

static void
read_groups(struct kbset *set, struct kb_file *f, const cJSON *groups)
{
	struct json_span whole = { 0, f->text.len, 1 };
	struct item it = { set, f, &whole, "synonym group", NULL, 0 };
	struct syn_group *g;
	const cJSON *e;

	if (!cJSON_IsArray(groups)) {
		kb_problem(set, f->path, jsonpos_key_line(f->text.data, &whole, "groups"), NULL,
			   "'groups' must be a list of groups");
		return;
	}
	cJSON_ArrayForEach(e, groups)
	{
		it.index++;
		if (!cJSON_IsObject(e)) {
			item_problem(&it, "groups", "a group must be an object with 'words'");
			continue;
		}
		check_fields(&it, e, group_fields);
		if ((g = grow(&set->groups, &set->ngroups, sizeof(*g))) == NULL)
			return;
		g->nwords = get_strings(&it, e, "words", 2, &g->words);
		g->line = g->nwords ? jsonpos_string_line(f->text.data, &whole, g->words[0]) : -1;
		if (g->line < 0)
			g->line = jsonpos_key_line(f->text.data, &whole, "groups");
	}
}

static void
read_misspellings(struct kbset *set, struct kb_file *f, const cJSON *fixes)
{
	struct json_span whole = { 0, f->text.len, 1 };
	struct misspelling *m;
	const cJSON *e;
	int line;

	if (!cJSON_IsObject(fixes)) {
		kb_problem(set, f->path, jsonpos_key_line(f->text.data, &whole, "misspellings"),
			   NULL, "'misspellings' must be an object of \"typed\": \"meant\" pairs");
		return;
	}
	cJSON_ArrayForEach(e, fixes)
	{
		line = jsonpos_key_line(f->text.data, &whole, e->string);
		if (!cJSON_IsString(e) || blank(e->valuestring) || blank(e->string)) {
			kb_problem(set, f->path, line, NULL,
				   "misspelling '%s' must map to a non-empty word", e->string);
			continue;
		}
		if ((m = grow(&set->fixes, &set->nfixes, sizeof(*m))) == NULL)
			return;
		m->word = e->string;
		m->fix = e->valuestring;
		m->line = line;
	}
}

static void
read_synonyms(struct kbset *set, struct kb_file *f)
{
	struct json_span whole = { 0, f->text.len, 1 };
	struct item it = { set, f, &whole, NULL, NULL, 0 };
	const cJSON *e;

	if (f->root == NULL)
		return;
	if (!cJSON_IsObject(f->root)) {
		kb_problem(set, f->path, 1, NULL, "the file must hold an object with 'groups'");
		return;
	}
	check_fields(&it, f->root, synonym_fields);
	if ((e = cJSON_GetObjectItemCaseSensitive(f->root, "groups")) != NULL)
		read_groups(set, f, e);
	if ((e = cJSON_GetObjectItemCaseSensitive(f->root, "misspellings")) != NULL)
		read_misspellings(set, f, e);
}

/* Finds the items of the array that the top-level field key of f holds, as
 * jsonpos_items() finds those of a top-level array. Returns their number (0 when there is
 * no such array) or -1 when out of memory. */
static int
nested_items(const struct kb_file *f, const char *key, struct json_span **out)
{
	size_t n = strlen(key), i, j;
	int line, count;

	*out = NULL;
	for (i = 0; i + n + 2 <= f->text.len; i++) {
		if (f->text.data[i] != '"' || strncmp(f->text.data + i + 1, key, n) != 0 ||
		    f->text.data[i + n + 1] != '"')
			continue;
		for (j = i + n + 2; j < f->text.len && strchr(" \t\r\n:", f->text.data[j]); j++)
			;
		if (j >= f->text.len || f->text.data[j] != '[')
			continue;
		if ((count = jsonpos_items(f->text.data + j, f->text.len - j, out)) <= 0)
			return count;
		line = jsonpos_line(f->text.data, j);
		for (i = 0; i < (size_t)count; i++) {
			(*out)[i].start += j;
			(*out)[i].end += j;
			(*out)[i].line += line - 1;
		}
		return count;
	}
	return 0;
}

static void
read_entity(struct kbset *set, struct kb_file *f, const cJSON *obj, const struct json_span *span,
	    int index)
{
	struct item it = { set, f, span, "entity", NULL, index + 1 };
	struct entity *e;

	if (!cJSON_IsObject(obj)) {
		item_problem(&it, NULL, "an entity must be a JSON object");
		return;
	}
	if ((e = grow(&set->entities, &set->nentities, sizeof(*e))) == NULL)
		return;
	e->span = *span;
	it.id = e->id = get_string(&it, obj, "id", 1);
	check_fields(&it, obj, entity_fields);
	e->kind = get_string(&it, obj, "kind", 1);
	get_string(&it, obj, "note", 0);
	e->nforms = get_strings(&it, obj, "forms", 1, &e->forms);
}

/* Reads entities.json: an object whose "entities" list holds the entities. */
static void
read_entities(struct kbset *set, struct kb_file *f)
{
	struct item it = { set, f, &f->whole, NULL, NULL, 0 };
	struct json_span *spans = NULL;
	const cJSON *list, *e;
	int nspans, i = 0;

	set->entities_file = f;
	if (f->root == NULL)
		return;
	if (!cJSON_IsObject(f->root)) {
		kb_problem(set, f->path, 1, NULL, "the file must hold an object with 'entities'");
		return;
	}
	check_fields(&it, f->root, entities_fields);
	list = cJSON_GetObjectItemCaseSensitive(f->root, "entities");
	if (!cJSON_IsArray(list)) {
		kb_problem(set, f->path, jsonpos_key_line(f->text.data, &f->whole, "entities"),
			   NULL, "'entities' must be a list of entities");
		return;
	}
	if ((nspans = nested_items(f, "entities", &spans)) < 0)
		nspans = 0;
	cJSON_ArrayForEach(e, list)
	{
		read_entity(set, f, e, i < nspans ? &spans[i] : &f->whole, i);
		i++;
	}
	free(spans);
}

static void
read_starters(struct kbset *set, struct kb_file *f)
{
	struct json_span whole = { 0, f->text.len, 1 };
	struct item it = { set, f, &whole, NULL, NULL, 0 };

	set->starters_file = f;
	if (f->root == NULL)
		return;
	if (!cJSON_IsObject(f->root)) {
		kb_problem(set, f->path, 1, NULL,
			   "the file must hold an object with 'en' and 'es'");
		return;
	}
	check_fields(&it, f->root, starter_fields);
	set->nstarters[LANG_EN] = get_strings(&it, f->root, "en", 0, &set->starters[LANG_EN]);
	set->nstarters[LANG_ES] = get_strings(&it, f->root, "es", 0, &set->starters[LANG_ES]);
}

static void
read_reply(struct kbset *set, struct kb_file *file, const cJSON *obj, int index)
{
	struct item it = { set, file, span_of(file, index), "reply", NULL, index + 1 };
	struct fixed_reply *r;
	enum lang l;

	if (!cJSON_IsObject(obj)) {
		item_problem(&it, NULL, "a reply must be a JSON object");
		return;
	}
	if ((r = grow(&set->replies, &set->nreplies, sizeof(*r))) == NULL)
		return;
	r->file = file;
	r->span = *it.span;
	it.id = r->id = get_string(&it, obj, "id", 1);
	check_fields(&it, obj, reply_fields);
	for (l = LANG_EN; l < LANG_COUNT; l++)
		r->text[l] = get_string(&it, obj, lang_code(l), 1);
	get_string(&it, obj, "note", 0);
}

/* Reads replies.json. The file is optional to the reader, so that a folder without it is
 * still checked in full, but its absence is a problem: the bot would have nothing to say
 * to "hello". */
static void
read_replies(struct kbset *set, const char *dir)
{
	struct kb_file *f = open_file(set, dir, "replies.json", 1);
	size_t n = strlen(dir);
	const cJSON *e;
	char path[4096];
	int i = 0;

	if (f == NULL) {
		snprintf(path, sizeof(path), "%s%sreplies.json", dir,
			 n && dir[n - 1] == '/' ? "" : "/");
		kb_problem(set, path, 1, NULL,
			   "the file is missing: it holds what the bot says without a fact, in "
			   "every language (see kb/README.md)");
		return;
	}
	set->replies_file = f;
	if (!is_item_array(set, f, "replies"))
		return;
	cJSON_ArrayForEach(e, f->root) read_reply(set, f, e, i++);
}

/* Hashes every file, by its path inside the folder, so moving the folder keeps the
 * version and changing any byte of any file changes it. */
static void
compute_version(struct kbset *set, size_t dirlen)
{
	unsigned long long h = FNV_OFFSET;
	const char *rel;
	int i;

	for (i = 0; i < set->nfiles; i++) {
		rel = set->files[i]->path + dirlen;
		rel += *rel == '/';
		h = fnv1a(h, rel, strlen(rel) + 1);
		h = fnv1a(h, set->files[i]->text.data, set->files[i]->text.len + 1);
	}
	snprintf(set->version, sizeof(set->version), "%016llx", h);
}

int
load_kb(const char *dir, struct kbset *set, FILE *report)
{
	struct kb_file *f;
	char pattern[4096];
	glob_t g;
	size_t i, dirlen = strlen(dir);
	int rc;

	memset(set, 0, sizeof(*set));
	set->report = report;
	if ((f = open_file(set, dir, "sources.json", 0)) == NULL)
		return -1;
	read_sources(set, f);
	if ((f = open_file(set, dir, "synonyms.json", 1)) != NULL)
		read_synonyms(set, f);
	if ((f = open_file(set, dir, "entities.json", 1)) != NULL)
		read_entities(set, f);
	if ((f = open_file(set, dir, "starters.json", 1)) != NULL)
		read_starters(set, f);
	read_replies(set, dir);
	snprintf(pattern, sizeof(pattern), "%s%sfacts/*.json", dir,
		 dirlen && dir[dirlen - 1] == '/' ? "" : "/");
	rc = glob(pattern, 0, NULL, &g);
	if (rc != 0) {
		fprintf(report, "%s: no fact files\n", pattern);
		if (rc != GLOB_NOMATCH)
			globfree(&g);
		return -1;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		if ((f = open_file(set, dir, g.gl_pathv[i] + dirlen + (dir[dirlen - 1] != '/'),
				   0)) == NULL) {
			globfree(&g);
			return -1;
		}
		read_facts(set, f);
	}
	globfree(&g);
	compute_version(set, dirlen);
	return 0;
}

void
kbset_free(struct kbset *set)
{
	int i;

	for (i = 0; i < set->nfacts; i++) {
		free(set->facts[i].questions);
		free(set->facts[i].keywords);
		free(set->facts[i].related);
		free(set->facts[i].cites);
	}
	for (i = 0; i < set->ngroups; i++)
		free(set->groups[i].words);
	for (i = 0; i < set->nentities; i++)
		free(set->entities[i].forms);
	for (i = 0; i < set->nfiles; i++) {
		cJSON_Delete(set->files[i]->root);
		buf_free(&set->files[i]->text);
		free(set->files[i]->items);
		free(set->files[i]->topic);
		free(set->files[i]->path);
		free(set->files[i]);
	}
	free(set->starters[0]);
	free(set->starters[1]);
	free(set->files);
	free(set->sources);
	free(set->facts);
	free(set->groups);
	free(set->fixes);
	free(set->entities);
	free(set->replies);
	memset(set, 0, sizeof(*set));
}
