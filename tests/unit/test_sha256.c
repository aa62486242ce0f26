/* test_sha256: FIPS 180-4 test vectors, incremental updates and FNV-1a 64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness/sha256.h"

static void hex_of(const unsigned char md[32], char hex[65])
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = d[md[i] >> 4];
		hex[2 * i + 1] = d[md[i] & 15];
	}
	hex[64] = '\0';
}

static void sha256_hashes_the_empty_string(void **state)
{
	(void)state;
	char hex[65];
	sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void sha256_hashes_abc(void **state)
{
	(void)state;
	char hex[65];
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void sha256_hashes_the_448_bit_message(void **state)
{
	(void)state;
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];
	sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void sha256_hashes_the_896_bit_message(void **state)
{
	(void)state;
	const char *m =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
	    "klmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[65];
	sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex,
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha256_hashes_one_million_a_in_uneven_pieces(void **state)
{
	(void)state;
	char *a = malloc(1000000);
	assert_non_null(a);
	memset(a, 'a', 1000000);
	char hex[65];
	sha256_hex(a, 1000000, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct sha256 c;
	unsigned char md[32];
	sha256_init(&c);
	size_t done = 0, step = 1;
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		sha256_update(&c, a + done, n);
		done += n;
		step = step * 3 % 997 + 1;
	}
	sha256_final(&c, md);
	hex_of(md, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void sha256_pads_correctly_around_the_block_boundary(void **state)
{
	(void)state;
	/* lengths 55, 56 and 64 cross the one-or-two padding block edge;
	 * digests from coreutils sha256sum */
	static const struct {
		size_t n;
		const char *hex;
	} rows[] = {
	    {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
	    {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
	    {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
	    {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
	};
	char buf[64];
	memset(buf, 'a', sizeof(buf));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char hex[65];
		sha256_hex(buf, rows[i].n, hex);
		assert_string_equal(hex, rows[i].hex);
	}
}

static void sha256_update_with_zero_bytes_changes_nothing(void **state)
{
	(void)state;
	struct sha256 c;
	unsigned char md[32];
	char hex[65];
	sha256_init(&c);
	sha256_update(&c, "a", 1);
	sha256_update(&c, NULL, 0);
	sha256_update(&c, "bc", 2);
	sha256_final(&c, md);
	hex_of(md, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void fnv1a64_matches_reference_values(void **state)
{
	(void)state;
	assert_true(fnv1a64("", 0) == UINT64_C(0xcbf29ce484222325));
	assert_true(fnv1a64("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(fnv1a64("foobar", 6) == UINT64_C(0x85944171f73967e8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sha256_hashes_the_empty_string),
	    cmocka_unit_test(sha256_hashes_abc),
	    cmocka_unit_test(sha256_hashes_the_448_bit_message),
	    cmocka_unit_test(sha256_hashes_the_896_bit_message),
	    cmocka_unit_test(sha256_hashes_one_million_a_in_uneven_pieces),
	    cmocka_unit_test(sha256_pads_correctly_around_the_block_boundary),
	    cmocka_unit_test(sha256_update_with_zero_bytes_changes_nothing),
	    cmocka_unit_test(fnv1a64_matches_reference_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
