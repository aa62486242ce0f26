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
	 "(searched for *.yaml, *.yml); files name their kind in their first key.\n"
	 "Suites and members named by PATH are checked against the specs of the\n"
	 "project (if any) as well as those named.\n"
	 "\n"
	 "Each problem is printed as 'file:line:col: error: message' with the\n"
	 "source line and a caret under the spot. Warnings (a requirement no case\n"
	 "covers, a suite covering nothing) do not fail validation unless -W.\n"
	 "On success a one-line summary goes to stderr.\n"
	 "\n"
	 "options:\n"
	 "  -C, --project FILE   the project file (default: ./harness.yaml)\n"
	 "  --format text|json   diagnostics as text on stderr (default), or as one\n"
	 "                       JSON object on stdout: {\"diagnostics\": [{file, line,\n"
	 "                       col, severity, code, message}], \"errors\", \"warnings\"}\n"
	 "  -W, --warnings-as-errors\n"
	 "                       exit 2 on warnings too\n"
	 "  -q, --quiet          print errors only, no warnings or summary\n"
	 "\n"
	 "NO_COLOR disables colors.\n"
	 "exit: 0 valid, 2 errors found (or warnings with -W) or usage error,\n"
	 "3 environment error (a file or directory that cannot be read)\n"},
	{"list", cmd_list, "list specs, suites, members, cases or requirements",
	 "usage: harness list specs|suites|members|cases|requirements [options] [PATH...]\n"
	 "\n"
	 "Load the project (or the PATHs, as 'validate' does) and print one listing:\n"
	 "  specs          ID VERSION STATUS REQS PROFILES TITLE\n"
	 "  suites         ID SPEC KIND TRANSPORT CASES\n"
	 "  members        ID ORG REF IMPLEMENTS (REF: the git ref, or the local path)\n"
	 "  cases          SUITE CASE COVERS REQUIRES (workloads of performance suites too)\n"
	 "  requirements   SPEC ID LEVEL PROFILES COVERED-BY TEXT (COVERED-BY: how many\n"
	 "                 cases and workloads cover it; TEXT is shortened)\n"
	 "If the files have errors they are printed instead, as by 'validate'.\n"
	 "\n"
	 "options:\n"
	 "  -C, --project FILE   the project file (default: ./harness.yaml)\n"
	 "  --format text|json   an aligned table (default) or JSON: {\"<listing>\": [...]}\n"
	 "  --spec ID            only this spec (specs, requirements, suites, cases), or\n"
	 "                       the members implementing it\n"
	 "  --suite ID           only this suite (suites, cases)\n"
	 "\n"
	 "exit: 0 listed, 2 invalid files or usage error, 3 environment error\n"},
	{"run", cmd_run, "run suites against members and write reports",
	 "usage: harness run [options]\n"
	 "\n"
	 "Plan members x suites x cases from the project, run them, and write\n"
	 "reports/<run-id>/ (report.json, junit.xml, report.tap, summary.md) with\n"
	 "reports/latest pointing at it. Failures are printed as they happen, with\n"
	 "the requirements they cover and a command that reproduces them.\n"
	 "\n"
	 "selection (each repeatable; globs with * ? [..]):\n"
	 "  -m, --member GLOB      members to run\n"
	 "  -s, --spec GLOB        specs\n"
	 "  -S, --suite GLOB       suites\n"
	 "  -c, --case GLOB        cases (case id, or suite/case)\n"
	 "  -t, --tag TAG          cases carrying this tag\n"
	 "      --kind K           conformance (default), performance or all\n"
	 "      --shard I/N        run only shard I of N (stable hash of member/suite/case)\n"
	 "  -l, --list             print the plan and exit\n"
	 "\n"
	 "execution:\n"
	 "  -C, --project FILE     the project file (default: ./harness.yaml)\n"
	 "  -P, --member-path NAME=DIR\n"
	 "                         run member NAME from a local directory (a working\n"
	 "                         tree) instead of its repository\n"
	 "  -j, --jobs N           parallel cases (default: project 'jobs', else CPUs)\n"
	 "  -T, --timeout DUR      default case timeout (e.g. 10s), overriding the project\n"
	 "\n"
	 "output:\n"
	 "  -o, --out DIR          write the reports to DIR instead of reports/<run-id>\n"
	 "  -f, --format LIST      comma-separated: json,junit,tap,md (default: all)\n"
	 "  -q, --quiet            only failures and the closing line\n"
	 "  -v, --verbose          print every result, not only failures\n"
	 "\n"
	 "NO_COLOR disables colors. SIGINT/SIGTERM stop the run: running cases are\n"
	 "killed and the report of what ran is written, marked interrupted.\n"
	 "\n"
	 "exit: 0 all passed or matched their expectation, 1 a case failed, errored or\n"
	 "passed against its expectation (xpass), 2 usage or invalid files,\n"
	 "3 harness error, 130 interrupted\n"},
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
