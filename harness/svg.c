/* svg: inline SVG drawn by hand: text, lines, bars, axes and small charts, every string escaped. */
#include "harness/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

#define FONT_FAMILY "Verdana,Geneva,DejaVu Sans,sans-serif"
#define AXIS_COLOR "#6b7280"
#define GRID_COLOR "#e5e7eb"
#define LABEL_COLOR "#374151"

/*
 * Advance widths of ASCII 32..126 in Verdana at 11 px, in tenths of a pixel
 * (the font's advance widths scaled to 11 px and rounded). Badge layouts in
 * the shields.io style are computed from the same font metrics.
 */
/* clang-format off */
static const unsigned char ascii_width_11px[95] = {
	/* space ! " # $ % & ' ( ) * + , - . / */
	39, 43, 50, 90, 70, 118, 80, 30, 50, 50, 70, 90, 40, 50, 40, 50,
	/* 0-9 */
	70, 70, 70, 70, 70, 70, 70, 70, 70, 70,
	/* : ; < = > ? @ */
	50, 50, 90, 90, 90, 60, 110,
	/* A-Z */
	75, 75, 77, 85, 70, 63, 85, 83, 46, 50, 76, 61, 93,
	82, 87, 66, 87, 76, 75, 68, 81, 75, 109, 75, 68, 75,
	/* [ \ ] ^ _ ` */
	50, 50, 50, 90, 70, 70,
	/* a-z */
	66, 69, 57, 69, 66, 39, 69, 70, 30, 38, 65, 30, 107,
	70, 67, 69, 69, 47, 57, 43, 70, 65, 90, 65, 65, 58,
	/* { | } ~ */
	70, 50, 70, 90,
};
/* clang-format on */

#define OTHER_WIDTH 75 /* a non-ASCII letter: about a capital */
#define WIDE_WIDTH 110 /* East Asian wide and emoji: a full em */

/* utf8_next: length of the well-formed sequence at s (n bytes left) and its code point, or 0. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
	       (cp >= 0x20000 && cp <= 0x3FFFD);
}

double svg_text_width(const char *s, size_t n, double font_px)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long tenths = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t len = utf8_next(p + i, n - i, &cp);
		if (!len) {
			tenths += OTHER_WIDTH;
			i++;
			continue;
		}
		if (cp >= 32 && cp <= 126)
			tenths += ascii_width_11px[cp - 32];
		else if (cp < 32 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200B || cp == 0x2060 ||
			 (cp >= 0x300 && cp <= 0x36F))
			; /* controls, zero-width and combining marks take no room */
		else
			tenths += is_wide(cp) ? WIDE_WIDTH : OTHER_WIDTH;
		i += len;
	}
	return (double)tenths / 10.0 * font_px / 11.0;
}

void svg_num(struct strbuf *sb, double v)
{
	if (!isfinite(v))
		v = 0;
	long long hundredths = llround(v * 100.0);
	if (hundredths < 0) {
		strbuf_addch(sb, '-');
		hundredths = -hundredths;
	}
	strbuf_addf(sb, "%lld", hundredths / 100);
	int frac = (int)(hundredths % 100);
	if (frac % 10)
		strbuf_addf(sb, ".%02d", frac);
	else if (frac)
		strbuf_addf(sb, ".%d", frac / 10);
}

void svg_escape(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_add_xml(sb, s, n);
}

static void escz(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_add_xml(sb, s, strlen(s));
}

/* attr: appends ` name="value"` with value escaped. */
static void attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, " %s=\"", name);
	escz(sb, value);
	strbuf_addch(sb, '"');
}

static void attr_num(struct strbuf *sb, const char *name, double v)
{
	strbuf_addf(sb, " %s=\"", name);
	svg_num(sb, v);
	strbuf_addch(sb, '"');
}

void svg_open(struct strbuf *sb, double width, double height, const char *title)
{
	strbuf_addstr(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	attr_num(sb, "width", width);
	attr_num(sb, "height", height);
	strbuf_addstr(sb, " viewBox=\"0 0 ");
	svg_num(sb, width);
	strbuf_addch(sb, ' ');
	svg_num(sb, height);
	strbuf_addstr(sb, "\" role=\"img\"");
	if (title)
		attr(sb, "aria-label", title);
	strbuf_addstr(sb, " font-family=\"" FONT_FAMILY "\">");
	if (title) {
		strbuf_addstr(sb, "<title>");
		escz(sb, title);
		strbuf_addstr(sb, "</title>");
	}
}

void svg_close(struct strbuf *sb)
{
	strbuf_addstr(sb, "</svg>");
}

void svg_line(struct strbuf *sb, double x1, double y1, double x2, double y2, const char *stroke,
	      double width)
{
	strbuf_addstr(sb, "<line");
	attr_num(sb, "x1", x1);
	attr_num(sb, "y1", y1);
	attr_num(sb, "x2", x2);
	attr_num(sb, "y2", y2);
	attr(sb, "stroke", stroke);
	attr_num(sb, "stroke-width", width);
	strbuf_addstr(sb, "/>");
}

void svg_dashed(struct strbuf *sb, double x1, double y1, double x2, double y2, const char *stroke)
{
	strbuf_addstr(sb, "<line");
	attr_num(sb, "x1", x1);
	attr_num(sb, "y1", y1);
	attr_num(sb, "x2", x2);
	attr_num(sb, "y2", y2);
	attr(sb, "stroke", stroke);
	strbuf_addstr(sb, " stroke-width=\"1\" stroke-dasharray=\"3 3\"/>");
}

void svg_rect(struct strbuf *sb, double x, double y, double w, double h, double rx,
	      const char *fill)
{
	strbuf_addstr(sb, "<rect");
	attr_num(sb, "x", x);
	attr_num(sb, "y", y);
	attr_num(sb, "width", w < 0 ? 0 : w);
	attr_num(sb, "height", h < 0 ? 0 : h);
	if (rx > 0)
		attr_num(sb, "rx", rx);
	attr(sb, "fill", fill);
	strbuf_addstr(sb, "/>");
}

void svg_circle(struct strbuf *sb, double cx, double cy, double r, const char *fill)
{
	strbuf_addstr(sb, "<circle");
	attr_num(sb, "cx", cx);
	attr_num(sb, "cy", cy);
	attr_num(sb, "r", r);
	attr(sb, "fill", fill);
	strbuf_addstr(sb, "/>");
}

void svg_polyline(struct strbuf *sb, const double *xs, const double *ys, size_t n,
		  const char *stroke, double width)
{
	if (n < 2)
		return;
	strbuf_addstr(sb, "<polyline fill=\"none\" stroke-linejoin=\"round\"");
	attr(sb, "stroke", stroke);
	attr_num(sb, "stroke-width", width);
	strbuf_addstr(sb, " points=\"");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		svg_num(sb, xs[i]);
		strbuf_addch(sb, ',');
		svg_num(sb, ys[i]);
	}
	strbuf_addstr(sb, "\"/>");
}

void svg_text(struct strbuf *sb, double x, double y, enum svg_anchor anchor, double font_px,
	      const char *fill, bool bold, const char *s, size_t n)
{
	static const char *const anchors[] = {"start", "middle", "end"};
	strbuf_addstr(sb, "<text");
	attr_num(sb, "x", x);
	attr_num(sb, "y", y);
	attr_num(sb, "font-size", font_px);
	if (anchor != SVG_START)
		attr(sb, "text-anchor", anchors[anchor]);
	if (fill)
		attr(sb, "fill", fill);
	if (bold)
		strbuf_addstr(sb, " font-weight=\"bold\"");
	strbuf_addch(sb, '>');
	svg_escape(sb, s, n);
	strbuf_addstr(sb, "</text>");
}

void svg_textz(struct strbuf *sb, double x, double y, enum svg_anchor anchor, double font_px,
	       const char *fill, bool bold, const char *s)
{
	svg_text(sb, x, y, anchor, font_px, fill, bold, s ? s : "", s ? strlen(s) : 0);
}

double svg_nice_step(double max, unsigned ticks)
{
	if (!(max > 0) || !isfinite(max))
		return 1;
	if (!ticks)
		ticks = 1;
	double raw = max / ticks;
	double mag = pow(10, floor(log10(raw)));
	static const double mults[] = {1, 2, 5, 10};
	for (size_t i = 0; i < sizeof(mults) / sizeof(mults[0]); i++)
		if (mults[i] * mag >= raw)
			return mults[i] * mag;
	return 10 * mag;
}

/* ---- charts ---- */

#define TICK_PX 11.0 /* axis label font */
#define LEGEND_ROW 16.0

/* The plot area of a chart, in drawing coordinates. */
struct plot {
	double left, top, right, bottom;
	double y_max, step;
};

static double series_max(const struct svg_series *series, size_t nseries)
{
	double m = 0;
	for (size_t s = 0; s < nseries; s++)
		for (size_t i = 0; i < series[s].n; i++)
			if (isfinite(series[s].values[i]) && series[s].values[i] > m)
				m = series[s].values[i];
	return m;
}

static size_t legend_rows(const struct svg_series *series, size_t nseries, double avail)
{
	size_t rows = 1;
	double x = 0;
	for (size_t s = 0; s < nseries; s++) {
		const char *name = series[s].name ? series[s].name : "";
		double w = 18 + svg_text_width(name, strlen(name), TICK_PX) + 16;
		if (x > 0 && x + w > avail) {
			rows++;
			x = 0;
		}
		x += w;
	}
	return rows;
}

/* The legend: a swatch and a name per series, from (left, y) on, wrapped at width. */
static void draw_legend(struct strbuf *sb, const struct svg_series *series, size_t nseries,
			double left, double y, double width)
{
	double x = left;
	for (size_t s = 0; s < nseries; s++) {
		const char *name = series[s].name ? series[s].name : "";
		size_t n = strlen(name);
		double w = 18 + svg_text_width(name, n, TICK_PX) + 16;
		if (x > left && x + w > width) {
			x = left;
			y += LEGEND_ROW;
		}
		svg_rect(sb, x, y - 9, 12, 10, 2, series[s].color);
		svg_text(sb, x + 16, y, SVG_START, TICK_PX, LABEL_COLOR, false, name, n);
		x += w;
	}
}

/* The number text of tick value v. */
static void tick_text(struct strbuf *sb, double v)
{
	strbuf_reset(sb);
	svg_num(sb, v);
}

/* Axes, ticks, grid, x labels and legend; returns the plot area. */
static struct plot chart_frame(struct strbuf *sb, const struct svg_chart *c,
			       const struct svg_series *series, size_t nseries, bool legend)
{
	struct plot p;
	p.y_max = c->y_max > 0 ? c->y_max : series_max(series, nseries);
	p.step = svg_nice_step(p.y_max, 5);
	if (c->y_integer && p.step < 1)
		p.step = 1;
	if (p.y_max <= 0)
		p.y_max = p.step;
	p.y_max = ceil(p.y_max / p.step - 1e-9) * p.step;

	struct strbuf t = STRBUF_INIT;
	tick_text(&t, p.y_max);
	double ylab_w = svg_text_width(t.buf, t.len, TICK_PX);
	p.left = (c->y_label ? 22 : 6) + ylab_w + 8;
	p.right = c->width - 12;
	p.top = 12;
	size_t rows = legend ? legend_rows(series, nseries, c->width - p.left) : 0;
	p.bottom = c->height - 24 - (legend ? rows * LEGEND_ROW + 6 : 0);
	if (p.bottom < p.top + 20)
		p.bottom = p.top + 20;

	/* y ticks and grid */
	for (double v = 0; v <= p.y_max + 1e-9; v += p.step) {
		double y = p.bottom - (p.bottom - p.top) * (v / p.y_max);
		if (v > 0)
			svg_dashed(sb, p.left, y, p.right, y, GRID_COLOR);
		tick_text(&t, v);
		svg_text(sb, p.left - 6, y + 4, SVG_END, TICK_PX, LABEL_COLOR, false, t.buf, t.len);
	}
	if (c->y_label) {
		double cy = (p.top + p.bottom) / 2;
		strbuf_addstr(sb, "<g transform=\"translate(12 ");
		svg_num(sb, cy);
		strbuf_addstr(sb, ") rotate(-90)\">");
		svg_textz(sb, 0, 0, SVG_MIDDLE, TICK_PX, LABEL_COLOR, false, c->y_label);
		strbuf_addstr(sb, "</g>");
	}
	/* axes */
	svg_line(sb, p.left, p.top, p.left, p.bottom, AXIS_COLOR, 1);
	svg_line(sb, p.left, p.bottom, p.right, p.bottom, AXIS_COLOR, 1);

	/* legend below the x labels */
	if (legend)
		draw_legend(sb, series, nseries, p.left, p.bottom + 24 + LEGEND_ROW, c->width);
	strbuf_release(&t);
	return p;
}

/* x labels under the slots of a categorical axis, thinned so they do not overlap. */
static void x_labels(struct strbuf *sb, const struct svg_chart *c, const struct plot *p,
		     double slot, double first_x)
{
	double widest = 0;
	for (size_t i = 0; i < c->nlabels; i++) {
		const char *l = c->labels[i] ? c->labels[i] : "";
		double w = svg_text_width(l, strlen(l), TICK_PX);
		if (w > widest)
			widest = w;
	}
	size_t every = 1;
	while (slot > 0 && every < c->nlabels && slot * every < widest + 8)
		every++;
	for (size_t i = 0; i < c->nlabels; i += every) {
		double x = first_x + slot * i;
		svg_line(sb, x, p->bottom, x, p->bottom + 4, AXIS_COLOR, 1);
		svg_textz(sb, x, p->bottom + 17, SVG_MIDDLE, TICK_PX, LABEL_COLOR, false,
			  c->labels[i] ? c->labels[i] : "");
	}
}

static double y_of(const struct plot *p, double v)
{
	return p->bottom - (p->bottom - p->top) * (v / p->y_max);
}

void svg_line_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_series *series,
		    size_t nseries)
{
	svg_open(sb, c->width, c->height, c->title);
	struct plot p = chart_frame(sb, c, series, nseries, nseries > 1);
	size_t n = c->nlabels;
	/* the outer points keep half a label of room, so the end labels are not cut */
	double inner = 10;
	for (size_t i = 0; i < n; i++) {
		const char *l = c->labels[i] ? c->labels[i] : "";
		double half = svg_text_width(l, strlen(l), TICK_PX) / 2 + 2;
		if ((i == 0 || i == n - 1) && half > inner)
			inner = half;
	}
	double slot = n > 1 ? (p.right - p.left - 2 * inner) / (double)(n - 1) : 0;
	double first = n > 1 ? p.left + inner : (p.left + p.right) / 2;
	x_labels(sb, c, &p, slot, first);

	double *xs = xcalloc(n + 1, sizeof(double));
	double *ys = xcalloc(n + 1, sizeof(double));
	for (size_t s = 0; s < nseries; s++) {
		const struct svg_series *se = &series[s];
		size_t run = 0;
		size_t count = se->n < n ? se->n : n;
		for (size_t i = 0; i <= count; i++) {
			double v = i < count ? se->values[i] : NAN;
			if (isfinite(v)) {
				xs[run] = first + slot * i;
				ys[run] = y_of(&p, v > p.y_max ? p.y_max : v < 0 ? 0 : v);
				run++;
				continue;
			}
			svg_polyline(sb, xs, ys, run, se->color, 2);
			run = 0;
		}
		for (size_t i = 0; i < count; i++) {
			double v = se->values[i];
			if (isfinite(v))
				svg_circle(sb, first + slot * i,
					   y_of(&p, v > p.y_max ? p.y_max
						    : v < 0	? 0
								: v),
					   3, se->color);
		}
	}
	free(xs);
	free(ys);
	svg_close(sb);
}

void svg_bar_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_series *series,
		   size_t nseries)
{
	svg_open(sb, c->width, c->height, c->title);
	struct plot p = chart_frame(sb, c, series, nseries, nseries > 0);
	size_t n = c->nlabels ? c->nlabels : 1;
	double slot = (p.right - p.left) / (double)n;
	x_labels(sb, c, &p, slot, p.left + slot / 2);
	double group = slot * 0.8;
	double bar = nseries ? group / (double)nseries : group;
	for (size_t i = 0; i < c->nlabels; i++) {
		double x0 = p.left + slot * i + (slot - group) / 2;
		for (size_t s = 0; s < nseries; s++) {
			if (i >= series[s].n || !isfinite(series[s].values[i]))
				continue;
			double v = series[s].values[i];
			v = v > p.y_max ? p.y_max : v < 0 ? 0 : v;
			double y = y_of(&p, v);
			svg_rect(sb, x0 + bar * s + 1, y, bar - 2, p.bottom - y, 0,
				 series[s].color);
		}
	}
	svg_close(sb);
}

/* ---- xy charts ---- */

#define XY_TICKS_MAX 16

/* An axis's ticks: the caller's, or nice steps over [min, max] (max rounded up to a step). */
struct ticks {
	double min, max;
	double at[XY_TICKS_MAX];
	char text[XY_TICKS_MAX][32];
	size_t n;
};

static void axis_ticks(struct ticks *t, const struct svg_axis *a, double data_max)
{
	t->n = 0;
	t->min = a->min;
	t->max = a->max > a->min ? a->max : data_max;
	if (a->ticks && a->nticks) {
		for (size_t i = 0; i < a->nticks && t->n < XY_TICKS_MAX; i++) {
			t->at[t->n] = a->ticks[i];
			snprintf(t->text[t->n], sizeof(t->text[0]), "%s",
				 a->tick_labels && a->tick_labels[i] ? a->tick_labels[i] : "");
			t->n++;
		}
		if (!(t->max > t->min))
			t->max = t->min + 1;
		return;
	}
	double step = svg_nice_step(t->max - t->min, 5);
	if (!(t->max > t->min))
		t->max = t->min + step;
	if (!(a->max > a->min))
		t->max = t->min + ceil((t->max - t->min) / step - 1e-9) * step;
	struct strbuf sb = STRBUF_INIT;
	for (double v = t->min; v <= t->max + step * 1e-9 && t->n < XY_TICKS_MAX; v += step) {
		strbuf_reset(&sb);
		svg_num(&sb, v);
		t->at[t->n] = v;
		snprintf(t->text[t->n], sizeof(t->text[0]), "%s", sb.buf);
		t->n++;
	}
	strbuf_release(&sb);
}

static double scale(double v, double min, double max, double from, double to)
{
	if (!(v >= min))
		v = min;
	if (!(v <= max))
		v = max;
	return from + (to - from) * (v - min) / (max - min);
}

void svg_xy_chart(struct strbuf *sb, const struct svg_xy_chart *c,
		  const struct svg_xy_series *series, size_t nseries)
{
	double xmax = 0, ymax = 0;
	for (size_t s = 0; s < nseries; s++)
		for (size_t i = 0; i < series[s].n; i++) {
			if (isfinite(series[s].xs[i]) && series[s].xs[i] > xmax)
				xmax = series[s].xs[i];
			if (isfinite(series[s].ys[i]) && series[s].ys[i] > ymax)
				ymax = series[s].ys[i];
		}
	struct ticks tx, ty;
	axis_ticks(&tx, &c->x, xmax);
	axis_ticks(&ty, &c->y, ymax);

	/* the legend reuses the bar and line charts' layout */
	struct svg_series *legend = xcalloc(nseries + 1, sizeof(*legend));
	for (size_t s = 0; s < nseries; s++)
		legend[s] = (struct svg_series){series[s].name, series[s].color, NULL, 0};

	svg_open(sb, c->width, c->height, c->title);
	double widest = 0;
	for (size_t i = 0; i < ty.n; i++) {
		double w = svg_text_width(ty.text[i], strlen(ty.text[i]), TICK_PX);
		if (w > widest)
			widest = w;
	}
	struct plot p;
	p.left = (c->y.label ? 22 : 6) + widest + 8;
	/* room for half of the last x label */
	const char *last = tx.n ? tx.text[tx.n - 1] : "";
	p.right = c->width - 8 - svg_text_width(last, strlen(last), TICK_PX) / 2;
	p.top = 12;
	size_t rows = nseries ? legend_rows(legend, nseries, c->width - p.left) : 0;
	double xlabel = c->x.label ? 16 : 0;
	p.bottom = c->height - 24 - xlabel - (nseries ? rows * LEGEND_ROW + 6 : 0);
	if (p.bottom < p.top + 20)
		p.bottom = p.top + 20;

	for (size_t i = 0; i < ty.n; i++) {
		double y = scale(ty.at[i], ty.min, ty.max, p.bottom, p.top);
		if (ty.at[i] > ty.min)
			svg_dashed(sb, p.left, y, p.right, y, GRID_COLOR);
		svg_textz(sb, p.left - 6, y + 4, SVG_END, TICK_PX, LABEL_COLOR, false, ty.text[i]);
	}
	for (size_t i = 0; i < tx.n; i++) {
		double x = scale(tx.at[i], tx.min, tx.max, p.left, p.right);
		if (tx.at[i] > tx.min)
			svg_dashed(sb, x, p.top, x, p.bottom, GRID_COLOR);
		svg_line(sb, x, p.bottom, x, p.bottom + 4, AXIS_COLOR, 1);
		svg_textz(sb, x, p.bottom + 17, SVG_MIDDLE, TICK_PX, LABEL_COLOR, false,
			  tx.text[i]);
	}
	if (c->y.label) {
		strbuf_addstr(sb, "<g transform=\"translate(12 ");
		svg_num(sb, (p.top + p.bottom) / 2);
		strbuf_addstr(sb, ") rotate(-90)\">");
		svg_textz(sb, 0, 0, SVG_MIDDLE, TICK_PX, LABEL_COLOR, false, c->y.label);
		strbuf_addstr(sb, "</g>");
	}
	if (c->x.label)
		svg_textz(sb, (p.left + p.right) / 2, p.bottom + 33, SVG_MIDDLE, TICK_PX,
			  LABEL_COLOR, false, c->x.label);
	svg_line(sb, p.left, p.top, p.left, p.bottom, AXIS_COLOR, 1);
	svg_line(sb, p.left, p.bottom, p.right, p.bottom, AXIS_COLOR, 1);

	double *xs = xcalloc(1, sizeof(double)), *ys = xcalloc(1, sizeof(double));
	size_t cap = 1;
	for (size_t s = 0; s < nseries; s++) {
		const struct svg_xy_series *se = &series[s];
		if (se->n > cap) {
			cap = se->n;
			xs = xrealloc(xs, cap * sizeof(double));
			ys = xrealloc(ys, cap * sizeof(double));
		}
		size_t k = 0, solid = 0;
		for (size_t i = 0; i < se->n; i++) {
			if (!isfinite(se->xs[i]) || !isfinite(se->ys[i]))
				continue;
			xs[k] = scale(se->xs[i], tx.min, tx.max, p.left, p.right);
			ys[k] = scale(se->ys[i], ty.min, ty.max, p.bottom, p.top);
			k++;
			if (i < se->solid)
				solid = k;
		}
		strbuf_addstr(sb, "<g class=\"series\">");
		if (solid < k) {
			/* the part that is not to be trusted: dashed, joined to the solid part */
			size_t from = solid ? solid - 1 : 0;
			strbuf_addstr(sb, "<g stroke-dasharray=\"4 3\" opacity=\"0.7\">");
			svg_polyline(sb, xs + from, ys + from, k - from, se->color, 2);
			strbuf_addstr(sb, "</g>");
		}
		svg_polyline(sb, xs, ys, solid, se->color, 2);
		if (k == 1)
			svg_circle(sb, xs[0], ys[0], 3, se->color);
		strbuf_addstr(sb, "</g>");
	}
	free(xs);
	free(ys);
	if (nseries)
		draw_legend(sb, legend, nseries, p.left, p.bottom + 24 + xlabel + LEGEND_ROW,
			    c->width);
	free(legend);
	svg_close(sb);
}
