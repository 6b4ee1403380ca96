/* SPDX-License-Identifier: MIT */
/*
 * server_fixture.c -- what the server's unit tests share: see server_fixture.h.
 */
#include "server_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fixture_kb;
char tmpdir[PATH_MAX];

int
fixture_find(const char *prog, int argc, char **argv)
{
	fixture_kb = argc > 1 ? argv[1] : "build/test/fixture.sqlite";
	if (access(fixture_kb, R_OK) == -1) {
		fprintf(stderr, "%s: cannot read %s\n", prog, fixture_kb);
		return -1;
	}
	return 0;
}

void
fixture_config(struct config *cfg)
{
	config_init(cfg);
	free(cfg->kb_path);
	cfg->kb_path = strdup(fixture_kb);
}

int
fixture_start(struct service *s, const struct config *cfg)
{
	char err[256];

	if (service_init(s, cfg, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "  service_init: %s\n", err);
		return -1;
	}
	return 0;
}

int
tmpdir_make(const char *prog)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/%s.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", prog);
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "%s: mkdtemp: ", prog);
		perror(tmpdir);
		return -1;
	}
	return 0;
}

void
tmpdir_remove(const char *prog)
{
	if (rmdir(tmpdir) == -1)
		fprintf(stderr, "%s: %s left behind\n", prog, tmpdir);
}

char *
path_in(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX)
		out[0] = '\0';
	return out;
}

int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

long
slurp(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
	return (long)n;
}

double
sample(const char *text, const char *name, const char *label1, const char *label2)
{
	size_t n = strlen(name);
	const char *line, *eol, *sp;
	char copy[512];

	for (line = text; line && *line; line = eol ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		if (strncmp(line, name, n) != 0 || (line[n] != '{' && line[n] != ' '))
			continue;
		snprintf(copy, sizeof(copy), "%.*s", (int)(eol ? eol - line : (long)strlen(line)),
			 line);
		if ((sp = strrchr(copy, ' ')) == NULL)
			continue;
		if ((label1 && !strstr(copy, label1)) || (label2 && !strstr(copy, label2)))
			continue;
		return strtod(sp + 1, NULL);
	}
	return -1;
}
