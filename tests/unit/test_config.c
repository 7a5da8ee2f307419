/* SPDX-License-Identifier: MIT */
/* Configuration: strict parsing, layering, validation messages with file:line, output. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "keys.h"

static const anpr_cfg_key keys[] = {
	{ "camera", "fps", ANPR_CFG_REAL, "25", 1, 120, NULL, false, "frame rate" },
	{ "camera", "width", ANPR_CFG_INT, "1920", 320, 7680, NULL, false, "width" },
	{ "camera", "enabled", ANPR_CFG_BOOL, "true", 0, 0, NULL, true, "on" },
	{ "log", "level", ANPR_CFG_ENUM, "info", 0, 0, "error|warn|info|debug", true, "level" },
	{ "device", "id", ANPR_CFG_STRING, "unit-1", 1, 16, NULL, false, "id" },
};
enum { FPS, WIDTH, ENABLED, LEVEL, ID, NKEYS };

static anpr_config *fresh(void)
{
	anpr_config *c = NULL;
	char diag[ANPR_CFG_DIAG_LEN];

	CHECK_INT(anpr_config_new(keys, NKEYS, &c, diag, sizeof(diag)), ANPR_ERR_OK);
	return c;
}

static anpr_err load(anpr_config *c, const char *text, char *diag)
{
	return anpr_config_load_buffer(c, "site.ini", text, strlen(text), diag, ANPR_CFG_DIAG_LEN);
}

static void test_defaults_and_good_file(void)
{
	anpr_config *c = fresh();
	char diag[ANPR_CFG_DIAG_LEN] = "";

	CHECK(anpr_config_real(c, FPS) == 25.0);
	CHECK_INT(anpr_config_int(c, WIDTH), 1920);
	CHECK(anpr_config_bool(c, ENABLED));
	CHECK_STR(anpr_config_str(c, LEVEL), "info");
	CHECK_INT(anpr_config_enum(c, LEVEL), 2);
	CHECK_STR(anpr_config_origin(c, WIDTH), "default");

	const char *text = "\xef\xbb\xbf# site file\r\n"
			   "; another comment\n"
			   "\n"
			   "[camera]\n"
			   "  fps = 50.5  \n"
			   "width=1280\r\n"
			   "enabled = off\n"
			   "[ log ]\n"
			   "level = debug\n"
			   "[device]\n"
			   "id = \"pole \\\"7\\\"\"\n";
	CHECK_INT(load(c, text, diag), ANPR_ERR_OK);
	CHECK(anpr_config_real(c, FPS) == 50.5);
	CHECK_INT(anpr_config_int(c, WIDTH), 1280);
	CHECK(!anpr_config_bool(c, ENABLED));
	CHECK_INT(anpr_config_enum(c, LEVEL), 3);
	CHECK_STR(anpr_config_str(c, ID), "pole \"7\"");
	CHECK_STR(anpr_config_origin(c, FPS), "site.ini:5");
	CHECK_STR(anpr_config_origin(c, ID), "site.ini:11");

	/* A later layer overrides only what it sets. */
	CHECK_INT(load(c, "[camera]\nwidth = 640\n", diag), ANPR_ERR_OK);
	CHECK_INT(anpr_config_int(c, WIDTH), 640);
	CHECK(anpr_config_real(c, FPS) == 50.5);
	CHECK_STR(anpr_config_origin(c, WIDTH), "site.ini:2");

	/* No trailing newline, empty file. */
	CHECK_INT(load(c, "[camera]\nwidth = 800", diag), ANPR_ERR_OK);
	CHECK_INT(anpr_config_int(c, WIDTH), 800);
	CHECK_INT(load(c, "", diag), ANPR_ERR_OK);
	anpr_config_free(c);
}

/* Each bad file must fail with the expected "site.ini:LINE: ..." and change nothing. */
static void test_bad_files(void)
{
	static const struct {
		const char *text;
		const char *expect;
	} cases[] = {
		{ "[camera]\nfsp = 30\n", "site.ini:2: unknown key 'fsp' in [camera] (did you mean 'fps'?)" },
		{ "[camera]\nframes = 30\n", "site.ini:2: unknown key 'frames' in [camera]" },
		{ "[camra]\n", "site.ini:1: unknown section [camra]" },
		{ "width = 3\n", "site.ini:1: key before any [section]" },
		{ "[camera]\nwidth = 100\n", "site.ini:2: camera.width: 100 is out of range 320..7680" },
		{ "[camera]\nwidth = 12abc\n", "site.ini:2: camera.width: '12abc' is not a whole number" },
		{ "[camera]\nwidth = 99999999999999999999\n", "is not a whole number" },
		{ "[camera]\nwidth =\n", "site.ini:2: camera.width: '' is not a whole number" },
		{ "[camera]\nfps = nan\n", "site.ini:2: camera.fps: 'nan' is not a number" },
		{ "[camera]\nfps = 0x10\n", "is not a number" },
		{ "[camera]\nfps = 1e999\n", "is not a number" },
		{ "[camera]\nfps = 500\n", "camera.fps: 500 is out of range 1..120" },
		{ "[camera]\nenabled = maybe\n", "camera.enabled: 'maybe' is not true or false" },
		{ "[log]\nlevel = verbose\n", "log.level: 'verbose' is not one of error|warn|info|debug" },
		{ "[device]\nid = a-very-long-identifier-here\n",
		  "device.id: length 27 is out of range 1..16" },
		{ "[device]\nid = \"open\n", "site.ini:2: unterminated quoted value" },
		{ "[device]\nid = \"a\" b\n", "site.ini:2: text after closing quote" },
		{ "[device]\nid = \"a\\q\"\n", "site.ini:2: unknown escape" },
		{ "[camera\n", "site.ini:1: section header has no closing ']'" },
		{ "[Camera]\n", "site.ini:1: bad section name" },
		{ "[camera]\nWidth = 640\n", "site.ini:2: bad key name" },
		{ "[camera]\njust text\n", "site.ini:2: expected 'key = value'" },
		{ "[camera]\nwidth = 640\n\nwidth = 800\n",
		  "site.ini:4: camera.width is set twice (first at line 2)" },
		{ "[camera]\nwidth = 6\x01"
		  "40\n",
		  "site.ini:2: control character 0x01" },
		{ "[device]\nid = \xc3\x28\n", "site.ini:2: not valid UTF-8 text" },
		{ "[device]\nid = \xe2\x82\n", "site.ini:2: not valid UTF-8 text" },
		{ "[device]\nid = \xc0\xaf\n", "site.ini:2: not valid UTF-8 text" }, /* overlong '/' */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		anpr_config *c = fresh();
		char diag[ANPR_CFG_DIAG_LEN] = "";
		/* A valid line first proves a failing file is applied all or nothing. */
		char text[512];
		snprintf(text, sizeof(text), "%s", cases[i].text);
		CHECK_INT(load(c, text, diag), ANPR_ERR_CONFIG);
		CHECK_CONTAINS(diag, cases[i].expect);
		CHECK_INT(anpr_config_int(c, WIDTH), 1920);
		CHECK_STR(anpr_config_str(c, ID), "unit-1");
		anpr_config_free(c);
	}

	/* All or nothing: the good line before the bad one is not applied. */
	anpr_config *c = fresh();
	char diag[ANPR_CFG_DIAG_LEN];
	CHECK_INT(load(c, "[camera]\nwidth = 640\nfps = 0\n", diag), ANPR_ERR_CONFIG);
	CHECK_INT(anpr_config_int(c, WIDTH), 1920);

	/* Binary data, with the line of the NUL byte. */
	static const char bin[] = "[camera]\nwidth = 640\n\x7f"
				  "ELF\0\0\0";
	CHECK_INT(anpr_config_load_buffer(c, "bin.ini", bin, sizeof(bin) - 1, diag, sizeof(diag)),
		  ANPR_ERR_CONFIG);
	CHECK_CONTAINS(diag, "bin.ini:3: binary data (NUL byte)");

	/* Overlong line and oversized file. */
	char *big = malloc(ANPR_CFG_MAX_FILE + 2);
	memset(big, 'a', ANPR_CFG_MAX_FILE + 1);
	memcpy(big, "[camera]\n", 9);
	CHECK_INT(anpr_config_load_buffer(c, "long.ini", big, ANPR_CFG_MAX_LINE + 20, diag, sizeof(diag)),
		  ANPR_ERR_CONFIG);
	CHECK_CONTAINS(diag, "long.ini:2: line longer than 4096 bytes");
	CHECK_INT(anpr_config_load_buffer(c, "big.ini", big, ANPR_CFG_MAX_FILE + 1, diag, sizeof(diag)),
		  ANPR_ERR_TOO_BIG);
	free(big);
	anpr_config_free(c);
}

static void test_files_and_set(void)
{
	anpr_config *c = fresh();
	char diag[ANPR_CFG_DIAG_LEN];
	char dir[] = "/tmp/anpr-cfg-XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof(path), "%s/site.ini", dir);

	CHECK_INT(anpr_config_load_file(c, path, diag, sizeof(diag)), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "cannot open: No such file or directory");
	CHECK_INT(anpr_config_load_file(c, dir, diag, sizeof(diag)), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "not a regular file");
	/* A FIFO named as the config is refused at once: opening it used to wait for a writer. */
	snprintf(path, sizeof(path), "%s/fifo.ini", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK_INT(anpr_config_load_file(c, path, diag, sizeof(diag)), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "not a regular file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/site.ini", dir);

	FILE *f = fopen(path, "w");
	fputs("[camera]\nwidth = 1024\n", f);
	fclose(f);
	CHECK_INT(anpr_config_load_file(c, path, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(anpr_config_int(c, WIDTH), 1024);
	char origin[160];
	snprintf(origin, sizeof(origin), "%s:2", path);
	CHECK_STR(anpr_config_origin(c, WIDTH), origin);

	CHECK_INT(anpr_config_set(c, "camera.width", "2048", "command line", diag, sizeof(diag)),
		  ANPR_ERR_OK);
	CHECK_INT(anpr_config_int(c, WIDTH), 2048);
	CHECK_STR(anpr_config_origin(c, WIDTH), "command line");
	CHECK_INT(anpr_config_set(c, "camera.nope", "1", "command line", diag, sizeof(diag)),
		  ANPR_ERR_CONFIG);
	CHECK_CONTAINS(diag, "command line: unknown key 'camera.nope'");
	CHECK_INT(anpr_config_set(c, "camera.width", "1", "command line", diag, sizeof(diag)),
		  ANPR_ERR_CONFIG);
	CHECK_CONTAINS(diag, "out of range");
	CHECK_INT(anpr_config_set(c, "device.id", "a\nb", "command line", diag, sizeof(diag)),
		  ANPR_ERR_CONFIG);
	CHECK_INT(anpr_config_find(c, "log.level"), LEVEL);
	CHECK_INT(anpr_config_find(c, "log"), -1);

	/* Writing the effective configuration and reading it back gives the same values. */
	CHECK_INT(anpr_config_set(c, "device.id", " padded\\", "command line", diag, sizeof(diag)),
		  ANPR_ERR_OK);
	f = fopen(path, "w");
	anpr_config_write(c, f);
	fclose(f);
	anpr_config *back = fresh();
	CHECK_INT(anpr_config_load_file(back, path, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(anpr_config_diff(c, back, false, NULL), 0);
	CHECK_STR(anpr_config_str(back, ID), " padded\\");

	/* diff: the changed fixed key is reported; a reloadable one only when asked. */
	CHECK_INT(anpr_config_set(back, "camera.width", "640", "x", diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(anpr_config_set(back, "log.level", "warn", "x", diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(anpr_config_diff(c, back, false, NULL), 2);
	CHECK_INT(anpr_config_diff(c, back, true, NULL), 1);

	anpr_config_free(back);
	anpr_config_free(c);
	unlink(path);
	rmdir(dir);
}

static void test_bad_table(void)
{
	static const anpr_cfg_key bad_default[] = {
		{ "camera", "fps", ANPR_CFG_REAL, "500", 1, 120, NULL, false, "x" },
	};
	static const anpr_cfg_key repeated[] = {
		{ "camera", "fps", ANPR_CFG_REAL, "5", 1, 120, NULL, false, "x" },
		{ "camera", "fps", ANPR_CFG_REAL, "5", 1, 120, NULL, false, "x" },
	};
	anpr_config *c = NULL;
	char diag[ANPR_CFG_DIAG_LEN];

	CHECK_INT(anpr_config_new(bad_default, 1, &c, diag, sizeof(diag)), ANPR_ERR_CONFIG);
	CHECK(c == NULL);
	CHECK_INT(anpr_config_new(repeated, 2, &c, diag, sizeof(diag)), ANPR_ERR_CONFIG);
	CHECK_CONTAINS(diag, "repeated name camera.fps");
}

/* The firmware's own table must build (all defaults valid) and document itself. */
static void test_firmware_table(void)
{
	size_t n;
	const anpr_cfg_key *t = anpr_keys_table(&n);
	anpr_config *c = NULL;
	char diag[ANPR_CFG_DIAG_LEN] = "";

	CHECK(n == ANPR_KEY_COUNT_);
	CHECK_INT(anpr_config_new(t, n, &c, diag, sizeof(diag)), ANPR_ERR_OK);
	if (diag[0])
		fprintf(stderr, "%s\n", diag);
	CHECK_STR(anpr_config_str(c, ANPR_KEY_BOARD_NAME), "host-sim");
	for (size_t i = 0; i < n; i++)
		CHECK(t[i].help && strlen(t[i].help) > 10);
	anpr_config_free(c);
}

int main(void)
{
	test_defaults_and_good_file();
	test_bad_files();
	test_files_and_set();
	test_bad_table();
	test_firmware_table();
	return check_summary();
}
