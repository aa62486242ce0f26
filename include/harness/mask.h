/* mask: a set of secret strings replaced by "***" in every text the harness writes or prints. */
#ifndef HARNESS_MASK_H
#define HARNESS_MASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/strbuf.h"

/*
 * Steps:
 *   struct mask mk = MASK_INIT;
 *   mask_add(&mk, "s3cr3t-value");         the string is copied
 *   mask_add_env(&mk, "GITHUB_TOKEN");     the value of a variable, if set
 *   char *s = mask_str(&mk, text);         a masked copy (malloc'd)
 *   mask_strbuf(&mk, &sb);                 in place
 *   mask_json(&mk, tree);                  every string (and key) of a tree, in place
 *   mask_release(&mk);                     mk is MASK_INIT again
 *
 * Secrets shorter than MASK_MIN_LEN bytes are ignored: masking "a" or "42"
 * would shred every message while hiding nothing worth hiding (such a value
 * cannot be a credential). Where secrets overlap, the longest one is
 * replaced first, so a secret that contains another is hidden whole.
 *
 * What masking cannot do (documented in docs/security.md): a secret that a
 * member prints transformed (base64, split across lines, one character at
 * a time) is not recognised, and captured output cut at its ceiling in the
 * middle of a secret leaves the secret's first bytes visible.
 */
#define MASK_MIN_LEN 4
#define MASK_REPLACEMENT "***"

struct mask {
	char **secrets; /* longest first */
	size_t n, alloc;
};
#define MASK_INIT {NULL, 0, 0}

void mask_init(struct mask *mk);
void mask_release(struct mask *mk);
/* mask_add: add a secret (copied); shorter than MASK_MIN_LEN, NULL or already present: ignored. */
void mask_add(struct mask *mk, const char *secret);
/* mask_add_env: add the value of environment variable name, when set. */
void mask_add_env(struct mask *mk, const char *name);
/* mask_empty: true when there is nothing to hide (the functions below are then cheap no-ops). */
bool mask_empty(const struct mask *mk);
/* mask_list: the secrets, NULL-terminated (borrowed; valid until the next add/release). */
const char *const *mask_list(const struct mask *mk);
/* mask_contains: does the n bytes at s hold a secret? */
bool mask_contains(const struct mask *mk, const char *s, size_t n);
/* mask_str: a malloc'd copy of s with every secret replaced; NULL for NULL. */
char *mask_str(const struct mask *mk, const char *s);
/* mask_strbuf: replace every secret in sb in place; returns true when something was replaced. */
bool mask_strbuf(const struct mask *mk, struct strbuf *sb);
/*
 * mask_json: replace every secret in every string value and object key of
 * v (recursively), in place; returns true when something was replaced.
 * v may be NULL.
 */
bool mask_json(const struct mask *mk, json_t *v);

#endif
