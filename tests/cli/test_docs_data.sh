#!/usr/bin/env bash
# The project's shipped data is enough: from a copy of the repository's tracked files with no
# ../shared beside it (a user's clone), every shell block of README.md, docs/*.md and the
# folders' README.md files that uses data/sample or data/roadmap runs as written and exits 0.
# The programs are the build's, reached as build/examples/... inside the copy through small
# wrappers that append `--epochs 1` to `deepdiff train` and `deepdiff-pairs` runs and `--steps 2`
# to `deepdiff attribute` (the last value of a flag wins), so that a 120-epoch study and 64-step
# integrated gradients finish in seconds (also under the sanitizers); nothing else is changed.
# Blocks that need a user's own downloads (a samplesheet of Roadmap tagAlign files) are listed
# as skipped: their pieces are tested by prepare_roadmap and cli_remc_script.
# Also: no tracked text file points at a ../shared folder.
# usage: test_docs_data.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -u
SRC=$1
BUILD=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

# --- a user's copy: the tracked files, nothing beside it ---
CLONE="$WORK/clone"
mkdir -p "$CLONE"
(cd "$SRC" && git ls-files -z | while IFS= read -r -d '' f; do
  [ -e "$f" ] && cp --parents -P "$f" "$CLONE/"
done)
[ -e "$WORK/shared" ] && bad "a shared folder sits beside the copy" || ok
[ -d "$CLONE/data/sample" ] && [ -d "$CLONE/data/roadmap" ] && ok || bad "the copy lacks data/sample or data/roadmap"

# No file of the project mentions ../shared (the pattern is split so that this file does not).
hits=$(cd "$CLONE" && grep -rn "shar""ed/" --include=*.md --include=*.cpp --include=*.hpp --include=*.py \
  --include=*.sh --include=*.txt --include=*.cmake . || true)
[ -z "$hits" ] && ok || bad "files mention a shared folder: $hits"

# --- the programs, as build/examples/... in the copy ---
mkdir -p "$CLONE/build/examples"
for prog in deepdiff deepdiff-pairs; do
  [ -x "$BUILD/examples/$prog" ] || { echo "skipped: $BUILD/examples/$prog is not built"; exit 77; }
  cat > "$CLONE/build/examples/$prog" <<EOF
#!/usr/bin/env bash
# $BUILD/examples/$prog, with --epochs 1 appended to training runs, --steps 2 to attribute (test_docs_data.sh)
case "\${1:-}" in
  train) exec "$BUILD/examples/$prog" "\$@" --epochs 1 ;;
  attribute) exec "$BUILD/examples/$prog" "\$@" --steps 2 ;;
  merge|eval|predict|attention|prepare|synth|report|-h|--help|"") exec "$BUILD/examples/$prog" "\$@" ;;
esac
[ "$prog" = deepdiff-pairs ] && exec "$BUILD/examples/$prog" "\$@" --epochs 1
exec "$BUILD/examples/$prog" "\$@"
EOF
  chmod +x "$CLONE/build/examples/$prog"
done

# --- the documented blocks ---
BLOCKS="$WORK/blocks"
mkdir -p "$BLOCKS"
/usr/bin/python3 - "$CLONE" "$BLOCKS" <<'PY'
import os, re, sys
root, out = sys.argv[1], sys.argv[2]
files = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
for dirpath, dirs, names in os.walk(root):
    rel = os.path.relpath(dirpath, root)
    if rel != "." and not rel.startswith(("build", "docs")) and "README.md" in names:
        files.append(os.path.join(rel, "README.md"))
n = 0
for f in files:
    lines = open(os.path.join(root, f)).read().split("\n")
    block, lang, start = None, None, 0
    for i, l in enumerate(lines):
        m = re.match(r"^\s*```\s*(\w*)", l)
        if not m:
            if block is not None:
                block.append(l)
            continue
        if block is None:
            block, lang, start = [], m.group(1), i + 1
            continue
        text = "\n".join(block)
        if lang in ("sh", "bash") and re.search(r"\bdata/(sample|roadmap)\b", text):
            n += 1
            with open(os.path.join(out, "%03d.sh" % n), "w") as o:
                o.write("# %s:%d\n%s\n" % (f, start + 1, text))
        block = None
PY
count=0
for b in "$BLOCKS"/*.sh; do
  [ -e "$b" ] || break
  where=$(head -1 "$b" | cut -c3-)
  if grep -q "samples\.csv\|tagAlign\.gz\|--download-to\|--from " "$b"; then
    echo "skipped $where: needs the user's Roadmap downloads (tested by prepare_roadmap, cli_remc_script)"
    continue
  fi
  count=$((count + 1))
  if (cd "$CLONE" && timeout 600 bash -e "$b") > "$WORK/block.log" 2>&1; then
    ok
    echo "ran $where"
  else
    bad "the block at $where failed: $(tail -5 "$WORK/block.log")"
  fi
done
[ "$count" -ge 3 ] && ok || bad "only $count documented blocks use the shipped data (expected the sample studies)"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
