#ifndef CFILECOPY_H
#define CFILECOPY_H

#include <stddef.h>
#include <stdint.h>

/// Copies up to `length` bytes from `input` at `*offset` to the current position of `output`
/// inside the kernel (Linux `copy_file_range(2)`), advancing `*offset`. Returns the number of
/// bytes copied, 0 at the end of `input`, or -1 with `errno` set (`ENOSYS` where the call does
/// not exist; callers then copy through a buffer).
long cfilecopy_copy_file_range(int input, int64_t *offset, int output, size_t length);

/// Starts writing `length` bytes of `file` from `offset` to disk without waiting for them
/// (Linux `sync_file_range(2)` with `SYNC_FILE_RANGE_WRITE`), so that a later `fsync` finds
/// little left to do. Returns 0, or -1 with `errno` set; does nothing (returns 0) elsewhere.
int cfilecopy_start_writeback(int file, int64_t offset, int64_t length);

/// Frees `length` bytes of `file` from `offset` (Linux `fallocate(2)` with
/// `FALLOC_FL_PUNCH_HOLE`), keeping its size: they read as zeros after. Returns 0, or -1 with
/// `errno` set (`ENOSYS` elsewhere).
int cfilecopy_punch_hole(int file, int64_t offset, int64_t length);

/// The number of CPUs this process may run on (Linux `sched_getaffinity(2)`, so `taskset` and
/// container CPU sets count), or 0 when that cannot be told.
int cfilecopy_available_cpus(void);

#endif
