# Assertions shared by the end-to-end shell tests (sourced; WORK must be set).
#   expect RC CMD...   run CMD, its output into $WORK/out, and compare the exit code
#   contains TEXT / lacks TEXT   about $WORK/out
# Counts go to $passes and $fails; the caller prints "N passed, M failed" and exits with it.
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
show_out() { sed 's/^/    /' "$WORK/out" | tail -8; }
expect() {
  local want=$1; shift
  "$@" >"$WORK/out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then bad "exit $rc (wanted $want): $*"; show_out; else ok; fi
}
contains() {
  if grep -q -- "$1" "$WORK/out"; then ok; else bad "output lacks '$1'"; show_out; fi
}
lacks() {
  if grep -q -- "$1" "$WORK/out"; then bad "output has '$1'"; show_out; else ok; fi
}
