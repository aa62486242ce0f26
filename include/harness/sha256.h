/* sha256: FIPS 180-4 SHA-256, for hashing spec and suite files into reports. */
#ifndef HARNESS_SHA256_H
#define HARNESS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* sha256_hex: one-shot; hex must hold 65 bytes. */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* fnv1a64: fast stable 64-bit hash (sharding, hash tables). */
uint64_t fnv1a64(const void *data, size_t len);

#endif
