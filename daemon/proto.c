/* SPDX-License-Identifier: MIT */
/*
 * proto.c -- answer -> bytes. JSON is built with cJSON, which escapes every string it is
 * given, so nothing in a fact can break the frame. A cJSON child belongs to its parent:
 * one cJSON_Delete of the root frees everything, whichever step failed.
 */
#include "proto.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Adds name:value when value is set; returns 0, or -1 when out of memory. */
static int
add_string(cJSON *obj, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	return cJSON_AddStringToObject(obj, name, value) ? 0 : -1;
}

static int
add_links(cJSON *obj, const char *name, const struct answer_link *links, int n)
{
	cJSON *arr, *item;
	int i;

	if (n == 0)
		return 0;
	if ((arr = cJSON_AddArrayToObject(obj, name)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((item = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(arr, item);
		if (add_string(item, "fact", links[i].fact) ||
		    add_string(item, "question", links[i].question))
			return -1;
	}
	return 0;
}

static int
add_sources(cJSON *obj, const struct answer *a)
{
	const struct answer_source *s;
	cJSON *arr, *item;
	int i;

	if (a->nsources == 0)
		return 0;
	if ((arr = cJSON_AddArrayToObject(obj, "sources")) == NULL)
		return -1;
	for (i = 0; i < a->nsources; i++) {
		s = &a->sources[i];
		if ((item = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(arr, item);
		if (add_string(item, "id", s->id) || add_string(item, "title", s->title) ||
		    add_string(item, "publisher", s->publisher) ||
		    add_string(item, "date", s->date) || add_string(item, "url", s->url) ||
		    add_string(item, "citation", s->citation) ||
		    add_string(item, "pinpoint", s->pinpoint) ||
		    add_string(item, "quote", s->quote))
			return -1;
	}
	return 0;
}

static int
add_answer_fields(cJSON *root, const struct answer *a)
{
	cJSON *later;

	if (add_string(root, "fact", a->fact) ||
	    !cJSON_AddNumberToObject(root, "score", round(a->score * 100) / 100) ||
	    add_string(root, "lang", lang_code(a->lang)) || add_string(root, "status", a->status) ||
	    add_string(root, "as_of", a->as_of))
		return -1;
	if (a->superseded_by.fact != NULL) {
		if ((later = cJSON_AddObjectToObject(root, "superseded_by")) == NULL ||
		    add_string(later, "fact", a->superseded_by.fact) ||
		    add_string(later, "question", a->superseded_by.question))
			return -1;
	}
	return add_sources(root, a) || add_links(root, "related", a->related, a->nrelated);
}

char *
proto_answer_json(const struct answer *a, const char *id, const char *kb_version)
{
	int none = a->type == ANSWER_NONE, rc;
	cJSON *root;
	char *out = NULL;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	rc = add_string(root, "type", none ? "no_answer" : "answer");
	if (rc == 0)
		rc = add_string(root, "id", id);
	if (rc == 0)
		rc = add_string(root, "text", a->text);
	if (rc == 0 && none)
		rc = add_string(root, "lang", lang_code(a->lang)) ||
		     add_links(root, "suggestions", a->suggestions, a->nsuggestions);
	else if (rc == 0)
		rc = add_answer_fields(root, a);
	if (rc == 0)
		rc = add_string(root, "kb_version", kb_version);
	if (rc == 0)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

static int
source_line(const struct answer_source *s, const char *lang, struct buf *b)
{
	char date[64];
	int rc;

	rc = buf_printf(b, "\n%s %s — %s",
			strcmp(lang, "es") == 0 ? "Fuente:" : "Source:", s->title, s->publisher);
	if (rc == 0 && s->date)
		rc = buf_printf(b, ", %s", date_words(s->date, lang, date, sizeof(date)));
	if (rc == 0 && s->pinpoint)
		rc = buf_printf(b, ", %s", s->pinpoint);
	if (rc == 0 && s->citation)
		rc = buf_printf(b, " — %s", s->citation);
	if (rc == 0 && s->url)
		rc = buf_printf(b, " — %s", s->url);
	return rc;
}

int
proto_answer_lines(const struct answer *a, struct buf *b)
{
	const char *lang = lang_code(a->lang);
	int es = a->lang == LANG_ES, rc, i;

	rc = buf_puts(b, a->text && a->text[0] ? a->text : "…");
	for (i = 0; rc == 0 && i < a->nsources; i++)
		rc = source_line(&a->sources[i], lang, b);
	for (i = 0; rc == 0 && i < a->nsuggestions; i++)
		rc = buf_printf(b, "\n%s %s", es ? "Pruebe:" : "Try:", a->suggestions[i].question);
	if (rc == 0 && a->nrelated > 0)
		rc = buf_puts(b, es ? "\nRelacionado: " : "\nRelated: ");
	for (i = 0; rc == 0 && i < a->nrelated; i++)
		rc = buf_printf(b, "%s%s", i ? " · " : "", a->related[i].question);
	return rc;
}
