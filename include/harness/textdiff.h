/* textdiff: a unified line diff of two texts (Myers) and safe display of arbitrary bytes. */
#ifndef HARNESS_TEXTDIFF_H
#define HARNESS_TEXTDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/strbuf.h"

/*
 * For failure messages: what the CLI prints under "stdout: text differs".
 * Steps:
 *   struct textdiff_opts o = TEXTDIFF_OPTS_INIT;
 *   struct strbuf sb = STRBUF_INIT;
 *   if (textdiff_unified(&sb, exp, explen, act, actlen, &o)) ... sb holds the diff
 *   strbuf_release(&sb);
 *
 * The output is GNU `diff -u` format without timestamps:
 *   --- expected
 *   +++ actual
 *   @@ -1,3 +1,3 @@
 *    a
 *   -b
 *   +c
 *   \ No newline at end of file
 * Lines are split on '\n'; a final line without one is marked as above, so
 * "a" and "a\n" differ. Each line is shown through textdiff_add_escaped, so
 * the diff is valid UTF-8 whatever the input (a CR shows as \x0d).
 *
 * Bounds, so that hostile output cannot make the harness slow: the Myers
 * search stops after max_edit edits and then reports the differing middle
 * (after the common head and tail) as one replaced block; each shown line
 * is cut at line_cap bytes ("…(N more bytes)"); after max_lines diff lines
 * the rest is summarised ("…(N more diff lines)"). opts may be NULL.
 */
struct textdiff_opts {
	int version;
	unsigned context;      /* lines of context around changes (3) */
	size_t max_edit;       /* Myers edit-distance bound (1000) */
	size_t max_lines;      /* body lines shown; 0 = no limit (400) */
	size_t line_cap;       /* bytes shown of one line; 0 = no limit (1024) */
	const char *old_label; /* "expected" */
	const char *new_label; /* "actual" */
};
#define TEXTDIFF_OPTS_VERSION 1
#define TEXTDIFF_OPTS_INIT {TEXTDIFF_OPTS_VERSION, 3, 1000, 400, 1024, "expected", "actual"}

/* textdiff_unified: appends the diff of a -> b to out and returns true; false if they are equal. */
bool textdiff_unified(struct strbuf *out, const char *a, size_t alen, const char *b, size_t blen,
		      const struct textdiff_opts *opts);

/*
 * textdiff_add_escaped: appends s for display: valid UTF-8 and tabs as they
 * are; invalid bytes and other control characters (including CR, LF, DEL) as
 * \xNN.
 */
void textdiff_add_escaped(struct strbuf *sb, const char *s, size_t n);

#endif
