#!/usr/bin/env bash
# scorecard_browser: `harness scorecard` end to end (TAP): the CLI, then the site of hostile reports
# loaded in headless Chromium: no script runs, no console message, the payloads are only text, and a
# screenshot is taken. Chromium is the Debian package `chromium` (scripts/install-deps.sh installs
# it); without it the browser checks are skipped, with a message saying so.
set -u
. "$(dirname "$0")/lib.sh"
fix=$HARNESS_ROOT/tests/fixtures/scorecard

# ---- the command line ----
"$HARNESS_BIN" scorecard "$fix/run-1.json" "$fix/run-2.json" "$fix/run-3.json" "$fix/hostile.json" \
	--out "$TMP/site" --title "Scorecard <b>test</b>" --reference ref-impl >"$TMP/out" 2>&1
rc=$?
tap "scorecard of four reports exits 0 (got $rc)" "$([ $rc -eq 0 ]; echo $?)" "$(cat "$TMP/out")"
check "it says what it wrote" grep -q "^scorecard: 9 pages and 5 badges from 4 reports in $TMP/site/" "$TMP/out"
for f in index.html specs/chat-completions.html members/acme-infer.html \
	badges/acme-infer/chat-completions.svg badges/acme-infer/chat-completions.json; do
	check "it wrote $f" test -s "$TMP/site/$f"
done
stray=$(find "$TMP" -type f ! -path "$TMP/site/*" ! -path "$TMP/out")
tap "no file lands outside the site (hostile ids become slugs)" "$([ -z "$stray" ]; echo $?)" "$stray"
check "the endpoint JSON is what shields.io reads" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"schemaVersion": 1, "label": "chat-completions", "message": "MUST 4/5", "color": "red"}, d
' "$TMP/site/badges/acme-infer/chat-completions.json"
check "badges are well-formed XML" $PY -c '
import glob, sys, xml.dom.minidom
for p in glob.glob(sys.argv[1] + "/badges/*/*.svg"):
    xml.dom.minidom.parse(p)
' "$TMP/site"

mkdir -p "$TMP/rundir"
cp "$fix/run-1.json" "$TMP/rundir/report.json"
check "a run directory stands for its report.json" "$HARNESS_BIN" scorecard "$TMP/rundir" -o "$TMP/site-dir"

usage() { # name, expected exit, args...
	local name=$1 want=$2; shift 2
	"$HARNESS_BIN" scorecard "$@" >"$TMP/u.out" 2>&1
	local got=$?
	tap "$name exits $want (got $got)" "$([ $got -eq "$want" ]; echo $?)" "$(cat "$TMP/u.out")"
}
usage "no --out" 2 "$fix/run-1.json"
usage "no report" 2 --out "$TMP/x"
usage "a missing report" 2 "$TMP/nope.json" --out "$TMP/x"
echo '{"format": "harness-report/2"}' >"$TMP/other.json"
usage "a report of another format" 2 "$TMP/other.json" --out "$TMP/x"
usage "an unknown reference member" 2 "$fix/run-1.json" --out "$TMP/x" --reference nobody
: >"$TMP/blocker"
usage "an output directory that cannot be made" 3 "$fix/run-1.json" --out "$TMP/blocker/site"

# ---- the browser ----
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "ok $((_tap_n + 1)) - headless Chromium checks # SKIP chromium is not installed (Debian package 'chromium'; scripts/install-deps.sh installs it)"
	_tap_n=$((_tap_n + 1))
	tap_done
	exit $?
fi

# browse URL OUT: the DOM after load in OUT.dom, the browser's log in OUT.log
browse() {
	timeout -k 5 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$TMP/prof" --enable-logging=stderr --v=0 \
		--dump-dom "$1" >"$2.dom" 2>"$2.log"
}

# controls: the browser runs scripts (so a quiet page means something), and logs what CSP blocks
printf '<!DOCTYPE html><title>before</title><script>document.title="after"</script>\n' >"$TMP/control.html"
browse "file://$TMP/control.html" "$TMP/control"
check "control: headless Chromium runs an inline script" grep -q "<title>after</title>" "$TMP/control.dom"
printf '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'"><title>before</title><script>document.title="after"</script>\n' >"$TMP/control-csp.html"
browse "file://$TMP/control-csp.html" "$TMP/control-csp"
check "control: the same script under the policy does not run" grep -q "<title>before</title>" "$TMP/control-csp.dom"
check "control: and the blocked script is logged on the console" grep -q "CONSOLE" "$TMP/control-csp.log"

# every page of the site: same title as written, no script, no handler, payloads as text
dom_check() { # page.html page.dom kind
	$PY - "$1" "$2" "$3" <<'PY'
import html.parser, sys
src, dom, kind = sys.argv[1:4]

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.title, self.stack = [], [], None, []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass
    def handle_data(self, data):
        if self.stack and self.stack[-1] == "title" and "svg" not in self.stack and self.title is None:
            self.title = data
        self.text.append(data)

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    return p

s, d = parse(src), parse(dom)
problems = []
if d.title != s.title:
    problems.append(f"title changed: {s.title!r} -> {d.title!r}")
for tag, attrs in d.tags:
    if tag in ("script", "iframe", "object", "embed", "link", "base", "form"):
        problems.append(f"<{tag}> in the DOM")
    for k, v in attrs.items():
        if k.startswith("on"):
            problems.append(f"<{tag} {k}=...> in the DOM")
        if k in ("href", "src") and ":" in (v or "") and not v.startswith(("http://", "https://")):
            problems.append(f"<{tag} {k}={v!r}>")
    if tag == "img" and not attrs.get("src", "").startswith("../badges/"):
        problems.append(f"<img src={attrs.get('src')!r}>")
text = "".join(d.text)
want = {
    "member": ["<script>alert('org')</script> & Co", "\"><img src=x onerror=alert(1)>",
               "javascript:alert(1)", "<script>document.title='PWNED'</script> & <b>bold</b>"],
    "spec": ["<script>document.title='PWNED'</script>Chat", "<script>alert(1)</script> must be text"],
    "index": ["\"><img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"],
    "perf": ["\"><img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>", "<b>poisson</b>"],
    "other": [],
}[kind]
for w in want:
    if w not in text:
        problems.append(f"payload not shown as text: {w!r}")
if kind == "spec" and not any(t == "table" and a.get("class") == "matrix" for t, a in d.tags):
    problems.append("no matrix table")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}

member=$(cd "$TMP/site" && ls members/___img_src_x_onerror_alert_1__-*.html)
spec=$(cd "$TMP/site" && ls specs/chat_img_src_x_onerror__*.html)
pages=("index.html:index" "$member:member" "$spec:spec" "specs/chat-completions.html:other"
	"members/acme-infer.html:other" "performance.html:perf")
for entry in "${pages[@]}"; do
	p=${entry%%:*} kind=${entry##*:}
	out="$TMP/dom-$(echo "$p" | tr '/' '_')"
	browse "file://$TMP/site/$p" "$out"
	tap "Chromium loads $p" "$([ -s "$out.dom" ]; echo $?)" "$(tail -5 "$out.log")"
	check "$p: no script ran, no handler or foreign link in the DOM, payloads shown as text" \
		dom_check "$TMP/site/$p" "$out.dom" "$kind"
	tap "$p: nothing on the console (no blocked script, no error)" \
		"$(! grep -q "CONSOLE" "$out.log"; echo $?)" "$(grep "CONSOLE" "$out.log")"
done

# the performance page of a real (trimmed) run: tables and charts survive the browser
"$HARNESS_BIN" scorecard "$fix/perf.json" --out "$TMP/site-perf" --reference chat-ref >"$TMP/perf.out" 2>&1
check "scorecard of a performance run writes performance.html" test -s "$TMP/site-perf/performance.html"
browse "file://$TMP/site-perf/performance.html" "$TMP/dom-perf"
check "performance.html: no script ran, no handler or foreign link in the DOM" \
	dom_check "$TMP/site-perf/performance.html" "$TMP/dom-perf.dom" other
tap "performance.html: nothing on the console" \
	"$(! grep -q "CONSOLE" "$TMP/dom-perf.log"; echo $?)" "$(grep "CONSOLE" "$TMP/dom-perf.log")"
check "performance.html: the DOM holds 2 tables and 10 charts with 3 lines each on the line charts" $PY - "$TMP/dom-perf.dom" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = self.svgs = 0
        self.series = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == "perf":
            self.tables += 1
        if tag == "svg":
            self.svgs += 1
            self.series.append(0)
        if tag == "g" and a.get("class") == "series":
            self.series[-1] += 1
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
lines = [n for n in p.series if n]
assert p.tables == 2 and p.svgs == 10 and lines == [3] * 6, (p.tables, p.svgs, p.series)
PY

# ---- a screenshot ----
shot() { # page png
	timeout -k 5 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$TMP/prof" --hide-scrollbars \
		--screenshot="$2" --window-size=1280,900 "file://$TMP/site/$1" >/dev/null 2>&1
}
png_ok() { # a PNG signature and more than a blank page's bytes
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
		[ "$(stat -c %s "$1")" -gt 10000 ]
}
shot specs/chat-completions.html "$TMP/shot.png"
check "a screenshot of the matrix is a non-empty PNG" png_ok "$TMP/shot.png"
shot "$member" "$TMP/shot-hostile.png"
check "a screenshot of the hostile member page is a non-empty PNG" png_ok "$TMP/shot-hostile.png"
shot_perf() {
	timeout -k 5 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$TMP/prof" --hide-scrollbars \
		--screenshot="$1" --window-size=1280,1600 "file://$TMP/site-perf/performance.html" >/dev/null 2>&1
}
shot_perf "$TMP/shot-perf.png"
check "a screenshot of the performance page is a non-empty PNG" png_ok "$TMP/shot-perf.png"

tap_done
