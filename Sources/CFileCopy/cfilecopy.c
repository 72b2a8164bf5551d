#define _GNU_SOURCE
#include "cfilecopy.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/types.h>
#include <unistd.h>

long cfilecopy_copy_file_range(int input, int64_t *offset, int output, size_t length) {
#if defined(__linux__)
  loff_t position = (loff_t)*offset;
  ssize_t copied = copy_file_range(input, &position, output, NULL, length, 0);
  if (copied > 0) *offset = (int64_t)position;
  return (long)copied;
#else
  (void)input;
  (void)offset;
  (void)output;
  (void)length;
  errno = ENOSYS;
  return -1;
#endif
}

int cfilecopy_start_writeback(int file, int64_t offset, int64_t length) {
#if defined(__linux__)
  return sync_file_range(file, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE);
#else
  (void)file;
  (void)offset;
  (void)length;
  return 0;
#endif
}

int cfilecopy_punch_hole(int file, int64_t offset, int64_t length) {
#if defined(__linux__)
  return fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
#else
  (void)file;
  (void)offset;
  (void)length;
  errno = ENOSYS;
  return -1;
#endif
}

int cfilecopy_available_cpus(void) {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
#else
  return 0;
#endif
}
