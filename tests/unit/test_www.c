/* SPDX-License-Identifier: MIT */
/*
 * test_www.c -- static files (daemon/server/www.c): the paths under the widget's folder that
 * are served and the many that are refused (climbing out, links out, odd bytes), and the
 * content type by file name.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "server_fixture.h"
#include "www.h"

/* Makes dir/name with text (NULL: a folder). Returns 0, or -1. */
static int
make(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return text ? write_file(path, text) : mkdir(path, 0700);
}

/* Returns 1 when www_resolve refuses the len bytes of path under root. */
static int
www_refuses(const char *root, const char *path, size_t len)
{
	char out[PATH_MAX];
	int rc = www_resolve(root, path, len, out, sizeof(out));

	if (rc != -1)
		fprintf(stderr, "  want \"%.*s\" refused, got %s\n", (int)len, path, out);
	return rc == -1;
}

#define REFUSES(root, lit) www_refuses((root), (lit), sizeof(lit) - 1)

static void
test_www_resolve(void)
{
	char base[PATH_MAX], root[PATH_MAX], real_root[PATH_MAX], out[PATH_MAX], want[PATH_MAX];
	char path[PATH_MAX];
	int made;

	path_in(base, tmpdir, "www-XXXXXX");
	if (mkdtemp(base) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	path_in(root, base, "www");
	made = make(base, "www", NULL) == 0 && make(root, "index.html", "<p>hi</p>") == 0 &&
	       make(root, "sub", NULL) == 0 && make(root, "sub/dir", NULL) == 0 &&
	       make(root, "sub/dir/file.js", "1;") == 0 && make(root, "sub/index.html", "s") == 0 &&
	       make(root, ".secret", "token") == 0 &&
	       make(base, "wwwsecret.txt", "outside") == 0 && /* shares the folder's prefix */
	       make(base, "secret.txt", "outside") == 0;
	path_in(path, root, "leak.txt");
	made = made && symlink("../wwwsecret.txt", path) == 0;
	path_in(path, root, "outdir");
	made = made && symlink(base, path) == 0;
	path_in(path, root, "sub/home.html");
	made = made && symlink("../index.html", path) == 0; /* a link that stays inside */
	CHECK(made);
	CHECK(realpath(root, real_root) != NULL);

	CHECK(www_resolve(root, "/", 1, out, sizeof(out)) == 0);
	path_in(want, real_root, "index.html");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/index.html", 11, out, sizeof(out)) == 0);
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/index.htmlXYZ", 11, out, sizeof(out)) == 0); /* len counts */
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/home.html", 14, out, sizeof(out)) == 0);
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/dir/file.js", 16, out, sizeof(out)) == 0);
	path_in(want, real_root, "sub/dir/file.js");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/", 5, out, sizeof(out)) == 0);
	path_in(want, real_root, "sub/index.html");
	CHECK_STR(out, want);
	CHECK(www_resolve(root, "/sub/dir/file.js", 16, out, 8) == -1); /* out too small */

	CHECK(REFUSES(root, ""));
	CHECK(REFUSES(root, "index.html"));
	CHECK(REFUSES(root, "/.."));
	CHECK(REFUSES(root, "/../wwwsecret.txt"));
	CHECK(REFUSES(root, "/../secret.txt"));
	CHECK(REFUSES(root, "/sub/../index.html"));
	CHECK(REFUSES(root, "/sub/../../secret.txt"));
	CHECK(REFUSES(root, "/sub/dir/.."));
	CHECK(REFUSES(root, "/./index.html"));
	CHECK(REFUSES(root, "/sub/./dir/file.js"));
	CHECK(REFUSES(root, "/sub/."));
	CHECK(REFUSES(root, "//index.html"));
	CHECK(REFUSES(root, "/sub//dir/file.js"));
	CHECK(REFUSES(root, "/sub\\dir\\file.js"));
	CHECK(REFUSES(root, "/..\\secret.txt"));
	CHECK(REFUSES(root, "/%2e%2e/secret.txt"));
	CHECK(REFUSES(root, "/%2E%2E/secret.txt"));
	CHECK(REFUSES(root, "/index%2ehtml"));
	CHECK(REFUSES(root, "/index.html\0.js"));
	CHECK(REFUSES(root, "/\0/../secret.txt"));
	CHECK(REFUSES(root, "/index\x01.html"));
	CHECK(REFUSES(root, "/index.html\n"));
	CHECK(REFUSES(root, "/index.html\x7f"));
	CHECK(REFUSES(root, "/.secret"));
	CHECK(REFUSES(root, "/sub/dir"));  /* a folder, without its slash */
	CHECK(REFUSES(root, "/sub/dir/")); /* a folder without index.html */
	CHECK(REFUSES(root, "/missing.html"));
	CHECK(REFUSES(root, "/sub/missing/"));
	CHECK(REFUSES(root, "/index.html/"));
	CHECK(REFUSES(root, "/leak.txt"));	    /* a link out of the folder */
	CHECK(REFUSES(root, "/outdir/secret.txt")); /* through a linked folder */
	/* Through a link out and back in: the real path is inside, so it is served. */
	CHECK(www_resolve(root, "/outdir/www/index.html", 22, out, sizeof(out)) == 0);
	path_in(want, real_root, "index.html");
	CHECK_STR(out, want);
	/* Nothing is served from a folder that does not exist. */
	path_in(path, base, "nowhere");
	CHECK(www_resolve(path, "/", 1, out, sizeof(out)) == -1);

	/* Remove it all, children before their folders. */
	static const char *const files[] = {
		"www/sub/home.html",   "www/outdir",  "www/leak.txt",	    "www/.secret",
		"www/sub/dir/file.js", "www/sub/dir", "www/sub/index.html", "www/sub",
		"www/index.html",      "www",	      "wwwsecret.txt",	    "secret.txt",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		remove(path_in(path, base, files[i]));
	CHECK(rmdir(base) == 0); /* fails if anything was left */
}

static void
test_www_mime(void)
{
	CHECK(strncmp(www_mime_type("index.html"), "text/html", 9) == 0);
	CHECK(strncmp(www_mime_type("/x/INDEX.HTML"), "text/html", 9) == 0);
	CHECK(strncmp(www_mime_type("widget.js"), "text/javascript", 15) == 0);
	CHECK(strncmp(www_mime_type("style.css"), "text/css", 8) == 0);
	CHECK(strncmp(www_mime_type("data.json"), "application/json", 16) == 0);
	CHECK_STR(www_mime_type("archive.tar.gz"), "application/octet-stream");
	CHECK_STR(www_mime_type("README"), "application/octet-stream");
	CHECK_STR(www_mime_type("dir.d/file"), "application/octet-stream");
	CHECK_STR(www_mime_type("file.html.exe"), "application/octet-stream");
	CHECK_STR(www_mime_type("x.htmlx"), "application/octet-stream");
}

int
main(void)
{
	if (tmpdir_make("test_www") == -1)
		return 1;
	log_init("test_www", LOG_LEVEL_ERR);
	RUN(test_www_resolve);
	RUN(test_www_mime);
	tmpdir_remove("test_www");
	HARNESS_END();
}
