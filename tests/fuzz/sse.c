/* sse: libFuzzer target for the incremental SSE parser fed in input-derived chunks, then judged. */
#include <jansson.h>

#include "fuzz_common.h"
#include "harness/match.h"
#include "harness/sse.h"
#include "harness/vars.h"

/*
 * The input is a text/event-stream body. It is parsed three ways that
 * must agree: in one feed (sse_stream_parse), in chunks whose sizes come
 * from a generator seeded by the input (1..64 bytes, sometimes 0), and one
 * byte at a time; the event lists must be equal (type, data, id, retry).
 * Small ceilings (max_event 4 KiB, 200 events) make the limit paths
 * reachable. The chunked stream is then judged by match_sse with the fixed
 * expect block of fuzz_common.h, as run_http judges a stream.
 */

static struct fuzz_judge sf_judge;

static void sf_feed_chunks(struct sse_stream *s, const struct sse_limits *lim, const uint8_t *data,
			   size_t len, uint64_t seed, bool bytewise)
{
	sse_stream_init(s);
	struct sse_parser *p = sse_parser_new(lim, sse_stream_collect, s);
	struct error err = ERROR_INIT;
	size_t off = 0;
	int64_t t = 1000;
	while (off < len) {
		size_t n = bytewise ? 1 : (size_t)(fuzz_next(&seed) % 65);
		if (n > len - off)
			n = len - off;
		int rc = sse_feed(p, (const char *)data + off, n, t++, &err);
		FUZZ_REQUIRE(rc == 0 || rc == -1, "sse_feed returned neither 0 nor -1");
		if (rc < 0) {
			FUZZ_REQUIRE(err.message[0], "sse_feed failed without a message");
			FUZZ_REQUIRE(sse_parser_error(p), "failed parser has no sticky error");
			break;
		}
		off += n;
	}
	sse_stream_end(s, p, t);
	if (!s->error)
		FUZZ_REQUIRE(!sse_parser_error(p), "parser error not copied to the stream");
	sse_parser_free(p);
}

static void sf_same(const struct sse_stream *a, const struct sse_stream *b)
{
	FUZZ_REQUIRE((a->error == NULL) == (b->error == NULL), "chunking changed failure");
	if (a->error && b->error)
		FUZZ_REQUIRE(!strcmp(a->error, b->error), "chunking changed the error");
	FUZZ_REQUIRE(a->n == b->n, "chunking changed the number of events");
	for (size_t i = 0; i < a->n; i++) {
		const struct sse_event *x = &a->events[i], *y = &b->events[i];
		FUZZ_REQUIRE(x->len == y->len && !memcmp(x->data, y->data, x->len),
			     "chunking changed data");
		FUZZ_REQUIRE(!strcmp(x->type, y->type) && !strcmp(x->id, y->id),
			     "chunking changed type or id");
		FUZZ_REQUIRE(x->retry_ms == y->retry_ms, "chunking changed retry");
		FUZZ_REQUIRE(x->invalid_utf8 == y->invalid_utf8, "chunking changed utf-8 flag");
	}
	FUZZ_REQUIRE(a->stats.comments == b->stats.comments && a->stats.lines == b->stats.lines,
		     "chunking changed the stats");
}

int fuzz_sse(const uint8_t *data, size_t len);
int fuzz_sse(const uint8_t *data, size_t len)
{
	fuzz_judge_load(&sf_judge);
	struct sse_limits lim = {4096, 1 << 20, 200};

	struct sse_stream whole, chunked, bytes;
	sse_stream_init(&whole);
	int rc = sse_stream_parse(&whole, &lim, (const char *)data, len, 1000);
	FUZZ_REQUIRE((rc < 0) == (whole.error != NULL), "sse_stream_parse rc and error disagree");
	sf_feed_chunks(&chunked, &lim, data, len, fuzz_seed(data, len), false);
	sf_feed_chunks(&bytes, &lim, data, len, 0, true);
	sf_same(&whole, &chunked);
	sf_same(&whole, &bytes);

	/* judged as run_http judges a stream: the base subject without a document */
	struct matcher *m = matcher_new(NULL);
	struct subject subj;
	subject_init(&subj);
	subj.status = 200;
	struct vars vars;
	vars_init(&vars);
	struct match_report r = MATCH_REPORT_INIT;
	(void)match_sse(m, sf_judge.step->expect.sse, &chunked, &subj, &vars, &r);
	FUZZ_REQUIRE(r.n > 0, "match_sse ran no check");
	for (size_t i = 0; i < r.n; i++)
		FUZZ_REQUIRE(r.items[i].pass || (r.items[i].message && r.items[i].details),
			     "failed verdict without message or details");
	char *sum = match_report_summary(&r);
	json_t *det = match_report_details(&r);
	free(sum);
	json_decref(det);
	match_report_release(&r);
	vars_release(&vars);
	matcher_free(m);

	sse_stream_release(&whole);
	sse_stream_release(&chunked);
	sse_stream_release(&bytes);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_sse(data, len);
}
#endif
