/* yamlscan: bench/load.sh's baseline, a bare libyaml event scan (read, parse, delete) of files. */
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

static int scan(const char *path, unsigned long *events)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	/* read the whole file first, as the harness does, then parse from memory */
	size_t cap = 1 << 16, len = 0, n;
	unsigned char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, buf, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "%s:%zu:%zu: %s\n", path, p.problem_mark.line + 1,
				p.problem_mark.column + 1, p.problem ? p.problem : "error");
			rc = -1;
			break;
		}
		yaml_event_type_t t = ev.type;
		yaml_event_delete(&ev);
		++*events;
		if (t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long events = 0;
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: yamlscan [-v] FILE...\n");
		return 2;
	}
	int verbose = argv[1][0] == '-' && argv[1][1] == 'v';
	for (int i = 1 + verbose; i < argc; i++)
		if (scan(argv[i], &events) < 0)
			rc = 1;
	if (verbose)
		printf("%lu events\n", events);
	return rc;
}
