/* SPDX-License-Identifier: MIT */
/* What tests and benchmarks of the spool may reach: CRC32C, the on-disk sizes, and I/O hooks for fault injection. */
#ifndef ANPR_SPOOL_INTERNAL_H
#define ANPR_SPOOL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ANPR_SPOOL_SEG_HDR 64 /* segment file header */
#define ANPR_SPOOL_REC_HDR 32 /* record frame header */
#define ANPR_SPOOL_TAG_LEN 16 /* GCM tag after each record's ciphertext */

/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), software slicing-by-8.
 * Start with crc 0; pass the previous result to continue. Any thread.
 */
uint32_t anpr_crc32c(uint32_t crc, const void *data, size_t len);

/* Bytes a record of len plaintext bytes takes in a segment file. */
size_t anpr_spool_record_size(size_t len);

/* Bytes of memory the in-memory index spends per record held. */
size_t anpr_spool_entry_size(void);

/*
 * Every fsync/fdatasync and every write of segment data goes through these,
 * so tests can fail them (set errno and return -1). Defaults: fdatasync and
 * pwrite. Set them only while no spool is in use.
 */
extern int (*anpr_spool_fsync_hook)(int fd);
extern ssize_t (*anpr_spool_pwrite_hook)(int fd, const void *buf, size_t len, off_t off);

#endif
