/* run_judge: turning what a transport saw into a subject, and the matchers' verdicts into an outcome. */
#include "harness/alloc.h"
#include "harness/match.h"
#include "run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIDENCE_CAP 4096

static bool needs_doc(const struct expect *e)
{
	if (e->json)
		return true;
	for (size_t i = 0; i < e->nasserts; i++)
		if (e->asserts[i].query == QUERY_JSONPATH)
			return true;
	return false;
}

static json_t *capped_text(const struct strbuf *sb)
{
	size_t n = sb->len < EVIDENCE_CAP ? sb->len : EVIDENCE_CAP;
	/* jansson needs UTF-8: render invalid bytes visibly instead of dropping the evidence */
	json_t *s = json_stringn(sb->buf, n);
	if (!s) {
		struct strbuf r = STRBUF_INIT;
		match_render_text(&r, sb->buf, n, EVIDENCE_CAP);
		s = json_stringn(r.buf, r.len);
		strbuf_release(&r);
	}
	return s ? s : json_string("");
}

void run_attach_output(json_t *details, const struct strbuf *out, uint64_t out_total,
		       const struct strbuf *err, uint64_t err_total)
{
	if (out) {
		json_object_set_new(details, "stdout", capped_text(out));
		json_object_set_new(details, "stdout_bytes", json_integer((json_int_t)out_total));
	}
	if (err) {
		json_object_set_new(details, "stderr", capped_text(err));
		json_object_set_new(details, "stderr_bytes", json_integer((json_int_t)err_total));
	}
}

enum outcome run_judge(struct run *r, const struct plan_item *it, const struct expect *e,
		       const struct run_subject *rs, json_t *details, char **message)
{
	if (!r->matcher)
		r->matcher = matcher_new(NULL);
	struct subject s;
	subject_init(&s);
	s.has_exit = rs->has_exit;
	s.exit_code = rs->exit_code;
	if (rs->out)
		s.out = (struct subject_text){rs->out->buf, rs->out->len, true, rs->out->truncated};
	if (rs->err)
		s.err = (struct subject_text){rs->err->buf, rs->err->len, true, rs->err->truncated};
	s.duration_ns[SUBJECT_PHASE_TOTAL] = rs->duration_ns;
	json_t *parsed = NULL;
	char *doc_error = NULL;
	if (rs->doc) {
		s.doc = rs->doc;
	} else if (rs->out && needs_doc(e)) {
		json_error_t je;
		parsed = json_loadb(rs->out->buf, rs->out->len, JSON_DECODE_ANY, &je);
		if (parsed)
			s.doc = parsed;
		else
			s.doc_error = doc_error = xasprintf("stdout is not JSON: line %d column %d: %s",
							    je.line, je.column, je.text);
	}
	struct vars vars = VARS_INIT;
	for (size_t i = 0; i < it->suite->nvars; i++)
		vars_set_new(&vars, it->suite->vars[i].name, json_string(it->suite->vars[i].value));
	struct match_report mr = MATCH_REPORT_INIT;
	bool ok = match_expect(r->matcher, e, &s, &vars, &mr);
	enum outcome o = ok ? OUTCOME_PASS : OUTCOME_FAIL;
	if (!ok) {
		*message = match_report_message(&mr);
		json_t *d = match_report_details(&mr);
		json_object_set(details, "failures", json_object_get(d, "failures"));
		json_decref(d);
		if (rs->out || rs->err)
			run_attach_output(details, rs->out, rs->out ? rs->out->len : 0, rs->err,
					  rs->err ? rs->err->len : 0);
	} else {
		*message = NULL;
	}
	json_object_set_new(details, "checks", json_integer((json_int_t)mr.n));
	match_report_release(&mr);
	vars_release(&vars);
	json_decref(parsed);
	free(doc_error);
	return o;
}
