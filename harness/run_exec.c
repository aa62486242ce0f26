/* run_exec: the exec transport — one member process per case, judged on exit code and output. */
#include "harness/alloc.h"
#include "harness/sandbox.h"
#include "harness/strbuf.h"
#include "harness/units.h"
#include "harness/vars.h"
#include "run_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STDIN_FILE_MAX (64u << 20)

struct exec_job {
	struct run *r;
	size_t index;
	struct proc *proc;
	char *scratch;      /* per-case dir, or NULL when the case has no files */
	char *reproduce;
	const char **argv;  /* for the report */
	size_t argc;
	char **owned;       /* strings argv points to */
	size_t nowned, owned_cap;
};

/* shell_quote: append s quoted for a POSIX shell (only when needed). */
void run_shell_quote(struct strbuf *sb, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p)) {
			plain = false;
			break;
		}
	if (plain) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '\'');
}

static void job_free(struct exec_job *j)
{
	for (size_t i = 0; i < j->nowned; i++)
		free(j->owned[i]);
	free(j->owned);
	free(j->argv);
	free(j->scratch);
	free(j->reproduce);
	proc_free(j->proc);
	free(j);
}

/* rm_rf: remove a scratch tree we created (no symlinks followed). */
static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d))) {
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				char *sub = xasprintf("%s/%s", path, e->d_name);
				rm_rf(sub);
				free(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* read_suite_file: a file relative to the suite dir (the loader checked it stays inside). */
static int read_suite_file(const struct suite *s, const char *rel, struct strbuf *out, struct error *err)
{
	char *path = xasprintf("%s/%s", s->dir, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "cannot open '%s'", path);
		free(path);
		return -1;
	}
	strbuf_init(out, STDIN_FILE_MAX);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (!strbuf_add(out, buf, (size_t)n))
			break;
	int rc = 0;
	if (n < 0)
		rc = error_errno(err, "cannot read '%s'", path);
	else if (out->truncated)
		rc = error_set(err, ERROR_LIMIT, "'%s' is larger than the %u MiB limit", path,
			       STDIN_FILE_MAX >> 20);
	close(fd);
	free(path);
	return rc;
}

int run_write_file(const char *path, const char *data, size_t len, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_errno(err, "cannot create '%s'", path);
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return error_errno(err, "cannot write '%s'", path);
		}
		data += w;
		len -= (size_t)w;
	}
	return close(fd) < 0 ? error_errno(err, "cannot close '%s'", path) : 0;
}

/*
 * materialise: write the case's files into its scratch dir and bind
 * ${name} to each path; also ${scratch}, ${case}, ${suite_dir}.
 */
static int materialise(struct exec_job *j, const struct plan_item *it, struct vars *v, struct error *err)
{
	const struct testcase *tc = it->tc;
	vars_set_new(v, "case", json_string(tc->id));
	/* absolute: the member runs in its own working tree, not in the harness's cwd */
	char abs[PATH_MAX];
	vars_set_new(v, "suite_dir", json_string(realpath(it->suite->dir, abs) ? abs : it->suite->dir));
	for (size_t i = 0; i < it->suite->nvars; i++)
		vars_set_new(v, it->suite->vars[i].name, json_string(it->suite->vars[i].value));
	if (!tc->run.nfiles)
		return 0;
	j->scratch = xasprintf("%s/%s/%s/%zu", j->r->scratch, it->member->id, it->suite->id, it->index);
	/* member/suite levels may exist already */
	char *lvl1 = xasprintf("%s/%s", j->r->scratch, it->member->id);
	char *lvl2 = xasprintf("%s/%s", lvl1, it->suite->id);
	mkdir(lvl1, 0755);
	mkdir(lvl2, 0755);
	free(lvl1);
	free(lvl2);
	if (mkdir(j->scratch, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "cannot create '%s'", j->scratch);
	vars_set_new(v, "scratch", json_string(j->scratch));
	for (size_t i = 0; i < tc->run.nfiles; i++) {
		const struct exec_file *f = &tc->run.files[i];
		char *path = xasprintf("%s/%s", j->scratch, f->name);
		int rc;
		if (f->from) {
			struct strbuf sb;
			rc = read_suite_file(it->suite, f->from, &sb, err);
			if (rc == 0)
				rc = run_write_file(path, sb.buf, sb.len, err);
			strbuf_release(&sb);
		} else {
			rc = run_write_file(path, f->content ? f->content : "", f->len, err);
		}
		if (rc < 0) {
			free(path);
			return -1;
		}
		vars_set_new(v, f->name, json_string(path));
		free(path);
	}
	return 0;
}

/* expand: interpolate one template argument into an owned string. */
static int expand_arg(struct exec_job *j, const struct vars *v, const char *tmpl, const char **out,
		      struct error *err)
{
	json_t *val = NULL;
	if (vars_expand_string(&val, v, tmpl, strlen(tmpl), err) < 0)
		return -1;
	char *s;
	if (json_is_string(val)) {
		s = xstrdup(json_string_value(val));
	} else {
		struct strbuf sb = STRBUF_INIT;
		vars_add_json(&sb, val);
		s = strbuf_detach(&sb, NULL);
	}
	json_decref(val);
	XGROW(j->owned, j->owned_cap, j->nowned + 1);
	j->owned[j->nowned++] = s;
	*out = s;
	return 0;
}

/*
 * resolve_program: a relative program path with a '/' ("./bin/reader") is
 * taken from the member's working tree, so the case does not depend on cwd.
 */
static const char *resolve_program(struct exec_job *j, const char *worktree, const char *prog)
{
	if (prog[0] == '/' || !strchr(prog, '/'))
		return prog;
	while (prog[0] == '.' && prog[1] == '/')
		prog += 2;
	char *abs = xasprintf("%s/%s", worktree, prog);
	XGROW(j->owned, j->owned_cap, j->nowned + 1);
	j->owned[j->nowned++] = abs;
	return abs;
}

static void on_exec_done(struct proc *p, void *data)
{
	struct exec_job *j = data;
	struct run *r = j->r;
	const struct plan_item *it = &r->plan->items[j->index];
	struct proc_result res;
	proc_take_result(p, &res);

	json_t *details = json_object();
	json_t *argv = json_array();
	for (size_t i = 0; i < j->argc; i++)
		json_array_append_new(argv, json_string(j->argv[i]));
	json_object_set_new(details, "command", argv);
	json_object_set_new(details, "process", json_pack("{s:s, s:i, s:i, s:I, s:I, s:I, s:I}", "status",
							  proc_status_name(res.status), "exit", res.exit_code,
							  "signal", res.term_signal, "wall_us",
							  (json_int_t)(res.wall_ns / 1000), "user_us",
							  (json_int_t)(res.user_ns / 1000), "sys_us",
							  (json_int_t)(res.sys_ns / 1000), "max_rss_kb",
							  (json_int_t)res.max_rss_kb));

	enum outcome o;
	char *message = NULL;
	if (res.status == PROC_KILLED) {
		/* interrupted: the item did not really run */
		proc_result_release(&res);
		json_decref(details);
		goto out;
	}
	if (res.status == PROC_EXITED) {
		struct run_subject subj = {
			.has_exit = true,
			.exit_code = res.exit_code,
			.out = &res.out,
			.err = &res.err,
			.duration_ns = (int64_t)res.wall_ns,
		};
		o = run_judge(r, it, &it->tc->expect, &subj, details, &message);
	} else {
		o = OUTCOME_ERROR;
		if (res.status == PROC_TIMED_OUT) {
			char d[32];
			duration_format(run_case_timeout(r, it), d, sizeof(d));
			message = xasprintf("timed out after %s (%s)", d, res.message);
		} else {
			message = xasprintf("%s", res.message);
		}
		run_attach_output(details, &res.out, res.out_total, &res.err, res.err_total);
	}
	if (res.out.truncated && o == OUTCOME_FAIL) {
		char *m2 = xasprintf("%s (stdout was truncated at %zu of %llu bytes)", message, res.out.len,
				     (unsigned long long)res.out_total);
		free(message);
		message = m2;
	}
	run_finish(r, j->index, o, (int64_t)res.wall_ns, message, details, j->reproduce);
	free(message);
	/* keep the scratch files of a failing case: the reproduce command needs them */
	if (j->scratch && (o == OUTCOME_PASS || o == OUTCOME_XFAIL))
		rm_rf(j->scratch);
	proc_result_release(&res);
out:
	r->inflight--;
	job_free(j);
}

void run_exec_start(struct run *r, struct run_member *rm, size_t index)
{
	const struct plan_item *it = &r->plan->items[index];
	const struct command *cmd = &it->impl->exec;
	const struct exec_run *run = &it->tc->run;
	struct exec_job *j = xcalloc(1, sizeof(*j));
	j->r = r;
	j->index = index;
	struct error err = ERROR_INIT;
	struct vars v = VARS_INIT;
	struct strbuf stdin_buf = STRBUF_INIT;
	const char **env = NULL, **pass = NULL;
	int64_t t0 = clock_mono_ns();

	if (materialise(j, it, &v, &err) < 0)
		goto harness_error;

	/* argv: the member's command prefix, then the case's args */
	size_t cap = cmd->argc + run->nargs + 6;
	j->argv = xcalloc(cap, sizeof(*j->argv));
	if (cmd->shell) {
		/* sh -c 'PREFIX "$@"' sh ARGS... keeps the args out of the shell's parser */
		const char *script;
		if (expand_arg(j, &v, cmd->argv[0], &script, &err) < 0)
			goto harness_error;
		char *wrapped = xasprintf("%s \"$@\"", script);
		XGROW(j->owned, j->owned_cap, j->nowned + 1);
		j->owned[j->nowned++] = wrapped;
		j->argv[j->argc++] = "/bin/sh";
		j->argv[j->argc++] = "-c";
		j->argv[j->argc++] = wrapped;
		j->argv[j->argc++] = "sh";
	} else {
		for (size_t i = 0; i < cmd->argc; i++) {
			const char *a;
			if (expand_arg(j, &v, cmd->argv[i], &a, &err) < 0)
				goto harness_error;
			j->argv[j->argc++] = i == 0 ? resolve_program(j, rm->worktree, a) : a;
		}
	}
	for (size_t i = 0; i < run->nargs; i++) {
		const char *a;
		if (expand_arg(j, &v, run->args[i], &a, &err) < 0)
			goto case_error;
		j->argv[j->argc++] = a;
	}
	j->argv[j->argc] = NULL;

	if (run->stdin_file) {
		if (read_suite_file(it->suite, run->stdin_file, &stdin_buf, &err) < 0)
			goto harness_error;
	} else if (run->stdin_text) {
		strbuf_add(&stdin_buf, run->stdin_text, run->stdin_len);
	}

	/* environment: the member's command env, then the case's env */
	size_t nenv = cmd->nenv + run->nenv;
	env = xcalloc(nenv + 1, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < cmd->nenv; i++) {
		char *e = xasprintf("%s=%s", cmd->env[i].name, cmd->env[i].value);
		XGROW(j->owned, j->owned_cap, j->nowned + 1);
		j->owned[j->nowned++] = e;
		env[k++] = e;
	}
	for (size_t i = 0; i < run->nenv; i++) {
		const char *val;
		if (expand_arg(j, &v, run->env[i].value, &val, &err) < 0)
			goto case_error;
		char *e = xasprintf("%s=%s", run->env[i].name, val);
		XGROW(j->owned, j->owned_cap, j->nowned + 1);
		j->owned[j->nowned++] = e;
		env[k++] = e;
	}
	pass = xcalloc(cmd->npass_env + 1, sizeof(*pass));
	for (size_t i = 0; i < cmd->npass_env; i++)
		pass[i] = cmd->pass_env[i];

	const char *cwd = rm->worktree;
	char *cwd_owned = NULL;
	if (cmd->cwd)
		cwd = cwd_owned = xasprintf("%s/%s", rm->worktree, cmd->cwd);

	/* the command a person runs to see the same thing */
	struct strbuf rep = STRBUF_INIT;
	strbuf_addstr(&rep, "cd ");
	run_shell_quote(&rep, cwd);
	strbuf_addstr(&rep, " &&");
	for (size_t i = 0; i < k; i++) {
		strbuf_addch(&rep, ' ');
		run_shell_quote(&rep, env[i]);
	}
	for (size_t i = 0; i < j->argc; i++) {
		strbuf_addch(&rep, ' ');
		run_shell_quote(&rep, j->argv[i]);
	}
	if (run->stdin_file) {
		strbuf_addstr(&rep, " < ");
		char *p = xasprintf("%s/%s", it->suite->dir, run->stdin_file);
		run_shell_quote(&rep, p);
		free(p);
	} else if (run->stdin_text) {
		strbuf_addstr(&rep, " <<< ");
		char *t = xstrndup(run->stdin_text, run->stdin_len > 200 ? 200 : run->stdin_len);
		run_shell_quote(&rep, t);
		free(t);
	} else {
		strbuf_addstr(&rep, " < /dev/null");
	}
	j->reproduce = strbuf_detach(&rep, NULL);

	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = j->argv;
	spec.cwd = cwd;
	spec.env = env;
	spec.env_pass = pass;
	spec.stdin_data = stdin_buf.len ? stdin_buf.buf : NULL;
	spec.stdin_len = stdin_buf.len;
	spec.out.mode = PROC_CAPTURE_HEAD;
	spec.out.cap = run_output_cap(r);
	spec.err.mode = PROC_CAPTURE_HEAD;
	spec.err.cap = run_output_cap(r);
	run_limits(r, it->member, &spec.limits);
	spec.timeout_ns = (uint64_t)run_case_timeout(r, it);
	spec.on_done = on_exec_done;
	spec.data = j;
	char *scratch = r->scratch ? xasprintf("%s/%s", r->scratch, it->member->id) : NULL;
	struct sandbox_target st = {.kind = SANDBOX_KIND_EXEC, .tree = rm->worktree, .scratch = scratch,
				    .suite_dir = it->suite->dir};
	int rc = sandbox_proc_start(r->opts->sandbox, &st, &j->proc, r->loop, &spec, &err);
	free(scratch);
	free(cwd_owned);
	free(env);
	free(pass);
	strbuf_release(&stdin_buf);
	vars_release(&v);
	if (rc < 0) {
		run_finish(r, index, OUTCOME_HARNESS_ERROR, clock_mono_ns() - t0, err.message, NULL, NULL);
		job_free(j);
		return;
	}
	r->inflight++;
	return;

case_error:
	/* the case itself is wrong (an unknown ${var}): the member is not to blame */
	run_finish(r, index, OUTCOME_ERROR, clock_mono_ns() - t0, err.message, NULL, NULL);
	goto cleanup;
harness_error:
	run_finish(r, index, OUTCOME_HARNESS_ERROR, clock_mono_ns() - t0, err.message, NULL, NULL);
cleanup:
	free(env);
	free(pass);
	strbuf_release(&stdin_buf);
	vars_release(&v);
	job_free(j);
}
