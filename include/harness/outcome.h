/* outcome: case outcomes and requirement levels, shared by model, run and report. */
#ifndef HARNESS_OUTCOME_H
#define HARNESS_OUTCOME_H

#include <stdbool.h>

/* DESIGN §6. Order matters: reports list them in this order. */
enum outcome {
	OUTCOME_PASS,
	OUTCOME_FAIL,          /* the member's output is wrong */
	OUTCOME_ERROR,         /* the member crashed, hung, refused to start, broke the protocol */
	OUTCOME_SKIP,          /* not claimed / not applicable, with the reason */
	OUTCOME_XFAIL,         /* failed as its expectation says */
	OUTCOME_XPASS,         /* an expected failure passed: the expectation is stale */
	OUTCOME_HARNESS_ERROR, /* the harness itself could not do its job */
	OUTCOME__COUNT
};

enum level {
	LEVEL_MUST,
	LEVEL_SHOULD,
	LEVEL_MAY,
	LEVEL__COUNT
};

const char *outcome_name(enum outcome o);   /* "pass", ..., "harness-error" */
int outcome_parse(const char *s, enum outcome *out); /* 0 or -1 */
const char *level_name(enum level l);       /* "MUST", "SHOULD", "MAY" */
int level_parse(const char *s, enum level *out);

#endif
