#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Runs the SHA-256 (FIPS 180-4) compression function over `blockCount` consecutive 64-byte
/// blocks starting at `blocks`, updating the eight-word hash state `state` in place.
///
/// Uses the Intel SHA extensions (SHA-NI) when the CPU has them (detected once at run time with
/// CPUID), and a portable C implementation otherwise. `blocks` needs no particular alignment.
void csha256_compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount);

/// The portable implementation behind `csha256_compress`, callable directly so tests can compare
/// it with the accelerated path.
void csha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t blockCount);

/// 1 when `csha256_compress` uses a hardware-accelerated implementation on this CPU, else 0.
int csha256_is_accelerated(void);

#ifdef __cplusplus
}
#endif

#endif /* CSHA256_H */
