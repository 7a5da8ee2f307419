/* SPDX-License-Identifier: MIT */
/* The project's one list of error codes; err.h turns it into the enum and anpr_strerror(). */

/*
 * ANPR_ERR(NAME, VALUE, "message")
 *
 * Values are append-only: they appear in the diagnostic CLI, in logs and on the
 * wire, so never renumber or reuse one. Add new codes at the end with the next
 * value. tests/unit/data/err_values.txt freezes the published values.
 */
ANPR_ERR(OK, 0, "success")
ANPR_ERR(NOMEM, 1, "out of memory")
ANPR_ERR(INVAL, 2, "invalid argument")
ANPR_ERR(IO, 3, "input/output error")
ANPR_ERR(NOT_FOUND, 4, "not found")
ANPR_ERR(CONFIG, 5, "configuration error")
ANPR_ERR(RANGE, 6, "value out of range")
ANPR_ERR(TOO_BIG, 7, "input exceeds size limit")
ANPR_ERR(FORMAT, 8, "malformed input")
ANPR_ERR(FULL, 9, "queue or buffer full")
ANPR_ERR(EMPTY, 10, "queue or buffer empty")
ANPR_ERR(TIMEOUT, 11, "timed out")
ANPR_ERR(CLOSED, 12, "closed")
ANPR_ERR(UNSUPPORTED, 13, "not supported")
ANPR_ERR(DECODE, 14, "image or video decode failed")
ANPR_ERR(ENCODE, 15, "image or video encode failed")
ANPR_ERR(OCR, 16, "text recognition failed")
ANPR_ERR(CRYPTO, 17, "cryptographic operation failed")
ANPR_ERR(PERMISSION, 18, "permission denied or unsafe file mode")
ANPR_ERR(CAMERA, 19, "camera error")
ANPR_ERR(NETWORK, 20, "network error")
ANPR_ERR(INTERNAL, 21, "internal error")
