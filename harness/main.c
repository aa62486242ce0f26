/* main: `harness` entry point; dispatches to the cmd_* commands. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cli_command cli_commands[] = {
	{"validate", cmd_validate, "check spec, suite, member and project files",
	 "usage: harness validate [options] [PATH...]\n"
	 "\n"
	 "Load and check every spec, suite and member file. With no PATH, checks\n"
	 "everything harness.yaml points to. A PATH may be a file or a directory\n"
	 "(searched for *.yaml); files name their kind in their first key.\n"
	 "\n"
	 "options:\n"
	 "  -C, --project FILE   the project file (default: ./harness.yaml)\n"
	 "  --format text|json   diagnostics as text (default) or JSON\n"
	 "  -W, --warnings-as-errors\n"
	 "                       exit 2 on warnings too\n"
	 "  -q, --quiet          print errors only, no warnings or summary\n"
	 "\n"
	 "exit: 0 valid, 2 errors found (or warnings with -W), 3 environment error\n"},
	{"list", cmd_list, "list specs, suites, members, cases or requirements",
	 "usage: harness list specs|suites|members|cases|requirements [options]\n"
	 "\n"
	 "options:\n"
	 "  -C, --project FILE   the project file (default: ./harness.yaml)\n"
	 "  --format text|json   a table (default) or JSON\n"
	 "  --spec ID            only this spec (requirements, suites, cases)\n"
	 "  --suite ID           only this suite (cases)\n"},
	{"help", cmd_help, "show help for a command", "usage: harness help [COMMAND]\n"},
	{"version", cmd_version, "print the version", "usage: harness version\n"},
	{NULL, NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: harness [--version] [--help] COMMAND [ARGS]\n"
		     "\n"
		     "A conformance and performance harness for working-group specifications:\n"
		     "specs and suites in YAML, member implementations pulled from git, runs\n"
		     "that produce comparable reports.\n"
		     "\n"
		     "commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n"
		     "Run 'harness help COMMAND' for a command's options.\n"
		     "exit codes: 0 all passed, 1 a case failed or a gate found a regression,\n"
		     "            2 usage error or invalid file, 3 environment or internal error\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_print_command_help(FILE *out, const char *cmd)
{
	const struct cli_command *c = find_command(cmd);
	if (c)
		fputs(c->help, out);
}

bool cli_help_requested(int argc, char **argv, const char *cmd)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_command_help(stdout, cmd);
			return true;
		}
	}
	return false;
}

bool cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!find_command(argv[1])) {
		fprintf(stderr, "harness: unknown command '%s'\n", argv[1]);
		return 2;
	}
	cli_print_command_help(stdout, argv[1]);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("harness %s (%s)\n", HARNESS_VERSION, HARNESS_REVISION);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return cmd_version(1, argv + 1);
	const struct cli_command *c = find_command(name);
	if (!c) {
		fprintf(stderr, "harness: unknown command '%s' (see 'harness --help')\n", name);
		return 2;
	}
	if (c->fn != cmd_help && cli_help_requested(argc - 1, argv + 1, name))
		return 0;
	return c->fn(argc - 1, argv + 1);
}
