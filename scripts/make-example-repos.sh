#!/usr/bin/env bash
# make-example-repos: turn each example member (examples/members/<name>/) into a local bare git
# repository build/example-repos/<name>.git with one commit tagged v1.0.0, so the bundled members
# go through the real fetch -> build -> run path. Deterministic: fixed author, committer and dates,
# so the same sources always give the same commit ids (the harness's cache stays valid).
#   scripts/make-example-repos.sh [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/example-repos}
mkdir -p "$out"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Harness examples" GIT_AUTHOR_EMAIL="examples@harness.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for dir in "$root"/examples/members/*/; do
	name=$(basename "$dir")
	src="$work/$name"
	mkdir -p "$src"
	# only the sources: tracked files when this is a git checkout, else everything but build products
	if git -C "$root" rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git -C "$root" ls-files "examples/members/$name")" ]; then
		(cd "$root" && git ls-files -z "examples/members/$name") |
			while IFS= read -r -d '' f; do
				rel=${f#examples/members/$name/}
				mkdir -p "$src/$(dirname "$rel")"
				cp -p "$root/$f" "$src/$rel"
			done
	else
		(cd "$dir" && tar --exclude='*.o' --exclude=__pycache__ -cf - .) | (cd "$src" && tar -xf -)
	fi
	git -C "$src" init -q -b main
	git -C "$src" add -A
	git -C "$src" commit -q -m "$name 1.0.0"
	git -C "$src" tag v1.0.0
	rm -rf "$out/$name.git.tmp"
	git clone -q --bare "$src" "$out/$name.git.tmp"
	rm -rf "$out/$name.git"
	mv "$out/$name.git.tmp" "$out/$name.git"
	printf '%-16s %s  v1.0.0\n' "$name" "$(git -C "$out/$name.git" rev-parse --short=12 v1.0.0)"
done
