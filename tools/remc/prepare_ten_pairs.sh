#!/usr/bin/env bash
# The paper's ten REMC cell-type pairs from Roadmap's consolidated tagAlign downloads: the
# download list (optionally downloading it), the samplesheet, `deepdiff prepare`, and the
# `deepdiff-pairs` study. Run with --help for everything; tools/remc/README.md says more.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

URL_BASE="https://egg2.wustl.edu/roadmap/data/byFileType/alignments/consolidated/"
ALL_CELLS=(E003 E004 E005 E006 E007 E037 E038 E116 E123)
MARKS=(H3K4me1 H3K4me3 H3K9me3 H3K27me3 H3K36me3)
ALL_PAIRS=(E123-E003 E116-E003 E123-E116 E003-E005 E003-E006 E006-E007 E005-E006 E003-E004 E004-E006 E037-E038)
MATRIX="$ROOT/data/roadmap/57epigenomes.N.pc.gz"
GENEFILE="$ROOT/data/roadmap/GeneFile.txt.gz"
GENCODE="$ROOT/data/roadmap/gencode_10_genes.gtf.gz"

usage() {
  cat <<EOF
$PROG - the DeepDiff paper's ten REMC cell-type pairs, from Roadmap's read files to the study.

usage:
  $PROG --from DIR        [options]   use the tagAlign files already in DIR
  $PROG --download-to DIR [options]   download them into DIR first, then as --from DIR
  $PROG --dry-run [--from DIR | --download-to DIR] [options]   print what it would do
  $PROG --list [--cells ...]          print the download list (one URL a line) and stop

What it does, in order (each command is printed, as run, before it runs):
  1. the files: the pairs' cells x the five marks, Roadmap's consolidated read alignments
     (hg19, plain gzip tagAlign), named exactly as Roadmap names them, EID-MARK.tagAlign.gz, at
       $URL_BASE
     All ten pairs: 9 cells (${ALL_CELLS[*]}) x 5 marks
     (${MARKS[*]}) = 45 files of roughly 0.5-1.5 GB each (tens of GB
     in all). The same list is in tools/remc/files.txt (= --list).
     --download-to DIR fetches each missing file with wget (or curl when wget is missing),
     resuming a partial download (kept in DIR/.incomplete/ until complete), tests it with
     gzip -t (the gzip CRC and length: a truncated or damaged download fails), compares it
     with --checksums FILE when that lists it, moves it into DIR and records its sha256 in
     DIR/SHA256SUMS. A file already in DIR and in DIR/SHA256SUMS is skipped; one in DIR but
     not recorded there is tested and recorded. Roadmap publishes no checksum list for these
     files that we could find, so nothing is compared unless you give --checksums; check a
     copy elsewhere with: (cd DIR && sha256sum -c SHA256SUMS).
     --from DIR uses the files in DIR as they are; a missing one is an error listing every
     missing file (exit 1).
  2. OUT/samples.csv: cell,assay,path rows, the five marks of every cell (absolute paths) and
     an expression row per cell pointing at the project's Roadmap RNA-seq matrix
       $MATRIX
     (deepdiff prepare takes the matrix column named like the cell).
  3. deepdiff prepare --samples OUT/samples.csv --genes ANNOTATION --out OUT/data
     ANNOTATION (--annotation): genefile (default) = data/roadmap/GeneFile.txt.gz, the DeepDiff
     authors' TSS +/- 10 kb windows; a gene-window file has no strand, so the bins are in
     genomic order, the authors' layout, the one to compare with the published numbers.
     gencode = data/roadmap/gencode_10_genes.gtf.gz (GENCODE 10, the annotation the matrix
     was quantified against), with strand-oriented bins by default (bin 1 is the most
     upstream bin of every gene: what alpha plots need to mean upstream/downstream), or
     --bin-order genomic for the authors' layout on GENCODE's TSSs. Both give the same
     19,795 genes with expression; prepare draws the published 10,000 / 2,360 / 6,100 split
     (--prepare-args "--split ..." or "--seed N" to change it).
     Run again with the same OUT, samplesheet and options, a finished prepare is not redone.
  4. deepdiff-pairs --data-root OUT/data --save-root OUT/study --pairs P1,P2,...
     the ten pairs (or those among --cells), every model (seven variants, four baselines)
     with the published recipe unless --pairs-args says otherwise; it resumes when run again.
     Results: OUT/study/results.md, results.csv, comparisons.md (docs/reproduction.md).

Options:
  --from DIR             the tagAlign files are in DIR (names EID-MARK.tagAlign.gz)
  --download-to DIR      download the missing files into DIR, then continue as --from DIR
  --out OUT              output folder (default: remc-study): samples.csv, prepare.command,
                         data/ (the prepared data root), study/ (the study)
  --cells E003,E123      only these cells (of the nine) and the pairs among them
  --annotation NAME      genefile (default) or gencode (above)
  --bin-order ORDER      with --annotation gencode: strand (default) or genomic
  --threads N            OpenMP threads for prepare and for each study run (default: the
                         programs' own, all cores)
  --prepare-args "..."   more arguments for deepdiff prepare, split at spaces (no quoting),
                         e.g. "--split 20,5,5 --seed 2"
  --pairs-args "..."     more arguments for deepdiff-pairs, split at spaces, e.g.
                         "--model-names raw_d,ridge --epochs 1 --seeds 1,2"
  --prepare-only         stop after deepdiff prepare
  --checksums FILE       md5sum or sha256sum output ("HASH  NAME" lines) to check the files
                         against (downloads, and --from files before prepare); a file it
                         does not list is not checked
  --bin DIR              where deepdiff and deepdiff-pairs are (default: $ROOT/build/examples)
  --dry-run              print the download list and the commands; create, download and run
                         nothing (files missing from --from DIR are noted)
  --list                 print the download list (full URLs, one a line) and exit
  -h, --help             this help

Time and disk (the download was not run here: this project's machines cannot reach Roadmap):
  download  45 files, roughly 0.3-1.5 GB each (tens of GB; an estimate from their 20-60 M
            reads, not measured); gzip -t reads each once more, about as long as zcat FILE.
  prepare   measured on simulated files with GeneFile.txt.gz: 25 M reads in 7.5 s on one
            thread (one pass over each file, the checksums included), so the 45 files take
            minutes, spread over --threads; at most threads + 1 cells' counts in memory
            (79 MB each); OUT/data is ~130 MB per cell (18,460 genes x 200 rows), 1.2 GB in all.
  study     ten pairs x eleven models: about 44 h on 2 cores as two shards
            (docs/reproduction.md: after a --prepare-only run, run deepdiff-pairs on OUT/data
            with --shard 1/2 and 2/2 yourself). attention_alpha.csv is ~220 MB per raw* run
            at 6,100 test genes (~11 GB for the ten pairs): --pairs-args "--no-alpha-csv"
            leaves it out.

Exit codes: 0 done; 1 a step failed (the message names the step, or the missing files);
2 usage error (the message names the flag).
EOF
}

die_usage() { echo "$PROG: $*" >&2; echo "$PROG: see $PROG --help" >&2; exit 2; }
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }
quote() {  # a word as the shell reads it back: as it is when plain, else quoted
  if [[ "$1" =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then printf '%s' "$1"; else printf '%q' "$1"; fi
}
show_cmd() { printf '$'; local a; for a in "$@"; do printf ' '; quote "$a"; done; printf '\n'; }
run_step() {  # run_step NAME CMD...: print the command, run it, exit 1 naming NAME on failure
  local name=$1; shift
  show_cmd "$@"
  local rc=0
  "$@" || rc=$?
  [ "$rc" -eq 0 ] || die "step '$name' failed (exit $rc): $(show_cmd "$@" | cut -c3-)"
}

# --- arguments ---
FROM="" DOWNLOAD_TO="" OUT="remc-study" CELLS_ARG="" ANNOTATION="genefile" BIN_ORDER=""
THREADS="" PREPARE_ARGS="" PAIRS_ARGS="" PREPARE_ONLY=0 CHECKSUMS="" BIN_DIR="$ROOT/build/examples"
DRY_RUN=0 LIST=0
need_value() {  # need_value FLAG [VALUE]: a value that is not empty and not the next flag
  [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#--}" = "$2" ] || die_usage "$1 needs a value"
}
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --from) need_value "$@"; FROM=$2; shift 2 ;;
    --download-to) need_value "$@"; DOWNLOAD_TO=$2; shift 2 ;;
    --out) need_value "$@"; OUT=$2; shift 2 ;;
    --cells) need_value "$@"; CELLS_ARG=$2; shift 2 ;;
    --annotation) need_value "$@"; ANNOTATION=$2; shift 2 ;;
    --bin-order) need_value "$@"; BIN_ORDER=$2; shift 2 ;;
    --threads) need_value "$@"; THREADS=$2; shift 2 ;;
    --prepare-args) [ $# -ge 2 ] || die_usage "--prepare-args needs a value"; PREPARE_ARGS=$2; shift 2 ;;
    --pairs-args) [ $# -ge 2 ] || die_usage "--pairs-args needs a value"; PAIRS_ARGS=$2; shift 2 ;;
    --prepare-only) PREPARE_ONLY=1; shift ;;
    --checksums) need_value "$@"; CHECKSUMS=$2; shift 2 ;;
    --bin) need_value "$@"; BIN_DIR=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --list) LIST=1; shift ;;
    --*=*) die_usage "${1%%=*}: give the value after a space (${1%%=*} VALUE)" ;;
    *) die_usage "unknown flag $1" ;;
  esac
done

# cells: the nine, or a subset of them, each once
CELLS=()
if [ -z "$CELLS_ARG" ]; then
  CELLS=("${ALL_CELLS[@]}")
else
  IFS=, read -r -a asked <<< "$CELLS_ARG"
  [ "${#asked[@]}" -gt 0 ] || die_usage "--cells: give one or more of ${ALL_CELLS[*]}"
  for c in "${asked[@]}"; do
    case " ${ALL_CELLS[*]} " in *" $c "*) ;; *) die_usage "--cells: $c is not one of the nine cells of the ten pairs (${ALL_CELLS[*]})" ;; esac
    case " ${CELLS[*]:-} " in *" $c "*) die_usage "--cells: $c is given twice" ;; esac
    CELLS+=("$c")
  done
fi
in_cells() { case " ${CELLS[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
PAIRS=()
for p in "${ALL_PAIRS[@]}"; do
  if in_cells "${p%-*}" && in_cells "${p#*-}"; then PAIRS+=("$p"); fi
done
FILES=()
for c in "${CELLS[@]}"; do for m in "${MARKS[@]}"; do FILES+=("$c-$m.tagAlign.gz"); done; done

if [ "$LIST" -eq 1 ]; then
  for f in "${FILES[@]}"; do echo "$URL_BASE$f"; done
  exit 0
fi

[ -n "$FROM" ] && [ -n "$DOWNLOAD_TO" ] && die_usage "--from and --download-to exclude each other (--download-to continues as --from by itself)"
if [ -z "$FROM" ] && [ -z "$DOWNLOAD_TO" ] && [ "$DRY_RUN" -eq 0 ]; then
  die_usage "give --from DIR (the files are there) or --download-to DIR (download them); --dry-run or --list to look first"
fi
case "$ANNOTATION" in
  genefile)
    GENES=$GENEFILE
    [ -z "$BIN_ORDER" ] || [ "$BIN_ORDER" = genomic ] \
      || die_usage "--bin-order $BIN_ORDER needs --annotation gencode: the gene-window file has no strand, its bins are in genomic order" ;;
  gencode)
    GENES=$GENCODE
    BIN_ORDER=${BIN_ORDER:-strand}
    case "$BIN_ORDER" in strand|genomic) ;; *) die_usage "--bin-order: strand or genomic, not '$BIN_ORDER'" ;; esac ;;
  *) die_usage "--annotation: genefile or gencode, not '$ANNOTATION'" ;;
esac
if [ -n "$THREADS" ]; then
  [[ "$THREADS" =~ ^[0-9]+$ ]] || die_usage "--threads: a number, not '$THREADS'"
fi
if [ "${#PAIRS[@]}" -eq 0 ] && [ "$PREPARE_ONLY" -eq 0 ]; then
  die_usage "--cells ${CELLS[*]}: no pair of the ten has both its cells among these (the pairs: ${ALL_PAIRS[*]}); add a partner, or give --prepare-only"
fi
read -r -a PREPARE_EXTRA <<< "$PREPARE_ARGS" || true
read -r -a PAIRS_EXTRA <<< "$PAIRS_ARGS" || true
for a in "${PREPARE_EXTRA[@]}"; do
  case "$a" in
    --samples|--samples=*|--genes|--genes=*|--out|--out=*) die_usage "--prepare-args: $a is set by this script (use --annotation / --out)" ;;
    --bin-order|--bin-order=*) die_usage "--prepare-args: $a: use this script's --bin-order" ;;
  esac
done
for a in "${PAIRS_EXTRA[@]}"; do
  case "$a" in
    --data-root|--data-root=*|--save-root|--save-root=*|--synthetic) die_usage "--pairs-args: $a is set by this script (OUT/data, OUT/study)" ;;
    --pairs|--pairs=*) die_usage "--pairs-args: $a: choose the pairs with --cells" ;;
  esac
done
if [ -n "$CHECKSUMS" ]; then
  [ -f "$CHECKSUMS" ] || die_usage "--checksums: $CHECKSUMS is not a file"
fi

# the project's Roadmap files and the programs
if [ "$DRY_RUN" -eq 0 ]; then
  for f in "$MATRIX" "$GENES"; do
    [ -f "$f" ] || die "the project's file $f is missing (data/roadmap/README.md says where it comes from)"
  done
  [ -x "$BIN_DIR/deepdiff" ] || die "no program $BIN_DIR/deepdiff (build it: cmake --build build --target deepdiff_cli deepdiff_pairs; or give --bin DIR)"
  if [ "$PREPARE_ONLY" -eq 0 ]; then
    [ -x "$BIN_DIR/deepdiff-pairs" ] || die "no program $BIN_DIR/deepdiff-pairs (build it: cmake --build build --target deepdiff_pairs; or give --bin DIR)"
  fi
  if "$BIN_DIR/deepdiff" prepare --help 2>&1 | grep -q "built without"; then
    die "$BIN_DIR/deepdiff was built without the genomics readers: no prepare (docs/prepare.md, section 0)"
  fi
fi

if [ -n "$FROM" ] && [ "$DRY_RUN" -eq 0 ] && [ ! -d "$FROM" ]; then
  die "--from $FROM: no such folder (--download-to $FROM would download the files into it)"
fi
READS=${FROM:-$DOWNLOAD_TO}
if [ -z "$READS" ]; then
  READS="remc-reads"
  say "dry run without --from or --download-to: showing --download-to $READS"
  DOWNLOAD_TO=$READS
fi

# --- checksums given by the user: NAME -> HASH ---
declare -A KNOWN=()
if [ -n "$CHECKSUMS" ]; then
  while read -r hash name rest; do
    [ -n "${hash:-}" ] || continue
    case "$hash" in \#*) continue ;; esac
    name=${name#\*}; name=${name##*/}
    [[ "$hash" =~ ^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$ ]] || die "$CHECKSUMS: '$hash' is not an md5 or sha256 hash (lines: HASH  NAME)"
    KNOWN[$name]=${hash,,}
  done < "$CHECKSUMS"
fi
check_known() {  # check_known PATH NAME: compare with --checksums when it lists NAME
  local path=$1 name=$2 want=${KNOWN[$2]:-} got
  [ -n "$want" ] || return 0
  if [ "${#want}" -eq 32 ]; then got=$(md5sum < "$path"); else got=$(sha256sum < "$path"); fi
  got=${got%% *}
  [ "$got" = "$want" ] || die "$name: checksum mismatch: $path has $got, $CHECKSUMS says $want"
  say "$name: checksum matches $CHECKSUMS"
}

# --- 1. the files ---
echo "download list (${#FILES[@]} files, cells ${CELLS[*]}; base $URL_BASE):"
for f in "${FILES[@]}"; do echo "  $URL_BASE$f"; done

if [ -n "$DOWNLOAD_TO" ]; then
  if command -v wget >/dev/null 2>&1; then FETCHER=wget
  elif command -v curl >/dev/null 2>&1; then FETCHER=curl
  else FETCHER=""; fi
  fetch_cmd() {  # fetch_cmd NAME: the command that downloads NAME into READS/.incomplete, resuming
    local part="$READS/.incomplete"
    if [ "$FETCHER" = curl ]; then
      FETCH=(curl -fL --retry 3 -C - -o "$part/$1" "$URL_BASE$1")
    else
      FETCH=(wget -c --tries=3 --progress=dot:giga -P "$part" "$URL_BASE$1")
    fi
  }
  if [ "$DRY_RUN" -eq 1 ]; then
    [ -n "$FETCHER" ] || FETCHER=wget
    echo "would download the files missing from $READS, each with (here the first):"
    fetch_cmd "${FILES[0]}"; show_cmd "${FETCH[@]}"
    echo "  then gzip -t, the --checksums comparison, a move into $READS and its sha256 into $READS/SHA256SUMS"
  else
    [ -n "$FETCHER" ] || die "step 'download': neither wget nor curl is installed"
    mkdir -p "$READS/.incomplete"
    MANIFEST="$READS/SHA256SUMS"
    touch "$MANIFEST"
    recorded() { grep -q "^[0-9a-f]\{64\}  $1\$" "$MANIFEST"; }
    record() {  # record NAME: its sha256 into the manifest (replacing an older line)
      local h
      h=$(sha256sum < "$READS/$1"); h=${h%% *}
      grep -v "  $1\$" "$MANIFEST" > "$MANIFEST.tmp" || true
      echo "$h  $1" >> "$MANIFEST.tmp"
      mv "$MANIFEST.tmp" "$MANIFEST"
    }
    n=0
    for f in "${FILES[@]}"; do
      n=$((n + 1))
      if [ -f "$READS/$f" ] && recorded "$f"; then
        say "[$n/${#FILES[@]}] $f: already complete (in $MANIFEST), skipped"
        continue
      fi
      if [ -f "$READS/$f" ]; then
        say "[$n/${#FILES[@]}] $f: in $READS but not in $MANIFEST: testing it"
        gzip -t "$READS/$f" 2>/dev/null || die "step 'download': $READS/$f is damaged or incomplete (gzip -t failed): remove it and run again"
        check_known "$READS/$f" "$f"
        record "$f"
        continue
      fi
      say "[$n/${#FILES[@]}] $f: downloading"
      fetch_cmd "$f"; show_cmd "${FETCH[@]}"
      rc=0
      "${FETCH[@]}" || rc=$?
      part="$READS/.incomplete/$f"
      if [ "$rc" -ne 0 ]; then
        # a server may refuse to resume a file that is already whole; then it tests whole
        if [ -s "$part" ] && gzip -t "$part" 2>/dev/null; then
          say "$f: $FETCHER exited $rc, but the partial file is a whole gzip file: taken"
        else
          die "step 'download': $f failed ($FETCHER exit $rc, $URL_BASE$f); run again to resume it ($part)"
        fi
      elif ! gzip -t "$part" 2>/dev/null; then
        die "step 'download': $f is damaged (gzip -t failed on $part): remove it and run again"
      fi
      check_known "$part" "$f"
      mv "$part" "$READS/$f"
      record "$f"
    done
    rmdir "$READS/.incomplete" 2>/dev/null || true
    say "all ${#FILES[@]} files in $READS; their sha256 in $MANIFEST"
  fi
fi

missing=()
for f in "${FILES[@]}"; do [ -f "$READS/$f" ] || missing+=("$f"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$DRY_RUN" -eq 1 ]; then
    say "note: ${#missing[@]} of the ${#FILES[@]} files are not in $READS yet"
  else
    {
      echo "$PROG: ${#missing[@]} of the ${#FILES[@]} files are missing from $READS:"
      for f in "${missing[@]}"; do
        if [ -f "$READS/.incomplete/$f" ]; then
          echo "  $f (a partial download is in $READS/.incomplete: --download-to $READS finishes it)"
        else
          echo "  $f"
        fi
      done
      echo "  (get them with --download-to $READS, or wget -c -P $READS $URL_BASE<NAME>)"
    } >&2
    exit 1
  fi
fi
if [ -n "$CHECKSUMS" ] && [ -n "$FROM" ] && [ "$DRY_RUN" -eq 0 ]; then
  for f in "${FILES[@]}"; do check_known "$READS/$f" "$f"; done
fi

# --- 2. the samplesheet ---
if [ "$DRY_RUN" -eq 1 ]; then
  ABS_READS=$READS
  case "$ABS_READS" in /*) ;; *) ABS_READS="$PWD/$READS" ;; esac
else
  ABS_READS=$(cd "$READS" && pwd)
fi
case "$ABS_READS$MATRIX" in *,*) die "the samplesheet cannot hold a path with a comma: $ABS_READS or $MATRIX" ;; esac
sheet() {
  echo "cell,assay,path"
  for c in "${CELLS[@]}"; do
    for m in "${MARKS[@]}"; do echo "$c,$m,$ABS_READS/$c-$m.tagAlign.gz"; done
    echo "$c,expression,$MATRIX"
  done
}
PREPARE=("$BIN_DIR/deepdiff" prepare --samples "$OUT/samples.csv" --genes "$GENES" --out "$OUT/data")
[ "$ANNOTATION" = gencode ] && PREPARE+=(--bin-order "$BIN_ORDER")
[ -n "$THREADS" ] && PREPARE+=(--threads "$THREADS")
PREPARE+=("${PREPARE_EXTRA[@]}")
PAIRS_CSV=$(IFS=,; echo "${PAIRS[*]:-}")
STUDY=("$BIN_DIR/deepdiff-pairs" --data-root "$OUT/data" --save-root "$OUT/study" --pairs "$PAIRS_CSV")
[ -n "$THREADS" ] && STUDY+=(--threads "$THREADS")
STUDY+=("${PAIRS_EXTRA[@]}")

if [ "$DRY_RUN" -eq 1 ]; then
  echo "would write $OUT/samples.csv: $(( ${#CELLS[@]} * 6 )) rows (${#CELLS[@]} cells x 5 marks + expression from $MATRIX), e.g."
  sheet | sed -n '1,3s/^/  /p'
  echo "would run:"
  show_cmd "${PREPARE[@]}"
  if [ "$PREPARE_ONLY" -eq 0 ]; then show_cmd "${STUDY[@]}"; fi
  say "dry run: nothing was created, downloaded or run"
  exit 0
fi

mkdir -p "$OUT"
sheet > "$OUT/samples.csv.$$"
show_cmd "${PREPARE[@]}" | cut -c3- > "$OUT/prepare.command.$$"
if [ -f "$OUT/data/prepare.json" ]; then
  # the thread count changes nothing in the output (docs/prepare.md, section 5)
  no_threads() { sed -E 's/ --threads [0-9]+//g' "$1" 2>/dev/null; }
  if cmp -s "$OUT/samples.csv" "$OUT/samples.csv.$$" \
     && [ "$(no_threads "$OUT/prepare.command")" = "$(no_threads "$OUT/prepare.command.$$")" ]; then
    rm -f "$OUT/samples.csv.$$" "$OUT/prepare.command.$$"
    say "step 'deepdiff prepare': already done in $OUT/data with the same samplesheet and options, skipped"
  else
    rm -f "$OUT/samples.csv.$$" "$OUT/prepare.command.$$"
    die "step 'deepdiff prepare': $OUT/data was prepared from another samplesheet or command ($OUT/samples.csv, $OUT/prepare.command): use another --out, or remove $OUT/data"
  fi
else
  mv "$OUT/samples.csv.$$" "$OUT/samples.csv"
  mv "$OUT/prepare.command.$$" "$OUT/prepare.command"
  say "wrote $OUT/samples.csv ($(( ${#CELLS[@]} * 6 )) rows)"
  # --- 3. prepare ---
  run_step "deepdiff prepare" "${PREPARE[@]}"
fi

if [ "$PREPARE_ONLY" -eq 1 ]; then
  say "prepared $OUT/data (--prepare-only: no study)"
  exit 0
fi

# --- 4. the study ---
run_step "deepdiff-pairs" "${STUDY[@]}"
if [ -f "$OUT/study/comparisons.md" ]; then
  say "done: $OUT/study/results.md, results.csv, comparisons.md"
elif [ -f "$OUT/study/results.md" ]; then
  say "done: $OUT/study/results.md, results.csv (no comparisons.md: the study had no variant-baseline pair)"
else
  say "done: the study's tables are in $OUT/study (a shard: join them with deepdiff-pairs merge)"
fi
