/* svg: inline SVG drawn by hand: text, lines, bars, axes and small charts, every string escaped. */
#ifndef HARNESS_SVG_H
#define HARNESS_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/strbuf.h"

/*
 * Everything here appends SVG markup to a strbuf and cannot fail. Every
 * string argument (text, titles, class names, colors) is escaped for XML text
 * and attributes, so a caller may pass strings that came from a report.
 * Numbers are written with at most two decimals and no locale, so the same
 * call gives the same bytes everywhere.
 *
 * A drawing:
 *   svg_open(&sb, 480, 200, "Requirements passing over time");
 *   svg_line(&sb, x1, y1, x2, y2, "#888", 1);  svg_text(&sb, ...);  ...
 *   svg_close(&sb);
 * svg_open writes <svg xmlns=... viewBox width height role="img"
 * aria-label> and a <title>: the result stands alone (a .svg file) and
 * inline in HTML alike. Nothing refers to ids, so several drawings can sit
 * in one page.
 *
 * Or a whole chart: fill a struct svg_chart and call svg_line_chart or
 * svg_bar_chart, which draw the axes, ticks, labels and a legend.
 */

/* Horizontal alignment of text at its x: start, middle, end. */
enum svg_anchor { SVG_START, SVG_MIDDLE, SVG_END };

/*
 * svg_text_width: the estimated width in pixels of UTF-8 text s (n bytes)
 * set in Verdana (the badge font; DejaVu Sans is close) at font_px, from a
 * per-character width table for ASCII. Other characters count as a wide
 * Latin letter, East Asian wide ones as a full em. Invalid bytes count as one
 * replacement character each.
 */
double svg_text_width(const char *s, size_t n, double font_px);

/* svg_num: appends v with at most two decimals, trailing zeros dropped ("12", "12.5", "-0.25"). */
void svg_num(struct strbuf *sb, double v);
/* svg_escape: appends s (n bytes) escaped for XML text and attribute values. */
void svg_escape(struct strbuf *sb, const char *s, size_t n);

/* svg_open: the <svg> element of width x height px and its <title> (title may be NULL). */
void svg_open(struct strbuf *sb, double width, double height, const char *title);
void svg_close(struct strbuf *sb);
/* svg_line: a line of the given stroke color and width. */
void svg_line(struct strbuf *sb, double x1, double y1, double x2, double y2, const char *stroke,
	      double width);
/* svg_dashed: like svg_line, dashed (grid lines). */
void svg_dashed(struct strbuf *sb, double x1, double y1, double x2, double y2, const char *stroke);
/* svg_rect: a filled rectangle with corner radius rx (0 for square). */
void svg_rect(struct strbuf *sb, double x, double y, double w, double h, double rx,
	      const char *fill);
/* svg_circle: a filled dot. */
void svg_circle(struct strbuf *sb, double cx, double cy, double r, const char *fill);
/*
 * svg_polyline: an open line through n points (n >= 2; fewer draws
 * nothing) with the given stroke.
 */
void svg_polyline(struct strbuf *sb, const double *xs, const double *ys, size_t n,
		  const char *stroke, double width);
/*
 * svg_text: text s (n bytes) at (x, y baseline) in font_px, filled with
 * fill (NULL: inherit), aligned by anchor; bold when bold is set.
 */
void svg_text(struct strbuf *sb, double x, double y, enum svg_anchor anchor, double font_px,
	      const char *fill, bool bold, const char *s, size_t n);
/* svg_textz: svg_text of a NUL-terminated string. */
void svg_textz(struct strbuf *sb, double x, double y, enum svg_anchor anchor, double font_px,
	       const char *fill, bool bold, const char *s);

/*
 * svg_nice_step: a tick step from 1, 2 or 5 x 10^k such that [0, max]
 * holds at most ticks steps (ticks >= 1); max <= 0 gives 1.
 */
double svg_nice_step(double max, unsigned ticks);

/* One data series of a chart: n values, NaN for "no value here" (a gap in a line). */
struct svg_series {
	const char *name;  /* legend text (may come from a report) */
	const char *color; /* stroke or fill, e.g. "#2b6cb0" */
	const double *values;
	size_t n;
};

/*
 * A chart: x is categorical (labels[0..nlabels), e.g. run dates), y runs from
 * 0 to y_max (y_max <= 0: the largest value, rounded up to a tick). The plot
 * area is the drawing minus margins for the axis labels and the legend
 * (drawn below the x axis when there is more than one series, or always
 * for a bar chart with named series).
 */
struct svg_chart {
	double width, height;
	const char *title;   /* the <title> and the aria-label */
	const char *y_label; /* written along the y axis (may be NULL) */
	const char *const *labels;
	size_t nlabels;
	double y_max;
	bool y_integer; /* ticks only at whole numbers */
};

/*
 * svg_line_chart: axes, y ticks with dashed grid lines, x labels (thinned
 * out so they do not overlap), one polyline per series with a dot per value,
 * and a legend. Series values are indexed like labels; missing (NaN) values
 * break the line.
 */
void svg_line_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_series *series,
		    size_t nseries);
/*
 * svg_bar_chart: grouped vertical bars, one group per label and one bar per
 * series in it, with axes, ticks and a legend. NaN values draw no bar.
 */
void svg_bar_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_series *series,
		   size_t nseries);

/* One axis of an xy chart. */
struct svg_axis {
	double min, max; /* max <= min: min .. the largest value, rounded up to a tick */
	/* fixed ticks (positions in axis units, and their labels); NULL: 1-2-5 steps from min */
	const double *ticks;
	const char *const *tick_labels;
	size_t nticks;	   /* at most 16 are drawn */
	const char *label; /* written along the axis (may be NULL) */
};

/* One line of an xy chart: n points (xs[i], ys[i]); points with a NaN are left out. */
struct svg_xy_series {
	const char *name;  /* legend text (may come from a report) */
	const char *color; /* stroke */
	const double *xs, *ys;
	size_t n;
	size_t
	    solid; /* points [0, solid) are drawn solid, the rest dashed (e.g. too few samples) */
};

struct svg_xy_chart {
	double width, height;
	const char *title; /* the <title> and the aria-label */
	struct svg_axis x, y;
};

/*
 * svg_xy_chart: a chart over two numeric axes: ticks with dashed grid
 * lines, axis labels, one polyline per series (its points clamped to the
 * axes' ranges; a single point is a dot), each series in its own
 * <g class="series">, and a legend below naming every series.
 */
void svg_xy_chart(struct strbuf *sb, const struct svg_xy_chart *c,
		  const struct svg_xy_series *series, size_t nseries);

#endif
