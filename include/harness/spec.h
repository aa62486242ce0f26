/* spec: the typed model of a working-group specification file (DESIGN §5 "spec"). */
#ifndef HARNESS_SPEC_H
#define HARNESS_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/outcome.h"
#include "harness/semver.h"

struct strmap;

/*
 * All model structs (spec, suite, member, project) are allocated in the
 * arena of the struct model that loaded them and are immutable after
 * model_load returns; every pointer in them is borrowed from that model.
 * Every element keeps the srcloc of its YAML node for diagnostics.
 * String lists are arrays of const char * with a count.
 */

enum spec_status {
	SPEC_DRAFT,
	SPEC_CANDIDATE,
	SPEC_FINAL,
};

struct requirement {
	const char *id;      /* stable, never renumbered */
	enum level level;
	const char *text;
	const char **tags;
	size_t ntags;
	const char *untested; /* `untested: reason`: no case on purpose (no warning), or NULL */
	struct srcloc loc;   /* of the list item */
	struct spec *spec;   /* back pointer */
	size_t index;        /* position in spec->requirements */
};

struct profile {
	const char *id;
	const char *extends;          /* profile id or NULL */
	const char **requirements;    /* ids as written */
	size_t nrequirements;
	struct srcloc loc, extends_loc;
	/* resolved by model validation: own + inherited, in spec order, no duplicates */
	struct requirement **all;
	size_t nall;
};

struct spec {
	const char *id;
	const char *version_str;
	struct semver version;
	const char *title;
	const char *working_group;
	const char *description; /* optional */
	enum spec_status status;
	struct requirement *requirements;
	size_t nrequirements;
	struct profile *profiles;
	size_t nprofiles;
	const char *path;  /* the file, as given */
	char sha256[65];   /* of the file's bytes */
	struct srcloc loc; /* of the `spec:` key's value */
	bool context;      /* loaded only to resolve references of the named files (model.h) */
	/* private: requirement id -> struct requirement *, built at load */
	struct strmap *req_index;
};

struct requirement *spec_find_requirement(const struct spec *s, const char *id);
struct profile *spec_find_profile(const struct spec *s, const char *id);
const char *spec_status_name(enum spec_status st);

#endif
