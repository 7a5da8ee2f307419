/* SPDX-License-Identifier: MIT */
/* anpr-diag: the line editor fed byte sequences, the command-line splitter, accounts and the persistent lockout. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "clock.h"
#include "check.h"
#include "cmdline.h"
#include "commands.h"
#include "lineedit.h"

/* Feeds bytes; returns the last non-NONE event (NONE if none). */
static anpr_le_event feed(anpr_le *le, const char *bytes, size_t n)
{
	anpr_le_event last = ANPR_LE_NONE;
	for (size_t i = 0; i < n; i++) {
		anpr_le_event ev = anpr_le_feed(le, (unsigned char)bytes[i]);
		if (ev != ANPR_LE_NONE)
			last = ev;
	}
	return last;
}
#define FEED(le, s) feed((le), (s), sizeof(s) - 1)

static size_t count_events(anpr_le *le, const char *bytes, size_t n, anpr_le_event want)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (anpr_le_feed(le, (unsigned char)bytes[i]) == want)
			k++;
	return k;
}

static char *output(anpr_le *le)
{
	static char buf[ANPR_LE_OUT_CAP + 1];
	size_t n;
	const char *o = anpr_le_output(le, &n);
	memcpy(buf, o, n);
	buf[n] = '\0';
	anpr_le_drain(le);
	return buf;
}

static void test_editing(void)
{
	anpr_le *le = anpr_le_new(80, true);

	anpr_le_start(le, "> ", true);
	CHECK_STR(output(le), "\r> \x1b[K\r\x1b[2C");
	CHECK_INT(FEED(le, "stat"), ANPR_LE_NONE);
	CHECK_STR(output(le), "stat"); /* typing at the end echoes just the byte */
	CHECK_INT(FEED(le, "us\r"), ANPR_LE_LINE);
	CHECK_STR(anpr_le_line(le), "status");

	/* Backspace as DEL and as Ctrl-H. */
	anpr_le_start(le, "> ", true);
	FEED(le, "stxx\x7f\x08"
		 "atus");
	CHECK_STR(anpr_le_buffer(le), "status");
	/* Ctrl-U kills to the start, Ctrl-W one word. */
	anpr_le_start(le, "> ", true);
	FEED(le, "garbage\x15"
		 "clock");
	CHECK_STR(anpr_le_buffer(le), "clock");
	anpr_le_start(le, "> ", true);
	FEED(le, "help net  \x17"
		 "clock");
	CHECK_STR(anpr_le_buffer(le), "help clock");
	/* Left, Home, End in CSI and SS3 forms, Delete (CSI 3~). */
	anpr_le_start(le, "> ", true);
	FEED(le, "clok\x1b[Dc");
	CHECK_STR(anpr_le_buffer(le), "clock");
	CHECK_INT(anpr_le_cursor(le), 4);
	FEED(le, "\x1bOH");
	CHECK_INT(anpr_le_cursor(le), 0);
	FEED(le, "x\x1b[3~"); /* insert x at start, delete the 'c' after it */
	CHECK_STR(anpr_le_buffer(le), "xlock");
	FEED(le, "\x1b[4~!");
	CHECK_STR(anpr_le_buffer(le), "xlock!");
	FEED(le, "\x1b[1~\x1b[C\x1b[C\x1bOC");
	CHECK_INT(anpr_le_cursor(le), 3);
	output(le);
	FEED(le, "\x0c"); /* Ctrl-L redraws with the cursor in place */
	CHECK_CONTAINS(output(le), "\x1b[5C");
	/* Unknown sequences (F5: ESC [ 1 5 ~) are swallowed without a trace. */
	anpr_le_start(le, "> ", true);
	FEED(le, "a\x1b[15~b");
	CHECK_STR(anpr_le_buffer(le), "ab");
	CHECK_INT(FEED(le, "\n"), ANPR_LE_LINE);
	anpr_le_free(le);
}

static void test_enter_forms(void)
{
	anpr_le *le = anpr_le_new(80, true);

	/* CR, LF and CRLF are one Enter each; CR NUL (telnet) too. */
	anpr_le_start(le, "", true);
	CHECK_INT(count_events(le, "a\r\nb\nc\rd\r\n\r\n", 12, ANPR_LE_LINE), 5);
	anpr_le_start(le, "", true);
	CHECK_INT(count_events(le, "x\r\0", 3, ANPR_LE_LINE), 1);
	anpr_le_start(le, "", true);
	CHECK_INT(count_events(le, "y\r", 2, ANPR_LE_LINE), 1);
	CHECK_STR(anpr_le_line(le), "y"); /* the NUL after CR was not taken as input */
	anpr_le_free(le);
}

static void test_rejections(void)
{
	anpr_le *le = anpr_le_new(80, true);
	char big[400];

	/* Overlong: the editor keeps 256 characters, rings, and refuses the line. */
	memset(big, 'a', sizeof(big));
	anpr_le_start(le, "> ", true);
	CHECK_INT(feed(le, big, sizeof(big)), ANPR_LE_NONE);
	CHECK_INT(strlen(anpr_le_buffer(le)), ANPR_LE_MAX_LINE);
	CHECK_INT(FEED(le, "\r"), ANPR_LE_REJECTED);
	CHECK_CONTAINS(anpr_le_reason(le), "too long");
	/* Binary garbage and partial UTF-8 are refused, not inserted. */
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "sta\xc3tus\r"), ANPR_LE_REJECTED);
	CHECK_CONTAINS(anpr_le_reason(le), "non-ASCII");
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "\x01\x02\xff\xfe\x7f\x1b[\x01status\r"), ANPR_LE_REJECTED);
	/* Ctrl-U gives a clean line again; Ctrl-C clears and reports. */
	anpr_le_start(le, "> ", true);
	FEED(le, "\xffzz\x15"
		 "clock");
	CHECK_INT(FEED(le, "\r"), ANPR_LE_LINE);
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "\xffzz\x03"), ANPR_LE_INTERRUPT);
	CHECK_STR(anpr_le_buffer(le), "");
	CHECK_INT(FEED(le, "clock\r"), ANPR_LE_LINE);
	/* Ctrl-C works even in the middle of an escape sequence; Enter ends a cut-off one. */
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "ab\x1b[12\x03"), ANPR_LE_INTERRUPT);
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "ab\x1bO\x03"), ANPR_LE_INTERRUPT);
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "ab\x1b[1\r"), ANPR_LE_REJECTED);
	/* An endless CSI is cut off at a bound. */
	anpr_le_start(le, "> ", true);
	FEED(le, "\x1b[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1");
	CHECK_INT(FEED(le, "\r"), ANPR_LE_REJECTED);
	/* Ctrl-D: EOF only on an empty line. */
	anpr_le_start(le, "> ", true);
	CHECK_INT(FEED(le, "ab\x01\x04"), ANPR_LE_NONE);
	CHECK_STR(anpr_le_buffer(le), "b");
	CHECK_INT(FEED(le, "\x05\x15\x04"), ANPR_LE_EOF);
	anpr_le_free(le);
}

static void test_history_and_password(void)
{
	anpr_le *le = anpr_le_new(80, true);

	anpr_le_history_add(le, "status");
	anpr_le_history_add(le, "clock");
	anpr_le_history_add(le, "clock");
	anpr_le_start(le, "> ", true);
	FEED(le, "ne\x1b[A");
	CHECK_STR(anpr_le_buffer(le), "clock");
	FEED(le, "\x1bOA");
	CHECK_STR(anpr_le_buffer(le), "status");
	FEED(le, "\x1b[A"); /* no older line: bell, unchanged */
	CHECK_STR(anpr_le_buffer(le), "status");
	FEED(le, "\x1b[B\x1b[B");
	CHECK_STR(anpr_le_buffer(le), "ne"); /* back to what was being typed */
	/* Passwords: nothing echoed, history untouched. */
	anpr_le_start(le, "password: ", false);
	output(le);
	FEED(le, "s3cret");
	CHECK_STR(output(le), "");
	CHECK_INT(FEED(le, "\r"), ANPR_LE_LINE);
	CHECK_STR(anpr_le_line(le), "s3cret");
	FEED(le, "\x1b[A");
	CHECK_STR(anpr_le_buffer(le), "s3cret"); /* no history in hidden mode */
	anpr_le_free(le);
}

static void test_completion(void)
{
	anpr_le *le = anpr_le_new(80, true);

	anpr_le_set_completion(le, anpr_commands_complete, NULL);
	anpr_le_start(le, "> ", true);
	FEED(le, "sel\t");
	CHECK_STR(anpr_le_buffer(le), "selftest ");
	anpr_le_start(le, "> ", true);
	FEED(le, "camera f\t");
	CHECK_STR(anpr_le_buffer(le), "camera focus ");
	anpr_le_start(le, "> ", true);
	FEED(le, "config s\t");
	CHECK_STR(anpr_le_buffer(le), "config s"); /* show and set: listed, not chosen */
	CHECK_CONTAINS(output(le), "show  set");
	anpr_le_start(le, "> ", true);
	FEED(le, "help re\t");
	CHECK_STR(anpr_le_buffer(le), "help re"); /* readtest, reboot */
	FEED(le, "a\t");
	CHECK_STR(anpr_le_buffer(le), "help readtest ");
	anpr_le_start(le, "> ", true);
	FEED(le, "zz\t");
	CHECK_STR(anpr_le_buffer(le), "zz");
	anpr_le_free(le);
}

static void test_async_and_plain(void)
{
	anpr_le *le = anpr_le_new(80, true);

	anpr_le_start(le, "> ", true);
	FEED(le, "clo");
	output(le);
	anpr_le_hide(le);
	CHECK_STR(output(le), "\r\x1b[K");
	anpr_le_show(le);
	CHECK_CONTAINS(output(le), "> clo");
	anpr_le_free(le);

	/* A dumb terminal gets no escape sequences at all. */
	le = anpr_le_new(80, false);
	anpr_le_start(le, "> ", true);
	FEED(le, "clockx\x7f\x1b[D\x1b[D\x15status");
	CHECK(strchr(output(le), 0x1b) == NULL);
	CHECK_STR(anpr_le_buffer(le), "statusck");
	anpr_le_hide(le);
	CHECK(strchr(output(le), 0x1b) == NULL);
	anpr_le_free(le);

	/* A line wider than the terminal scrolls: no output line is longer than 80 columns. */
	le = anpr_le_new(80, true);
	anpr_le_start(le, "prompt> ", true);
	char many[200];
	memset(many, 'x', sizeof(many));
	for (size_t i = 0; i < sizeof(many); i++) {
		feed(le, many + i, 1);
		output(le); /* sent after each key, as the terminal layer does */
	}
	FEED(le, "\x1b[D");
	const char *o = output(le);
	const char *erase = strstr(o, "\x1b[K");
	const char *cr = erase;
	while (cr && cr > o && *cr != '\r')
		cr--;
	CHECK(erase && cr && *cr == '\r');
	if (erase && cr) {
		CHECK((size_t)(erase - cr - 1) <= 79); /* prompt and the visible part of the line */
		CHECK_CONTAINS(o,
			       "x\x1b[K\r\x1b[79C"); /* the window scrolled: the cursor stays in column 80 */
	}
	CHECK_INT(anpr_le_cursor(le), 199);
	anpr_le_free(le);
}

#define SPLIT(s, cl, why) anpr_cmdline_split((s), strlen(s), (cl), (why), sizeof(why))

static void test_cmdline(void)
{
	anpr_cmdline cl;
	char why[128];
	long v;

	CHECK_INT(SPLIT("  config  set device.site \"M4 J10\"  ", &cl, why), ANPR_ERR_OK);
	CHECK_INT(cl.argc, 4);
	CHECK_STR(cl.argv[3], "M4 J10");
	CHECK(cl.argv[4] == NULL);
	CHECK_INT(SPLIT("a 'b \"c' \"d\\\"e\\\\\" ''", &cl, why), ANPR_ERR_OK);
	CHECK_INT(cl.argc, 4);
	CHECK_STR(cl.argv[1], "b \"c");
	CHECK_STR(cl.argv[2], "d\"e\\");
	CHECK_STR(cl.argv[3], "");
	CHECK_INT(SPLIT("", &cl, why), ANPR_ERR_OK);
	CHECK_INT(cl.argc, 0);
	CHECK_INT(SPLIT("a \"b", &cl, why), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(why, "unclosed");
	CHECK_INT(SPLIT("a\x01", &cl, why), ANPR_ERR_FORMAT);
	CHECK_INT(SPLIT("a b c d e f g h i j k l m n o p q", &cl, why), ANPR_ERR_TOO_BIG);
	/* Shell syntax means nothing: it is just text in a word. */
	CHECK_INT(SPLIT("log $(reboot);`id`|x", &cl, why), ANPR_ERR_OK);
	CHECK_INT(cl.argc, 2);
	CHECK_STR(cl.argv[1], "$(reboot);`id`|x");
	CHECK_INT(anpr_cmdline_number("30", 1, 600, &v), ANPR_ERR_OK);
	CHECK_INT(v, 30);
	CHECK_INT(anpr_cmdline_number("601", 1, 600, &v), ANPR_ERR_RANGE);
	CHECK_INT(anpr_cmdline_number("030", 1, 600, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cmdline_number("-1", 1, 600, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cmdline_number("9999999999999", 1, 600, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cmdline_number("", 1, 600, &v), ANPR_ERR_INVAL);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void test_accounts(const char *dir)
{
	char users[512], line[256], why[256], user[40];
	anpr_role role;
	unsigned it;
	uint8_t salt[ANPR_AUTH_SALT_LEN], hash[ANPR_AUTH_HASH_LEN];

	snprintf(users, sizeof(users), "%s/users", dir);
	CHECK_INT(anpr_auth_make_line("alice", ANPR_ROLE_ENGINEER, "correct horse", ANPR_AUTH_MIN_ITER, line,
				      sizeof(line)),
		  ANPR_ERR_OK);
	CHECK_INT(anpr_auth_parse_line(line, user, sizeof(user), &role, &it, salt, hash, why, sizeof(why)),
		  ANPR_ERR_OK);
	CHECK_STR(user, "alice");
	CHECK_INT(it, ANPR_AUTH_MIN_ITER);
	CHECK_INT(anpr_auth_store(users, "alice", line, why, sizeof(why)), ANPR_ERR_OK);
	struct stat st;
	CHECK(stat(users, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(anpr_auth_make_line("bob", ANPR_ROLE_SUPERVISOR, "battery staple", ANPR_AUTH_MIN_ITER, line,
				      sizeof(line)),
		  ANPR_ERR_OK);
	CHECK_INT(anpr_auth_store(users, "bob", line, why, sizeof(why)), ANPR_ERR_OK);

	CHECK_INT(anpr_auth_check(users, "alice", "correct horse", &role, why, sizeof(why)), ANPR_ERR_OK);
	CHECK_INT(role, ANPR_ROLE_ENGINEER);
	CHECK_INT(anpr_auth_check(users, "bob", "battery staple", &role, why, sizeof(why)), ANPR_ERR_OK);
	CHECK_INT(role, ANPR_ROLE_SUPERVISOR);
	CHECK_INT(anpr_auth_check(users, "alice", "battery staple", &role, why, sizeof(why)),
		  ANPR_ERR_PERMISSION);
	CHECK_INT(role, ANPR_ROLE_NONE);
	CHECK_INT(anpr_auth_check(users, "carol", "x", &role, why, sizeof(why)), ANPR_ERR_PERMISSION);
	CHECK_CONTAINS(why, "unknown user");
	/* Changing a password replaces the line, keeps the others. */
	CHECK_INT(anpr_auth_make_line("alice", ANPR_ROLE_ENGINEER, "new one here", ANPR_AUTH_MIN_ITER, line,
				      sizeof(line)),
		  ANPR_ERR_OK);
	CHECK_INT(anpr_auth_store(users, "alice", line, why, sizeof(why)), ANPR_ERR_OK);
	CHECK_INT(anpr_auth_check(users, "alice", "correct horse", &role, why, sizeof(why)),
		  ANPR_ERR_PERMISSION);
	CHECK_INT(anpr_auth_check(users, "alice", "new one here", &role, why, sizeof(why)), ANPR_ERR_OK);
	CHECK_INT(anpr_auth_check(users, "bob", "battery staple", &role, why, sizeof(why)), ANPR_ERR_OK);

	/* A readable-by-others file is refused; a damaged file logs nobody in and is not rewritten. */
	chmod(users, 0644);
	CHECK_INT(anpr_auth_check(users, "bob", "battery staple", &role, why, sizeof(why)),
		  ANPR_ERR_PERMISSION);
	chmod(users, 0600);
	char bad[512];
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	const char *cases[] = {
		"x:engineer:pbkdf2-sha256:100000:00\n",
		"Alice:engineer:pbkdf2-sha256:100000:000102030405060708090a0b0c0d0e0f:"
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"a:admin:pbkdf2-sha256:100000:000102030405060708090a0b0c0d0e0f:"
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"a:engineer:pbkdf2-sha256:1000:000102030405060708090a0b0c0d0e0f:"
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"a:engineer:md5:100000:000102030405060708090a0b0c0d0e0f:"
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"a:engineer:pbkdf2-sha256:100000:000102030405060708090a0b0c0d0e0F:"
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(bad, cases[i], 0600);
		char one[300];
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(cases[i], "\n"), cases[i]);
		CHECK_INT(
		    anpr_auth_parse_line(one, user, sizeof(user), &role, &it, salt, hash, why, sizeof(why)),
		    ANPR_ERR_FORMAT);
		CHECK_INT(anpr_auth_store(bad, "a", line, why, sizeof(why)), ANPR_ERR_FORMAT);
		if (i <
		    2) /* each check costs a full hash: two are enough to show a bad file logs nobody in */
			CHECK_INT(anpr_auth_check(bad, "a", "x", &role, why, sizeof(why)),
				  ANPR_ERR_PERMISSION);
	}
	/* A good line after a bad one does not rescue the file. */
	char mixed[1024];
	snprintf(mixed, sizeof(mixed), "%s%s\n", cases[0], line);
	write_file(bad, mixed, 0600);
	CHECK_INT(anpr_auth_check(bad, "alice", "new one here", &role, why, sizeof(why)),
		  ANPR_ERR_PERMISSION);
	CHECK_INT(anpr_auth_make_line("a", ANPR_ROLE_ENGINEER, "x", 1000, line, sizeof(line)),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_auth_make_line("A b", ANPR_ROLE_ENGINEER, "x", ANPR_AUTH_MIN_ITER, line, sizeof(line)),
		  ANPR_ERR_INVAL);
}

static void test_lockout(const char *dir)
{
	anpr_lockout lo, again;
	int64_t now = 1700000000000;
	char path[512];

	CHECK_INT(anpr_lockout_load(dir, &lo), ANPR_ERR_OK); /* no file: clean */
	CHECK_INT(lo.failures, 0);
	for (int i = 0; i < 4; i++)
		CHECK(!anpr_lockout_fail(&lo, now));
	CHECK_INT(anpr_lockout_remaining_s(&lo, now), 0);
	CHECK(anpr_lockout_fail(&lo, now)); /* the fifth locks */
	CHECK_INT(anpr_lockout_remaining_s(&lo, now), 30);
	CHECK_INT(anpr_lockout_save(dir, &lo), ANPR_ERR_OK);
	/* As after a reboot: the state comes back from the file. */
	CHECK_INT(anpr_lockout_load(dir, &again), ANPR_ERR_OK);
	CHECK_INT(anpr_lockout_remaining_s(&again, now + 10000), 20);
	CHECK_INT(again.lockouts, 1);
	/* The next five failures lock for 60 s, then 120 ... capped at one hour. */
	for (int i = 0; i < 5; i++)
		(void)anpr_lockout_fail(&again, now);
	CHECK_INT(anpr_lockout_remaining_s(&again, now), 60);
	for (int k = 0; k < 10; k++)
		for (int i = 0; i < 5; i++)
			(void)anpr_lockout_fail(&again, now);
	CHECK_INT(anpr_lockout_remaining_s(&again, now), ANPR_AUTH_LOCK_MAX_S);
	anpr_lockout_reset(&again);
	CHECK_INT(anpr_lockout_remaining_s(&again, now), 0);
	/* A damaged state file fails closed. */
	snprintf(path, sizeof(path), "%s/lockout", dir);
	write_file(path, "anpr-diag-lockout 1 failures=0 lockouts=0 until_ms=zz\n", 0600);
	CHECK_INT(anpr_lockout_load(dir, &again), ANPR_ERR_FORMAT);
	int64_t left = anpr_lockout_remaining_s(&again, anpr_clock_utc_ms());
	CHECK(left >= ANPR_AUTH_LOCK_MAX_S - 5 && left <= ANPR_AUTH_LOCK_MAX_S);
	write_file(path, "", 0600);
	CHECK_INT(anpr_lockout_load(dir, &again), ANPR_ERR_FORMAT);
}

int main(void)
{
	char dir[] = "/tmp/test_diag_XXXXXX";

	test_editing();
	test_enter_forms();
	test_rejections();
	test_history_and_password();
	test_completion();
	test_async_and_plain();
	test_cmdline();
	if (mkdtemp(dir)) {
		test_accounts(dir);
		test_lockout(dir);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	} else {
		CHECK(!"mkdtemp");
	}
	return check_summary();
}
