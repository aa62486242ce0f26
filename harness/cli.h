/* cli: the command layer's shared declarations (commands, rendering, options). Not part of libharness. */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/diag.h"
#include "harness/error.h"

/* Every command: argv[0] is the command name; returns the process exit code (DESIGN §10). */
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);

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
/* cli_error: print "harness: error: message" (with file:line:col if set). Returns the exit code. */
int cli_error(const struct error *err);

#endif
