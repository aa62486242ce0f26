/* jsonl_member: a jsonl-protocol member for the run tests; each request's "op" picks a behaviour. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Speaks docs/protocol-jsonl.md on stdin/stdout. Requests are objects:
 *   {"op": "echo", "value": V}     -> {"value": V}
 *   {"op": "add", "a": 1, "b": 2}  -> {"sum": 3}
 *   {"op": "wrong", "value": V}    -> {"value": "wrong"}      (a conformance failure)
 *   {"op": "crash"}                -> dies of SIGSEGV
 *   {"op": "exit"}                 -> exits 3 without answering
 *   {"op": "hang"}                 -> never answers
 *   {"op": "garbage"}              -> prints a line that is not JSON
 *   {"op": "bad-seq"}              -> answers with the wrong seq
 *   {"op": "refuse"}               -> {"seq": N, "error": {"message": "refused"}}
 *   {"op": "stderr", "text": T}    -> writes T to stderr, then answers {"ok": true}
 * argv[1] == "no-ready" answers the start with ready: false;
 * argv[1] == "silent" never answers the start.
 */
int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	const char *mode = argc > 1 ? argv[1] : "";
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t je;
		json_t *msg = json_loadb(line, (size_t)n, 0, &je);
		const char *cmd = json_string_value(json_object_get(msg, "cmd"));
		if (!cmd) {
			fprintf(stderr, "jsonl_member: bad line: %s", line);
			json_decref(msg);
			continue;
		}
		if (!strcmp(cmd, "start")) {
			if (!strcmp(mode, "silent")) {
				json_decref(msg);
				continue;
			}
			printf("{\"ready\": %s, \"implementation\": {\"name\": \"jsonl-member\", \"version\": \"1.0\"}, "
			       "\"protocol\": 1}\n",
			       strcmp(mode, "no-ready") ? "true" : "false");
		} else if (!strcmp(cmd, "stop")) {
			json_decref(msg);
			break;
		} else if (!strcmp(cmd, "run")) {
			json_int_t seq = json_integer_value(json_object_get(msg, "seq"));
			json_t *req = json_object_get(msg, "request");
			const char *op = json_string_value(json_object_get(req, "op"));
			op = op ? op : "";
			json_t *resp = NULL;
			if (!strcmp(op, "echo")) {
				resp = json_pack("{s:O}", "value", json_object_get(req, "value"));
			} else if (!strcmp(op, "add")) {
				resp = json_pack("{s:I}", "sum",
						 json_integer_value(json_object_get(req, "a")) +
							 json_integer_value(json_object_get(req, "b")));
			} else if (!strcmp(op, "wrong")) {
				resp = json_pack("{s:s}", "value", "wrong");
			} else if (!strcmp(op, "crash")) {
				raise(SIGSEGV);
			} else if (!strcmp(op, "exit")) {
				exit(3);
			} else if (!strcmp(op, "hang")) {
				for (;;)
					pause();
			} else if (!strcmp(op, "garbage")) {
				printf("this is not json\n");
			} else if (!strcmp(op, "bad-seq")) {
				printf("{\"seq\": %lld, \"response\": {}}\n", (long long)seq + 100);
			} else if (!strcmp(op, "refuse")) {
				printf("{\"seq\": %lld, \"error\": {\"message\": \"refused\"}}\n", (long long)seq);
			} else if (!strcmp(op, "stderr")) {
				fprintf(stderr, "%s\n", json_string_value(json_object_get(req, "text")));
				resp = json_pack("{s:b}", "ok", 1);
			} else {
				resp = json_pack("{s:s}", "unknown_op", op);
			}
			if (resp) {
				json_t *out = json_pack("{s:I, s:o}", "seq", seq, "response", resp);
				char *s = json_dumps(out, JSON_COMPACT);
				printf("%s\n", s);
				free(s);
				json_decref(out);
			}
		}
		json_decref(msg);
	}
	free(line);
	return 0;
}
