/* outcome: names of outcomes and levels. */
#include "harness/outcome.h"

#include <string.h>

static const char *const outcome_names[OUTCOME__COUNT] = {
	"pass", "fail", "error", "skip", "xfail", "xpass", "harness-error",
};
static const char *const level_names[LEVEL__COUNT] = {"MUST", "SHOULD", "MAY"};

const char *outcome_name(enum outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? outcome_names[o] : "?";
}

int outcome_parse(const char *s, enum outcome *out)
{
	for (int i = 0; i < OUTCOME__COUNT; i++)
		if (!strcmp(s, outcome_names[i])) {
			*out = (enum outcome)i;
			return 0;
		}
	return -1;
}

const char *level_name(enum level l)
{
	return (unsigned)l < LEVEL__COUNT ? level_names[l] : "?";
}

int level_parse(const char *s, enum level *out)
{
	for (int i = 0; i < LEVEL__COUNT; i++)
		if (!strcmp(s, level_names[i])) {
			*out = (enum level)i;
			return 0;
		}
	return -1;
}
