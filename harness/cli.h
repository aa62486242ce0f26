/* cli: the command layer's shared declarations (commands, rendering, options). Not part of libharness. */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/diag.h"
#include "harness/error.h"
#include "harness/model.h"

/* Every command: argv[0] is the command name; returns the process exit code (DESIGN §10). */
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_scorecard(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_merge(int argc, char **argv);

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `harness --help` */
	const char *help;    /* full text for `harness help CMD` and `CMD --help` */
};
extern const struct cli_command cli_commands[];

/* cli_help_requested: true if argv has -h/--help (then prints the command's help). */
bool cli_help_requested(int argc, char **argv, const char *cmd);
void cli_print_command_help(FILE *out, const char *cmd);

/* Colors: on only for a TTY and when NO_COLOR is unset. */
bool cli_color(FILE *f);

/*
 * cli_render_diags: print each diagnostic as
 *     file:line:col: error: message
 *      12 |   covers: [CC-99]
 *         |            ^
 * reading source lines from the files named (cached). Then a count line.
 */
void cli_render_diags(FILE *out, const struct diags *d);
/* cli_render_diags_json: {"diagnostics":[{file,line,col,severity,code,message}],"errors":N,"warnings":N} */
void cli_render_diags_json(FILE *out, const struct diags *d);
/*
 * Loading the file set for a command (validate, list, and later run):
 *   struct cli_load_opts lo = CLI_LOAD_OPTS_INIT("list");
 *   lo.project = "-C value" or NULL; lo.paths/npaths = positional args;
 *   rc = cli_model_load(&m, &d, &lo);
 * Paths are checked first: a missing one is a usage error (2), one that
 * cannot be read an environment error (3); no harness.yaml and no paths is a
 * usage error with a hint. Those are printed at once and leave d empty.
 * Otherwise model_load runs and d is sorted; the return is 3 if a diagnostic
 * says the environment failed (codes "io", "env", "internal"), else 0, even
 * when d holds errors: the caller renders d and decides. *out may be
 * non-NULL in every case; the caller frees it.
 */
struct cli_load_opts {
	const char *cmd;
	const char *project;
	char **paths;
	size_t npaths;
	bool warn_untested;
};
#define CLI_LOAD_OPTS_INIT(cmd) {(cmd), NULL, NULL, 0, true}
int cli_model_load(struct model **out, struct diags *d, const struct cli_load_opts *lo);
/* cli_parse_format: "text" or "json" into *json; else prints a usage error and returns -1. */
int cli_parse_format(const char *cmd, const char *arg, bool *json);
/* cli_usage_error: print "harness: error: CMD: message" and a pointer to the help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_error: print "harness: error: message" (with file:line:col if set). Returns the exit code. */
int cli_error(const struct error *err);

#endif
