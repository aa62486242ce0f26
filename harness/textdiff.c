/* textdiff: Myers line diff rendered as a unified diff, with bounds on time and output. */
#include "harness/textdiff.h"
#include "harness/alloc.h"
#include "harness/ident.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- bytes for display ---- */

void textdiff_add_escaped(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, lit = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = 1;
		if (c >= 0x80)
			k = utf8_decode(s + i, n - i, NULL);
		else if (c >= 0x20 && c != 0x7f)
			k = 1;
		else if (c == '\t')
			k = 1;
		else
			k = 0;
		if (k) {
			i += k;
			continue;
		}
		strbuf_add(sb, s + lit, i - lit);
		char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
		strbuf_add(sb, esc, 4);
		i++;
		lit = i;
	}
	strbuf_add(sb, s + lit, n - lit);
}

/* ---- lines ---- */

struct line {
	const char *p;
	size_t n;
	bool nl; /* ends with '\n' */
	uint64_t h;
};

static size_t split(const char *s, size_t n, struct line **out)
{
	struct line *v = NULL;
	size_t cnt = 0, cap = 0, i = 0;
	while (i < n) {
		const char *e = memchr(s + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (s + i)) : n - i;
		XGROW(v, cap, cnt + 1);
		uint64_t h = 1469598103934665603ULL; /* FNV-1a */
		for (size_t k = 0; k < len; k++)
			h = (h ^ (unsigned char)s[i + k]) * 1099511628211ULL;
		v[cnt++] = (struct line){s + i, len, e != NULL, h};
		i += len + (e ? 1 : 0);
	}
	*out = v;
	return cnt;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->h == b->h && a->n == b->n && a->nl == b->nl && !memcmp(a->p, b->p, a->n);
}

#define NOWHERE SIZE_MAX

/*
 * The furthest x reachable on diagonal k in round d from the previous
 * round's frontier pv (indexed pv[k + off]), keeping the path on the grid
 * [0,n] x [0,m]; *down tells whether it came by an insertion. NOWHERE if
 * neither neighbour leads onto the grid.
 */
static size_t step(const size_t *pv, ptrdiff_t off, ptrdiff_t d, ptrdiff_t k, size_t n, size_t m,
		   bool *down)
{
	size_t best = NOWHERE;
	if (k > -d && pv[k - 1 + off] != NOWHERE) { /* right: a deletion */
		size_t x = pv[k - 1 + off] + 1;
		ptrdiff_t y = (ptrdiff_t)x - k;
		if (x <= n && y >= 0 && (size_t)y <= m) {
			best = x;
			*down = false;
		}
	}
	if (k < d && pv[k + 1 + off] != NOWHERE) { /* down: an insertion */
		size_t x = pv[k + 1 + off];
		ptrdiff_t y = (ptrdiff_t)x - k;
		if (x <= n && y >= 0 && (size_t)y <= m && (best == NOWHERE || x >= best)) {
			best = x;
			*down = true;
		}
	}
	return best;
}

/*
 * Myers' O(ND) greedy search over a[0..n) and b[0..m), keeping each round's
 * frontier for the walk back. Marks del[i] / ins[j] for lines not in the
 * common subsequence. Returns false (marking nothing) past dmax edits.
 */
static bool myers(const struct line *a, size_t n, const struct line *b, size_t m, size_t dmax,
		  bool *del, bool *ins)
{
	size_t lim = n + m < dmax ? n + m : dmax;
	ptrdiff_t off = (ptrdiff_t)lim + 1; /* v[k + off] for k in [-(lim+1), lim+1] */
	size_t *v = xcalloc(2 * lim + 3, sizeof(*v));
	size_t **trace = xcalloc(lim + 1, sizeof(*trace));
	ptrdiff_t found = -1;
	for (ptrdiff_t d = 0; d <= (ptrdiff_t)lim && found < 0; d++) {
		for (ptrdiff_t k = -d; k <= d; k += 2) {
			bool down;
			size_t x = d == 0 ? 0 : step(v, off, d, k, n, m, &down);
			if (x != NOWHERE) {
				size_t y = x - (size_t)k; /* on the grid: step checked it */
				while (x < n && y < m && line_eq(&a[x], &b[y]))
					x++, y++;
				if (x == n && y == m)
					found = d;
			}
			v[k + off] = x;
		}
		trace[d] = xmalloc((size_t)(2 * d + 1) * sizeof(size_t));
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(size_t));
	}
	if (found >= 0) {
		ptrdiff_t x = (ptrdiff_t)n, y = (ptrdiff_t)m;
		for (ptrdiff_t d = found; d > 0; d--) {
			/* trace[d-1][k + d - 1] holds round d-1's frontier on diagonal k */
			const size_t *pv = trace[d - 1];
			ptrdiff_t k = x - y;
			bool down = false;
			step(pv, d - 1, d, k, n, m, &down);
			ptrdiff_t pk = down ? k + 1 : k - 1;
			ptrdiff_t px = (ptrdiff_t)pv[pk + d - 1], py = px - pk;
			if (down)
				ins[py] = true;
			else
				del[px] = true;
			x = px;
			y = py;
		}
	}
	for (size_t d = 0; d <= lim; d++)
		free(trace[d]);
	free(trace);
	free(v);
	return found >= 0;
}

/* ---- unified output ---- */

enum op_kind { OP_EQ, OP_DEL, OP_INS };

struct op {
	enum op_kind kind;
	size_t ai, bj; /* lines of a and b before this op */
};

struct out {
	struct strbuf *sb;
	const struct textdiff_opts *o;
	size_t shown, hidden;
};

/* room: true if one more diff line may be shown, else counts it as hidden. */
static bool room(struct out *w)
{
	if (w->o->max_lines && w->shown >= w->o->max_lines) {
		w->hidden++;
		return false;
	}
	w->shown++;
	return true;
}

static void emit_line(struct out *w, char mark, const struct line *l)
{
	if (!room(w))
		return;
	struct strbuf *out = w->sb;
	size_t cap = w->o->line_cap;
	strbuf_addch(out, mark);
	if (cap && l->n > cap) {
		/* cut on a character boundary */
		size_t i = 0;
		while (i < cap) {
			size_t k = utf8_decode(l->p + i, l->n - i, NULL);
			if (i + (k ? k : 1) > cap)
				break;
			i += k ? k : 1;
		}
		textdiff_add_escaped(out, l->p, i);
		strbuf_addf(out, "\xe2\x80\xa6(%zu more bytes)", l->n - i);
	} else {
		textdiff_add_escaped(out, l->p, l->n);
	}
	strbuf_addch(out, '\n');
	if (!l->nl)
		strbuf_addstr(out, "\\ No newline at end of file\n");
}

static void add_range(struct strbuf *out, char sign, size_t start, size_t count)
{
	/* GNU diff: an empty range names the line before it; a count of 1 is implied */
	if (count == 1)
		strbuf_addf(out, "%c%zu", sign, start + 1);
	else
		strbuf_addf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

bool textdiff_unified(struct strbuf *out, const char *a, size_t alen, const char *b, size_t blen,
		      const struct textdiff_opts *opts)
{
	struct textdiff_opts defaults = TEXTDIFF_OPTS_INIT;
	if (!opts)
		opts = &defaults;
	struct line *la, *lb;
	size_t n = split(a, alen, &la), m = split(b, blen, &lb);

	size_t pre = 0;
	while (pre < n && pre < m && line_eq(&la[pre], &lb[pre]))
		pre++;
	size_t suf = 0;
	while (suf < n - pre && suf < m - pre && line_eq(&la[n - 1 - suf], &lb[m - 1 - suf]))
		suf++;
	if (pre == n && pre == m) {
		free(la);
		free(lb);
		return false;
	}

	bool *del = xcalloc(n + 1, sizeof(bool)), *ins = xcalloc(m + 1, sizeof(bool));
	size_t mn = n - pre - suf, mm = m - pre - suf;
	if (!myers(la + pre, mn, lb + pre, mm, opts->max_edit, del + pre, ins + pre)) {
		for (size_t i = pre; i < pre + mn; i++)
			del[i] = true;
		for (size_t j = pre; j < pre + mm; j++)
			ins[j] = true;
	}

	/* the edit script: deletions before insertions within a change, like GNU diff */
	struct op *ops = xcalloc(n + m + 1, sizeof(*ops));
	size_t nops = 0, i = 0, j = 0;
	while (i < n || j < m) {
		if (i < n && del[i]) {
			ops[nops++] = (struct op){OP_DEL, i, j};
			i++;
		} else if (j < m && ins[j]) {
			ops[nops++] = (struct op){OP_INS, i, j};
			j++;
		} else {
			ops[nops++] = (struct op){OP_EQ, i, j};
			i++, j++;
		}
	}

	strbuf_addf(out, "--- %s\n+++ %s\n", opts->old_label ? opts->old_label : "expected",
		    opts->new_label ? opts->new_label : "actual");
	struct out w = {out, opts, 0, 0};
	size_t ctx = opts->context, k = 0;
	while (k < nops) {
		while (k < nops && ops[k].kind == OP_EQ)
			k++;
		if (k == nops)
			break;
		size_t start = k > ctx ? k - ctx : 0;
		/* extend over changes separated by at most 2*ctx equal lines */
		size_t last = k, e = k;
		while (e < nops) {
			if (ops[e].kind != OP_EQ) {
				last = e;
				e++;
				continue;
			}
			size_t run = e;
			while (run < nops && ops[run].kind == OP_EQ)
				run++;
			if (run == nops || run - e > 2 * ctx)
				break;
			e = run;
		}
		size_t end = last + 1 + ctx < nops ? last + 1 + ctx : nops;
		size_t ca = 0, cb = 0;
		for (size_t t = start; t < end; t++) {
			if (ops[t].kind != OP_INS)
				ca++;
			if (ops[t].kind != OP_DEL)
				cb++;
		}
		if (room(&w)) {
			strbuf_addstr(out, "@@ ");
			add_range(out, '-', ops[start].ai, ca);
			strbuf_addch(out, ' ');
			add_range(out, '+', ops[start].bj, cb);
			strbuf_addstr(out, " @@\n");
		}
		for (size_t t = start; t < end; t++) {
			const struct op *o = &ops[t];
			if (o->kind == OP_EQ)
				emit_line(&w, ' ', &la[o->ai]);
			else if (o->kind == OP_DEL)
				emit_line(&w, '-', &la[o->ai]);
			else
				emit_line(&w, '+', &lb[o->bj]);
		}
		k = end;
	}
	if (w.hidden)
		strbuf_addf(out, "\xe2\x80\xa6(%zu more diff lines)\n", w.hidden);

	free(ops);
	free(del);
	free(ins);
	free(la);
	free(lb);
	return true;
}
