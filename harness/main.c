/* main: `harness` entry point; dispatches to the cmd_* commands. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/*
 * The run help is longer than the 4095 characters ISO C promises for one
 * string literal, so it is kept in two and joined once at start-up.
 */
static const char run_help_1[] =
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
	"      --gate-slo         a performance workload that misses an SLO fails (and\n"
	"                         sets the exit code); without it the miss is reported\n"
	"                         and the workload passes. Workloads (--kind performance\n"
	"                         or all) run one at a time after every other case; an\n"
	"                         INVALID measurement is an error either way\n"
	"\n"
	"members from git (repository: {url, ref}):\n"
	"  each is cloned or fetched into the cache, its ref resolved to a commit, and\n"
	"  its clean tree copied and built there (build: {command}); a successful build\n"
	"  is reused while the commit, recipe and environment stay the same. Local\n"
	"  trees (repository: {path}, --member-path) are built in place every run.\n"
	"  A member that cannot be fetched or built has its cases 'error' with the\n"
	"  reason (the build log: <out>/build/<member>.log); the others run.\n"
	"      --cache DIR        the cache (default: the project's 'cache', else\n"
	"                         $XDG_CACHE_HOME/harness)\n"
	"      --offline          no network: git members must already be cached\n"
	"      --no-fetch         use the cache as it is: a branch stays where it was\n"
	"                         last fetched; a member not cached is an error\n"
	"      --rebuild          build again even when a build is cached\n"
	"      --no-build         run no build step (members run from their trees as is)\n"
	"      --sandbox MODE     auto, strict or none (docs/security.md)\n"
	"\n";
static const char run_help_2[] =
	"output:\n"
	"  -o, --out DIR          write the reports to DIR instead of reports/<run-id>\n"
	"  -f, --format LIST      comma-separated: json,junit,tap,md (default: all)\n"
	"  -q, --quiet            only failures and the closing line\n"
	"  -v, --verbose          print every result, not only failures\n"
	"\n"
	"NO_COLOR disables colors. SIGINT/SIGTERM stop the run: running cases are\n"
	"killed and the report of what ran is written, marked interrupted.\n"
	"\n"
	"nothing lost:\n"
	"      --resume DIR       finish the run in DIR (its journal.jsonl) after a crash,\n"
	"                         a kill or an interruption: the journaled results are\n"
	"                         kept, only the other cases run, and DIR's reports are\n"
	"                         written for the whole run. The plan (filters, kind,\n"
	"                         shard, member paths, timeout) comes from the journal;\n"
	"                         if the suite, spec or member files changed the plan,\n"
	"                         the resume is refused (exit 2). -j, -q, -v, -f, -C and\n"
	"                         the git options may be given again\n"
	"\n"
	"secrets: the values of the variables named in harness.yaml 'secrets' (and of\n"
	"git.token_env) are shown as *** in the console, the journal and every report.\n"
	"\n"
	"exit: 0 all passed or matched their expectation, 1 a case failed, errored or\n"
	"passed against its expectation (xpass), 2 usage or invalid files,\n"
	"3 harness error, 130 interrupted\n";
static char run_help[sizeof(run_help_1) + sizeof(run_help_2)];

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
	 "  members        ID ORG REF COMMIT IMPLEMENTS (REF: the git ref, or the local\n"
	 "                 path; COMMIT: what the ref resolves to in the git cache, 'not\n"
	 "                 fetched' (see 'harness fetch'), or 'local')\n"
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
	{"fetch", cmd_fetch, "fetch git members into the cache and check out their commits",
	 "usage: harness fetch [options] [MEMBER...]\n"
	 "\n"
	 "For each member (all, or those named; globs with * ? [..]) whose repository\n"
	 "is a git url: clone it into the cache or fetch it, resolve its ref (branch,\n"
	 "tag, full or abbreviated commit) to one commit, and make the clean tree of\n"
	 "that commit (with its subdir and, when the member asks, its submodules).\n"
	 "A full 40-hex ref already in the cache is not fetched again; a branch is\n"
	 "fetched every time. Members with a local path have nothing to fetch.\n"
	 "\n"
	 "One line per member: ID REF COMMIT WORKTREE and what happened: cloned\n"
	 "(first use), fetched (the cache was updated), cached (no network). A\n"
	 "member that fails is printed as an error and the others continue.\n"
	 "Allowed urls: https, file://, local paths; ssh only with 'git: {allow_ssh:\n"
	 "true}' in harness.yaml. An https token comes from the variable named by\n"
	 "'git: {token_env: NAME}'. Layout, locking and credentials: docs/git-members.md.\n"
	 "\n"
	 "options:\n"
	 "  -C, --project FILE   the project file (default: ./harness.yaml)\n"
	 "  --cache DIR          the cache directory (default: the project's 'cache',\n"
	 "                       else $XDG_CACHE_HOME/harness); repositories go in\n"
	 "                       DIR/git, trees in DIR/trees\n"
	 "  --offline            no network: use the cache only; a member that is not\n"
	 "                       cached fails, the others are checked out\n"
	 "\n"
	 "exit: 0 every member checked out, 2 usage error or invalid files,\n"
	 "3 a member could not be fetched or checked out\n"},
	{"run", cmd_run, "run suites against members and write reports", run_help},
	{"report", cmd_report, "render saved report.json files again (JUnit, TAP, Markdown, JSON)",
	 "usage: harness report RUN.json... --out DIR [--format LIST]\n"
	 "\n"
	 "Render each saved report.json again, from the JSON alone: the same bytes\n"
	 "'harness run' wrote, or a format it was not asked for. With one report the\n"
	 "files go into DIR; with several, into DIR/<run-id>/ each. File names are\n"
	 "those of 'harness run': junit.xml, report.tap, summary.md, report.json.\n"
	 "\n"
	 "options:\n"
	 "  -f, --format LIST    comma-separated: junit,tap,md,json (default: junit,tap,md);\n"
	 "                       json is the canonical dump. The HTML scorecard is\n"
	 "                       'harness scorecard'.\n"
	 "  -o, --out DIR        where to write; '-' writes one format of one report\n"
	 "                       to standard output\n"
	 "\n"
	 "exit: 0 written, 2 usage error or a file that is not a harness-report/1\n"
	 "report, 3 a file could not be written\n"},
	{"compare", cmd_compare, "compare two reports: the CI gate (exit 1 on a regression)",
	 "usage: harness compare [options] BASE.json HEAD.json\n"
	 "\n"
	 "Compare the report of a change (HEAD) with the report of its base (BASE),\n"
	 "per member: cases newly failing or newly passing, requirement outcomes\n"
	 "lost or gained (with their level), profiles that stopped or started\n"
	 "conforming, stale expectations (xpass in HEAD), cases added or removed.\n"
	 "Both reports are judged by the same rules (requirements and verdicts are\n"
	 "derived again from their results). Specs, suites or harness versions that\n"
	 "differ between the two are noted, not refused.\n"
	 "\n"
	 "A regression is: a case that passed (or xfail/skip) in BASE and fails or\n"
	 "errors in HEAD; a new case failing in HEAD; a new xpass; a removed case;\n"
	 "a requirement that passed in BASE and does not in HEAD; a claimed profile\n"
	 "that stopped conforming.\n"
	 "\n"
	 "options:\n"
	 "  -f, --format F       text (default), md (a PR comment or $GITHUB_STEP_SUMMARY)\n"
	 "                       or json (harness-compare/1)\n"
	 "  -o, --out FILE       write there instead of standard output\n"
	 "  -a, --allow RULE     accept some regressions (repeatable):\n"
	 "                         should     SHOULD requirements lost, and cases that\n"
	 "                                    cover only SHOULD (or allowed) requirements\n"
	 "                         may        the same for MAY\n"
	 "                         xpass      new stale expectations\n"
	 "                         removed    cases (requirements, profiles) removed\n"
	 "                         member:GLOB  everything of the matching members\n"
	 "\n"
	 "With GITHUB_ACTIONS=true, each regression is also written to standard\n"
	 "error as a GitHub Actions annotation (::error title=...::...), allowed ones\n"
	 "and stale expectations as ::warning.\n"
	 "\n"
	 "exit: 0 no regression (or all allowed), 1 a regression, 2 usage error or a\n"
	 "file that is not a harness-report/1 report, 3 output could not be written\n"},
	{"merge", cmd_merge, "merge the reports of 'run --shard I/N' into one report",
	 "usage: harness merge SHARD.json... -o run.json [--run-id ID]\n"
	 "\n"
	 "Combine the N reports of one plan run as 'harness run --shard I/N' (one per\n"
	 "CI job) into the report the whole run would have written: results in plan\n"
	 "order, requirements, verdicts and totals derived again.\n"
	 "\n"
	 "Refused, naming the field and the two files: shards that used a different\n"
	 "harness version, spec (version, sha256), suite (sha256), member (repository\n"
	 "commit or path, implements, expectations) or run options (filters, kind;\n"
	 "-j aside); a shard given twice or missing (all of 1..N, once each); a case\n"
	 "present in two shards, or in a shard it does not hash to.\n"
	 "\n"
	 "options:\n"
	 "  -o, --out FILE       the merged report.json ('-': standard output)\n"
	 "  -i, --run-id ID      run.id of the merged report (default: a new id)\n"
	 "\n"
	 "Then render it ('harness report') or gate on it ('harness compare').\n"
	 "exit: 0 merged, 2 usage error or shards refused, 3 the output could not be\n"
	 "written\n"},
	{"scorecard", cmd_scorecard, "render the HTML scorecard and badges from reports",
	 "usage: harness scorecard REPORT... --out DIR [options]\n"
	 "\n"
	 "Render a static HTML scorecard with SVG badges from one or more report.json\n"
	 "files written by 'harness run' (a REPORT may also be a run directory). With\n"
	 "several runs of a member, its page draws the requirements passing over time;\n"
	 "runs are ordered by run.started, and the latest run of a member is its state.\n"
	 "\n"
	 "  DIR/index.html                specs and members with their headline verdicts\n"
	 "  DIR/specs/SPEC.html           members x requirements, by profile and level\n"
	 "  DIR/members/MEMBER.html       commit, build, failing requirements and their\n"
	 "                                cases, expectations, history\n"
	 "  DIR/badges/MEMBER/SPEC.svg    badge: 'conformant: core' or 'MUST 31/33'\n"
	 "  DIR/badges/MEMBER/SPEC.json   the same as a shields.io endpoint document\n"
	 "\n"
	 "The pages load nothing from elsewhere and run no script: open DIR/index.html\n"
	 "from disk, or publish DIR as it is (e.g. on GitHub Pages).\n"
	 "\n"
	 "options:\n"
	 "  -o, --out DIR          where to write the site (required; created if missing)\n"
	 "      --title T          the site's title (default: 'Conformance scorecard')\n"
	 "      --reference MEMBER the reference implementation: listed first; the matrix\n"
	 "                         flags requirements it does not pass\n"
	 "\n"
	 "exit: 0 written, 2 usage error or a file that is not a report, 3 the site\n"
	 "could not be written\n"},
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
	memcpy(run_help, run_help_1, sizeof(run_help_1) - 1);
	memcpy(run_help + sizeof(run_help_1) - 1, run_help_2, sizeof(run_help_2));
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
