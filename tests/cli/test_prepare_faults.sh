#!/usr/bin/env bash
# `deepdiff prepare` against a user's mistakes and accidents (issue 26): flags out of range or
# too large for the machine (exit 2 naming the flag, before any input is read), Ctrl-C/SIGTERM
# while writing (the temporary folder removed, leftovers of dead runs removed at the next
# start), an --out that is a symbolic link, a --split-from listing a gene in two splits, and an
# output folder that cannot be written (found before the inputs are read).
# Exit 77 (skipped) when the program was built without the genomics readers or samtools is
# missing. usage: test_prepare_faults.sh PATH/TO/deepdiff WORK_DIR
set -u
BIN=$1
WORK=$2
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/prepare_fixture.sh"
S="$I/samples.csv"
grep -v ",expression," "$S" > "$I/s_noexpr.csv"

# --- flags out of range: exit 2 naming the flag, nothing created ---
expect 2 P --samples "$S" --out "$WORK/x" --threads 65536;        contains "--threads"; contains "1024"
expect 2 P --samples "$S" --out "$WORK/x" --threads -1;           contains "--threads"
expect 2 "$BIN" prepare --samples "$S" --genes "$I/genes.bed" --out "$WORK/x" --bins 1000000;  contains "--bins"
expect 2 "$BIN" prepare --samples "$S" --genes "$I/genes.bed" --out "$WORK/x" --bin-size 1000000000;  contains "--bin-size"
expect 2 "$BIN" prepare --samples "$S" --genes "$I/genes.bed" --out "$WORK/x" --bins 20000 --bin-size 5000;  contains "--bins x --bin-size"
# a value that does not parse is blamed on its own flag, not on one whose value is a substring
expect 2 "$BIN" prepare --out o --bins 4294967298 --samples "$S" --genes "$I/genes.bed"
contains "--bins"; lacks "--out"
expect 2 "$BIN" prepare --out o --bin-size=1e9 --samples "$S" --genes "$I/genes.bed"
contains "--bin-size"; lacks "--out"
[ -e "$WORK/x" ] || [ -e o ] && bad "a usage error created the output folder" || ok

# --- a layout the machine cannot hold: refused from the sizes alone, before reading a read ---
# 200,000 genes x 100,000 bins x 10 files of doubles is 1.6 TB.
awk 'BEGIN { for (g = 0; g < 200000; g++) printf "chr1\t%d\t%d\tENSG%011d_S%d\t0\t+\n", g * 2, g * 2 + 1, g, g }' > "$I/many.bed"
start=$(date +%s)
expect 2 "$BIN" prepare --samples "$I/s_noexpr.csv" --genes "$I/many.bed" --bins 100000 --bin-size 100 --out "$WORK/big"
contains "--bins 100000"; contains "memory"
[ $(($(date +%s) - start)) -lt 60 ] && ok || bad "the size check took $(($(date +%s) - start)) s"
[ -e "$WORK/big" ] && bad "a refused layout created the output folder" || ok

# --- a good run, for --split-from and the symlink cases ---
D="$WORK/root"
expect 0 P --samples "$S" --out "$D" --split 36,12,12 --seed 4 --quiet

# --- a multi-member gzip (cat a.gz b.gz) is read whole, as zcat reads it (bedtools 2.30 reads
# only the first member): the same counts as the plain file ---
{ head -n 2000 "$I/A.k4me3.tagAlign" | gzip; tail -n +2001 "$I/A.k4me3.tagAlign" | gzip; } > "$I/A.k4me3.multi.gz"
sed 's/A.k4me3.tagAlign/A.k4me3.multi.gz/' "$S" > "$I/s_multi.csv"
expect 0 P --samples "$I/s_multi.csv" --out "$WORK/multi" --split 36,12,12 --seed 4 --quiet
cmp -s "$D/A.train.csv" "$WORK/multi/A.train.csv" && ok || bad "a two-member gzip tagAlign did not give the plain file's counts"

# --- --split-from listing a gene twice, in two splits: refused naming the line ---
cp "$D/genes.tsv" "$I/twice.tsv"
awk -F'\t' 'NR > 1 && $6 == "train" { OFS = "\t"; $6 = "test"; print; exit }' "$D/genes.tsv" >> "$I/twice.tsv"
expect 1 P --samples "$S" --out "$WORK/tw" --split-from "$I/twice.tsv"
contains "twice.tsv:62"; contains "listed again"; no_csv "$WORK/tw"
# the same gene twice in the same split is harmless: accepted
cp "$D/genes.tsv" "$I/same.tsv"; sed -n 2p "$D/genes.tsv" >> "$I/same.tsv"
expect 0 P --samples "$S" --out "$WORK/same" --split-from "$I/same.tsv" --quiet
cmp -s "$D/A.test.csv" "$WORK/same/A.test.csv" && ok || bad "--split-from with a repeated row changed the test split"

# --- --out a symbolic link: the folder behind it gets the files, the link stays ---
mkdir -p "$WORK/target" && ln -s target "$WORK/link"
expect 0 P --samples "$S" --out "$WORK/link" --split 36,12,12 --seed 4 --quiet
[ -L "$WORK/link" ] && ok || bad "the symbolic link --out was replaced"
cmp -s "$D/A.train.csv" "$WORK/target/A.train.csv" && ok || bad "the folder behind the link did not get the files"
ln -s nowhere "$WORK/dangling"
expect 1 P --samples "$S" --out "$WORK/dangling";   contains "symbolic link"
mkdir -p "$WORK/full" && touch "$WORK/full/keep" && ln -s full "$WORK/link_full"
expect 1 P --samples "$S" --out "$WORK/link_full";  contains "not empty"
[ -f "$WORK/full/keep" ] && ok || bad "a refused run touched the folder behind the link"

# --- an output folder that cannot be written: said before any input is read ---
sed 's/A.k4me3.tagAlign/A.missing.tagAlign/' "$S" > "$I/s_missing.csv"
if [ "$(id -u)" -eq 0 ]; then
  RO=/sys/deepdiff-prepare-test/out   # sysfs takes no new folder, even from root
else
  mkdir -p "$WORK/ro" && chmod 555 "$WORK/ro" && RO="$WORK/ro/out"
fi
expect 1 P --samples "$I/s_missing.csv" --out "$RO"
contains "cannot write the output folder"; lacks "A.missing.tagAlign"
[ "$(id -u)" -eq 0 ] || chmod 755 "$WORK/ro"

# --- SIGTERM while writing: exit by the signal, nothing left beside --out ---
# 20,000 bins of 1 bp: about 100 MB of CSV, so the writing lasts long enough to be interrupted.
"$BIN" prepare --samples "$S" --genes "$I/genes.bed" --bins 20000 --bin-size 1 --out "$WORK/sig" --threads 1 \
  >"$WORK/sig.log" 2>&1 &
pid=$!
for _ in $(seq 2000); do
  ls -d "$WORK"/.sig.prepare-tmp.* >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
if ls -d "$WORK"/.sig.prepare-tmp.* >/dev/null 2>&1; then
  kill -TERM "$pid"; wait "$pid"; rc=$?
  [ "$rc" -eq 143 ] && ok || bad "SIGTERM while writing: exit $rc, wanted 143 (the signal's)"
  grep -q "SIGTERM" "$WORK/sig.log" && ok || bad "no message on SIGTERM: $(tail -2 "$WORK/sig.log")"
  ls -d "$WORK"/.sig.prepare-tmp.* >/dev/null 2>&1 && bad "SIGTERM left the temporary folder" || ok
  [ -e "$WORK/sig" ] && bad "SIGTERM left an output folder" || ok
else
  wait "$pid"; bad "prepare finished (exit $?) before its temporary folder could be seen: enlarge the run"
fi

# --- leftovers of a dead run are removed at the next start (and said); a live run's are kept ---
host=$(hostname | tr './' '__')
sh -c 'exit 0' & dead=$!; wait "$dead"
mkdir -p "$WORK/.st.prepare-tmp.$host-$dead" "$WORK/.st.prepare-tmp.$host-$$" "$WORK/.st.prepare-tmp.$host-$dead.probe"
touch "$WORK/.st.prepare-tmp.$host-$dead/A.train.csv" "$WORK/.st.prepare-tmp.$host-$$/A.train.csv"
expect 0 P --samples "$S" --out "$WORK/st" --split 36,12,12
contains "removed .*\.st\.prepare-tmp\.$host-$dead"; contains "interrupted run"
[ -e "$WORK/.st.prepare-tmp.$host-$dead" ] && bad "the dead run's temporary folder is still there" || ok
[ -e "$WORK/.st.prepare-tmp.$host-$dead.probe" ] && bad "the dead run's probe folder is still there" || ok
[ -e "$WORK/.st.prepare-tmp.$host-$$" ] && ok || bad "a live process's temporary folder was removed"
grep -q "removed_leftovers" "$WORK/st/prepare.json" && ok || bad "prepare.json does not record the removal"
rm -rf "$WORK/.st.prepare-tmp.$host-$$"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
