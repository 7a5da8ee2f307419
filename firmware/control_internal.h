/* SPDX-License-Identifier: MIT */
/* What tests of the control interface may reach: the request line parser. */
#ifndef ANPR_CONTROL_INTERNAL_H
#define ANPR_CONTROL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ANPR_CONTROL_LINE_MAX 4096 /* request line, without its newline */

typedef enum anpr_control_cmd {
	ANPR_CMD_STATUS,
	ANPR_CMD_CAMERA,
	ANPR_CMD_PREVIEW,
	ANPR_CMD_FOCUS,
	ANPR_CMD_READTEST,
	ANPR_CMD_BUFFER,
	ANPR_CMD_CLOCK,
	ANPR_CMD_LOG,
	ANPR_CMD_RELOAD,
	ANPR_CMD_ALARMS,
	ANPR_CMD_CANCEL,
} anpr_control_cmd;

/* A parsed request, defaults filled in for absent args (docs/control-protocol.md). */
typedef struct anpr_control_request {
	int64_t id; /* 1..2147483647; 0 until known */
	anpr_control_cmd cmd;
	int cols, rows; /* preview */
	double fps;     /* preview, focus */
	int seconds;    /* preview, focus, readtest */
	bool plates;    /* readtest */
	bool check;     /* buffer */
	int lines;      /* log */
	bool follow;    /* log */
	int level;      /* log: anpr_log_level */
	int64_t target; /* cancel */
} anpr_control_request;

/*
 * Parses one request line (without its newline). ANPR_ERR_OK with *req
 * filled; ANPR_ERR_FORMAT for a line that is not a JSON object with a valid
 * id (invalid UTF-8 or JSON, too long, no or bad id): the server answers
 * with id 0 and closes. Other errors (ANPR_ERR_INVAL: unknown command or
 * argument, wrong type; ANPR_ERR_RANGE: a value out of range) leave req->id
 * set for the error reply. msg (cap bytes) gets a one-line reason. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_control_parse_request(const char *line, size_t len, anpr_control_request *req,
						    char *msg, size_t cap);

/* The command's name on the wire ("status", ...). */
const char *anpr_control_cmd_name(anpr_control_cmd cmd);

/* Base64 (RFC 4648, padded) of n bytes into out, which needs 4 * ((n + 2) / 3) + 1 bytes; NUL-terminated. */
void anpr_control_base64(const uint8_t *in, size_t n, char *out);

#endif
