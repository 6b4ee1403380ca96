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

/* Adds name:value when value is set; returns 0, or -1 when out of memory. Neither is
 * copied: name is a literal, and every object here is printed and deleted before its
 * function returns, while the strings it was given are still there. */
static int
add_string(cJSON *obj, const char *name, const char *value)
{
	cJSON *item;

	if (value == NULL || value[0] == '\0')
		return 0;
	if ((item = cJSON_CreateStringReference(value)) == NULL)
		return -1;
	return cJSON_AddItemToObjectCS(obj, name, item) ? 0 : (cJSON_Delete(item), -1);
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

/* Adds "score": the confidence to two decimals, written as cJSON writes that number
 * ("%1.15g": 0.92, 0.9, 1, 0) but without the print-and-read-back cJSON does to check a
 * number's precision, which costs more than the rest of an answer's own members.
 * Returns 0, or -1 when out of memory. */
static int
add_score(cJSON *obj, double score)
{
	long hundredths = lround(score * 100);
	char text[5] = "0.";
	cJSON *item;

	if (hundredths <= 0 || hundredths >= 100 || hundredths % 100 == 0) {
		if (!cJSON_AddNumberToObject(obj, "score", (double)hundredths / 100))
			return -1;
		return 0;
	}
	text[2] = (char)('0' + hundredths / 10);
	text[3] = hundredths % 10 ? (char)('0' + hundredths % 10) : '\0';
	if ((item = cJSON_CreateRaw(text)) == NULL)
		return -1;
	return cJSON_AddItemToObjectCS(obj, "score", item) ? 0 : (cJSON_Delete(item), -1);
}

/* The members no question changes, in the order every answer has them. */
static int
add_fact_members(cJSON *root, const struct answer *a, const char *kb_version)
{
	cJSON *later;

	if (add_string(root, "status", a->status) || add_string(root, "as_of", a->as_of))
		return -1;
	if (a->superseded_by.fact != NULL) {
		if ((later = cJSON_AddObjectToObject(root, "superseded_by")) == NULL ||
		    add_string(later, "fact", a->superseded_by.fact) ||
		    add_string(later, "question", a->superseded_by.question))
			return -1;
	}
	return add_sources(root, a) || add_links(root, "related", a->related, a->nrelated) ||
	       add_string(root, "kb_version", kb_version);
}

/* Starts an answer object: the id when there is one, then the type. */
static cJSON *
answer_object(const char *id, const char *type)
{
	cJSON *root;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if (add_string(root, "id", id) || add_string(root, "type", type)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Prints root and deletes it; NULL when out of memory (root deleted all the same). */
static char *
print_object(cJSON *root, int rc)
{
	char *out = rc == 0 ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	return out;
}

char *
proto_fact_members(const struct answer *a, const char *kb_version)
{
	cJSON *root;
	char *out;
	size_t len;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((out = print_object(root, add_fact_members(root, a, kb_version))) == NULL)
		return NULL;
	len = strlen(out); /* "{...}", or "{}" */
	memmove(out, out + 1, len - 2);
	out[len - 2] = '\0';
	return out;
}

char *
proto_fact_json(const struct answer *a, const char *id, const char *members)
{
	size_t n, mlen = strlen(members);
	cJSON *root;
	char *head, *out;
	int rc;

	if ((root = answer_object(id, "answer")) == NULL)
		return NULL;
	rc = add_string(root, "text", a->text) || add_string(root, "fact", a->fact) ||
	     add_score(root, a->score) || add_string(root, "lang", lang_code(a->lang));
	if ((head = print_object(root, rc)) == NULL)
		return NULL;
	/* head is "{...}" with at least the type: its closing brace gives way to members. */
	n = strlen(head) - 1;
	if ((out = malloc(n + mlen + 3)) != NULL) {
		memcpy(out, head, n);
		if (mlen > 0) {
			out[n++] = ',';
			memcpy(out + n, members, mlen);
			n += mlen;
		}
		memcpy(out + n, "}", 2);
	}
	cJSON_free(head);
	return out;
}

char *
proto_answer_json(const struct answer *a, const char *id, const char *kb_version)
{
	cJSON *root;
	char *members, *out;
	int rc;

	if (a->type != ANSWER_NONE) {
		if ((members = proto_fact_members(a, kb_version)) == NULL)
			return NULL;
		out = proto_fact_json(a, id, members);
		free(members);
		return out;
	}
	if ((root = answer_object(id, proto_clarifies(a) ? "clarify" : "no_answer")) == NULL)
		return NULL;
	rc = add_string(root, "text", a->text) || add_string(root, "lang", lang_code(a->lang)) ||
	     add_links(root, proto_clarifies(a) ? "choices" : "suggestions", a->suggestions,
		       a->nsuggestions) ||
	     add_string(root, "kb_version", kb_version);
	return print_object(root, rc);
}

int
proto_clarifies(const struct answer *a)
{
	return a->type == ANSWER_NONE && a->asked_back && a->nsuggestions > 0;
}

static int
source_line(const struct answer_source *s, const char *lang, struct buf *b)
{
	char date[64];
	int rc;

	rc = buf_cat(b, "\n", strcmp(lang, "es") == 0 ? "Fuente: " : "Source: ", s->title, " — ",
		     s->publisher, NULL);
	if (rc == 0 && s->date)
		rc = buf_cat(b, ", ", date_words(s->date, lang, date, sizeof(date)), NULL);
	if (rc == 0 && s->pinpoint)
		rc = buf_cat(b, ", ", s->pinpoint, NULL);
	if (rc == 0 && s->citation)
		rc = buf_cat(b, " — ", s->citation, NULL);
	if (rc == 0 && s->url)
		rc = buf_cat(b, " — ", s->url, NULL);
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
	for (i = 0; rc == 0 && proto_clarifies(a) && i < a->nsuggestions; i++)
		rc = buf_printf(b, "\n%d. %s", i + 1, a->suggestions[i].question);
	for (i = 0; rc == 0 && !proto_clarifies(a) && i < a->nsuggestions; i++)
		rc = buf_cat(b, es ? "\nPruebe: " : "\nTry: ", a->suggestions[i].question, NULL);
	if (rc == 0 && a->nrelated > 0)
		rc = buf_puts(b, es ? "\nRelacionado: " : "\nRelated: ");
	for (i = 0; rc == 0 && i < a->nrelated; i++)
		rc = buf_cat(b, i ? " · " : "", a->related[i].question, NULL);
	return rc;
}

static const char *const error_names[PROTO_NERRORS] = {
	"bad_json", "bad_request", "too_long", "rate_limited", "overloaded", "internal",
};

const char *
proto_error_name(enum proto_error e)
{
	return e < PROTO_NERRORS ? error_names[e] : "internal";
}

static void
invalid(struct request *req, enum proto_error e, const char *message)
{
	req->type = REQ_INVALID;
	req->error = e;
	req->message = message;
}

int
proto_set_id(struct request *req, const char *id)
{
	if (strlen(id) >= sizeof(req->id) || utf8_length(id) > PROTO_ID_MAX) {
		invalid(req, PROTO_BAD_REQUEST,
			"\"id\" must be a string of at most 64 characters.");
		return -1;
	}
	snprintf(req->id, sizeof(req->id), "%s", id);
	return 0;
}

/* Reads the optional "id" of a JSON request. */
static int
read_id(const cJSON *root, struct request *req)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");

	if (id == NULL)
		return 0;
	if (!cJSON_IsString(id)) {
		invalid(req, PROTO_BAD_REQUEST,
			"\"id\" must be a string of at most 64 characters.");
		return -1;
	}
	return proto_set_id(req, id->valuestring);
}

/* Returns the first byte from p on that is not a space or a line end, or end. */
static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && strchr(" \t\r\n", *p) && *p != '\0')
		p++;
	return p;
}

/* Returns 1 when the JSON text msg holds a NUL: a raw byte (not JSON at all), or the escape
 * \u0000 (odd backslashes before it). cJSON would end the string there, and the question
 * would be cut short and answered as if whole. */
static int
holds_nul(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	size_t slashes;

	if (memchr(msg, '\0', len) != NULL)
		return 1;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		for (slashes = 0; p < end && *p == '\\'; p++)
			slashes++;
		if (slashes % 2 == 1 && end - p >= 5 && memcmp(p, "u0000", 5) == 0)
			return 1;
	}
	return 0;
}

/* Reads a JSON request; type_required 0 lets "type" default to "ask". */
static void
parse_json(const char *msg, size_t len, int type_required, struct request *req)
{
	const cJSON *type, *text, *lang;

	const char *end = NULL;

	req->json = 1;
	/* One object and nothing after it: "{...} trailing" or "{...}{...}" is not a request. */
	req->tree = cJSON_ParseWithLengthOpts(msg, len, &end, 0);
	if (req->tree == NULL || !cJSON_IsObject(req->tree) ||
	    skip_space(end, msg + len) != msg + len) {
		invalid(req, PROTO_BAD_JSON, "The message begins with { but is not a JSON object.");
		return;
	}
	if (read_id(req->tree, req) == -1)
		return;
	if (holds_nul(msg, len)) {
		invalid(req, PROTO_BAD_REQUEST, "A request may not hold the character U+0000.");
		return;
	}
	type = cJSON_GetObjectItemCaseSensitive(req->tree, "type");
	if ((type == NULL && type_required) || (type != NULL && !cJSON_IsString(type))) {
		invalid(req, PROTO_BAD_REQUEST, "\"type\" must be \"ask\" or \"info\".");
		return;
	}
	if (type != NULL && strcmp(type->valuestring, "info") == 0) {
		req->type = REQ_INFO;
		return;
	}
	if (type != NULL && strcmp(type->valuestring, "ask") != 0) {
		invalid(req, PROTO_BAD_REQUEST, "Unknown \"type\": the requests are ask and info.");
		return;
	}
	text = cJSON_GetObjectItemCaseSensitive(req->tree, "text");
	if (!cJSON_IsString(text) || text->valuestring[strspn(text->valuestring, " \t\r\n")] == 0) {
		invalid(req, PROTO_BAD_REQUEST, "An ask needs \"text\": a question, as a string.");
		return;
	}
	lang = cJSON_GetObjectItemCaseSensitive(req->tree, "lang");
	if (lang != NULL && (!cJSON_IsString(lang) || (strcmp(lang->valuestring, "en") != 0 &&
						       strcmp(lang->valuestring, "es") != 0))) {
		invalid(req, PROTO_BAD_REQUEST, "\"lang\" must be \"en\" or \"es\".");
		return;
	}
	if (lang != NULL)
		snprintf(req->lang, sizeof(req->lang), "%s", lang->valuestring);
	req->type = REQ_ASK;
	req->text = text->valuestring;
	req->len = strlen(text->valuestring);
}

/* Zeroes req, then reads msg as a JSON request when it begins with '{' after white space
 * (type_required as parse_json takes it). Returns NULL when it did, else where msg's text
 * begins. */
static const char *
parse_if_json(const char *msg, size_t len, int type_required, struct request *req)
{
	const char *start = skip_space(msg, msg + len);

	memset(req, 0, sizeof(*req));
	if (start < msg + len && *start == '{') {
		parse_json(start, (size_t)(msg + len - start), type_required, req);
		return NULL;
	}
	return start;
}

void
proto_parse(const char *msg, size_t len, struct request *req)
{
	const char *end = msg + len, *start;

	if ((start = parse_if_json(msg, len, 1, req)) == NULL)
		return;
	while (end > start && strchr(" \t\r\n", end[-1]) && end[-1] != '\0')
		end--;
	req->text = start;
	req->len = (size_t)(end - start);
	req->type = req->len > 0 && req->text[0] == '/' ? REQ_COMMAND : REQ_ASK;
}

void
proto_parse_body(const char *body, size_t len, struct request *req)
{
	if (parse_if_json(body, len, 0, req) == NULL)
		return;
	req->json = 1;
	invalid(req, PROTO_BAD_JSON, "The body must be a JSON object: {\"text\":\"...\"}.");
}

void
proto_request_free(struct request *req)
{
	cJSON_Delete(req->tree);
	req->tree = NULL;
}

char *
proto_error_json(enum proto_error e, const char *id, const char *message, long retry_after_ms)
{
	cJSON *root = cJSON_CreateObject();
	char *out = NULL;
	int rc;

	if (root == NULL)
		return NULL;
	rc = add_string(root, "type", "error") || add_string(root, "id", id) ||
	     add_string(root, "code", proto_error_name(e)) || add_string(root, "message", message);
	if (rc == 0 && retry_after_ms > 0 &&
	    !cJSON_AddNumberToObject(root, "retry_after_ms", (double)retry_after_ms))
		rc = -1;
	if (rc == 0)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

char *
proto_info_json(const struct proto_info *info)
{
	cJSON *root = cJSON_CreateObject(), *langs;
	char *out = NULL;
	int rc;

	if (root == NULL)
		return NULL;
	rc = add_string(root, "type", "info") || add_string(root, "server", info->server) ||
	     add_string(root, "kb_version", info->kb_version);
	if (rc == 0 && (!cJSON_AddNumberToObject(root, "facts", (double)info->facts) ||
			!cJSON_AddNumberToObject(root, "sources", (double)info->sources)))
		rc = -1;
	if (rc == 0 && ((langs = cJSON_AddArrayToObject(root, "languages")) == NULL ||
			!cJSON_AddItemToArray(langs, cJSON_CreateString("en")) ||
			!cJSON_AddItemToArray(langs, cJSON_CreateString("es"))))
		rc = -1;
	if (rc == 0)
		rc = add_string(root, "reviewed", info->reviewed);
	if (rc == 0)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

char *
proto_health_json(const char *status, const char *kb_version, long facts, const char *reason)
{
	cJSON *root = cJSON_CreateObject();
	char *out = NULL;
	int rc;

	if (root == NULL)
		return NULL;
	rc = add_string(root, "status", status);
	if (rc == 0 && kb_version != NULL)
		rc = add_string(root, "kb_version", kb_version) ||
		     !cJSON_AddNumberToObject(root, "facts", (double)facts);
	if (rc == 0 && reason != NULL)
		rc = add_string(root, "reason", reason);
	if (rc == 0)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

char *
proto_with_id(const char *json, size_t len, const char *id)
{
	cJSON *s;
	char *quoted, *out;
	size_t qlen;

	if (id == NULL || *id == '\0' || len < 2 || json[0] != '{') {
		if ((out = malloc(len + 1)) != NULL) {
			memcpy(out, json, len);
			out[len] = '\0';
		}
		return out;
	}
	/* cJSON escapes the id; the object keeps its other members after it. */
	if ((s = cJSON_CreateString(id)) == NULL)
		return NULL;
	quoted = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	if (quoted == NULL)
		return NULL;
	qlen = strlen(quoted);
	if ((out = malloc(len + qlen + 8)) != NULL)
		sprintf(out, "{\"id\":%s,%.*s", quoted, (int)(len - 1), json + 1);
	cJSON_free(quoted);
	return out;
}
