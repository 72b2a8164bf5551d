// SHA-256 block compression (FIPS 180-4): Intel SHA extensions when available, portable C
// otherwise. Only whole 64-byte blocks are processed; padding and buffering live in the caller.

#include "csha256.h"

#if defined(__x86_64__)
#define CSHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] __attribute__((aligned(16))) = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// MARK: - Portable

static inline uint32_t rotr32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

#define BSIG0(x) (rotr32((x), 2) ^ rotr32((x), 13) ^ rotr32((x), 22))
#define BSIG1(x) (rotr32((x), 6) ^ rotr32((x), 11) ^ rotr32((x), 25))
#define SSIG0(x) (rotr32((x), 7) ^ rotr32((x), 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr32((x), 17) ^ rotr32((x), 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

void csha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t blockCount) {
  uint32_t w[64];
  for (; blockCount > 0; blockCount--, blocks += 64) {
    for (int t = 0; t < 16; t++) w[t] = load_be32(blocks + 4 * t);
    for (int t = 16; t < 64; t++) w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];

    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
      uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K[t] + w[t];
      uint32_t t2 = BSIG0(a) + MAJ(a, b, c);
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

// MARK: - Intel SHA extensions

#if defined(CSHA256_X86)

// Four rounds 4j..4j+3 on message vector `m` (words W[4j..4j+3], lane 0 = lowest index).
// sha256rnds2 does two rounds using the low two lanes of its third operand and returns the new
// ABEF; the old ABEF becomes the new CDGH, so the two state registers swap roles in between.
#define CSHA256_ROUNDS4(m, j)                                                   \
  do {                                                                          \
    __m128i wk = _mm_add_epi32((m), _mm_load_si128((const __m128i *)&K[4 * (j)])); \
    state1 = _mm_sha256rnds2_epu32(state1, state0, wk);                         \
    wk = _mm_shuffle_epi32(wk, 0x0E);                                           \
    state0 = _mm_sha256rnds2_epu32(state0, state1, wk);                         \
  } while (0)

// Message schedule for j >= 4, in place on the register holding W[j-4]:
// W[j] = msg2(msg1(W[j-4], W[j-3]) + alignr(W[j-1], W[j-2]) (the W[t-7] terms), W[j-1]).
#define CSHA256_SCHEDULE(w4, w3, w2, w1)                                        \
  do {                                                                          \
    (w4) = _mm_sha256msg1_epu32((w4), (w3));                                    \
    (w4) = _mm_add_epi32((w4), _mm_alignr_epi8((w1), (w2), 4));                 \
    (w4) = _mm_sha256msg2_epu32((w4), (w1));                                    \
  } while (0)

__attribute__((target("sha,sse4.1"))) static void
compress_shani(uint32_t state[8], const uint8_t *blocks, size_t blockCount) {
  // Byte-swaps each 32-bit word: the message is big-endian.
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

  // state[0..3] = A B C D, state[4..7] = E F G H (lane 0 first). SHA-NI wants ABEF / CDGH with
  // A and C in the highest lane.
  __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);     // lanes: A B C D
  __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);  // lanes: E F G H
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                            // lanes: B A D C
  state1 = _mm_shuffle_epi32(state1, 0x1B);                      // lanes: H G F E
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);              // lanes: F E B A (ABEF)
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);                   // lanes: H G D C (CDGH)

  for (; blockCount > 0; blockCount--, blocks += 64) {
    const __m128i abefSave = state0;
    const __m128i cdghSave = state1;

    __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 0)), bswap);
    __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16)), bswap);
    __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 32)), bswap);
    __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 48)), bswap);

    CSHA256_ROUNDS4(m0, 0);
    CSHA256_ROUNDS4(m1, 1);
    CSHA256_ROUNDS4(m2, 2);
    CSHA256_ROUNDS4(m3, 3);
    CSHA256_SCHEDULE(m0, m1, m2, m3);  // W[16..19]
    CSHA256_ROUNDS4(m0, 4);
    CSHA256_SCHEDULE(m1, m2, m3, m0);  // W[20..23]
    CSHA256_ROUNDS4(m1, 5);
    CSHA256_SCHEDULE(m2, m3, m0, m1);
    CSHA256_ROUNDS4(m2, 6);
    CSHA256_SCHEDULE(m3, m0, m1, m2);
    CSHA256_ROUNDS4(m3, 7);
    CSHA256_SCHEDULE(m0, m1, m2, m3);
    CSHA256_ROUNDS4(m0, 8);
    CSHA256_SCHEDULE(m1, m2, m3, m0);
    CSHA256_ROUNDS4(m1, 9);
    CSHA256_SCHEDULE(m2, m3, m0, m1);
    CSHA256_ROUNDS4(m2, 10);
    CSHA256_SCHEDULE(m3, m0, m1, m2);
    CSHA256_ROUNDS4(m3, 11);
    CSHA256_SCHEDULE(m0, m1, m2, m3);
    CSHA256_ROUNDS4(m0, 12);
    CSHA256_SCHEDULE(m1, m2, m3, m0);
    CSHA256_ROUNDS4(m1, 13);
    CSHA256_SCHEDULE(m2, m3, m0, m1);
    CSHA256_ROUNDS4(m2, 14);
    CSHA256_SCHEDULE(m3, m0, m1, m2);  // W[60..63]
    CSHA256_ROUNDS4(m3, 15);

    state0 = _mm_add_epi32(state0, abefSave);
    state1 = _mm_add_epi32(state1, cdghSave);
  }

  tmp = _mm_shuffle_epi32(state0, 0x1B);         // lanes: A B E F
  state1 = _mm_shuffle_epi32(state1, 0xB1);      // lanes: G H C D
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);   // lanes: A B C D
  state1 = _mm_alignr_epi8(state1, tmp, 8);      // lanes: E F G H
  _mm_storeu_si128((__m128i *)&state[0], state0);
  _mm_storeu_si128((__m128i *)&state[4], state1);
}

#undef CSHA256_ROUNDS4
#undef CSHA256_SCHEDULE

static int cpu_has_shani(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const int ssse3 = (ecx >> 9) & 1;
  const int sse41 = (ecx >> 19) & 1;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  const int sha = (ebx >> 29) & 1;
  return ssse3 && sse41 && sha;
}

#endif  // CSHA256_X86

// MARK: - Dispatch

// 0 = not yet probed, 1 = portable, 2 = SHA-NI. Probing is idempotent, so racing threads at
// worst probe twice and store the same value.
static int implementation = 0;

static int resolve_implementation(void) {
  int impl = __atomic_load_n(&implementation, __ATOMIC_RELAXED);
  if (impl == 0) {
#if defined(CSHA256_X86)
    impl = cpu_has_shani() ? 2 : 1;
#else
    impl = 1;
#endif
    __atomic_store_n(&implementation, impl, __ATOMIC_RELAXED);
  }
  return impl;
}

void csha256_compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) {
  if (blockCount == 0) return;
#if defined(CSHA256_X86)
  if (resolve_implementation() == 2) {
    compress_shani(state, blocks, blockCount);
    return;
  }
#endif
  csha256_compress_portable(state, blocks, blockCount);
}

int csha256_is_accelerated(void) { return resolve_implementation() == 2; }
