#!/usr/bin/env bash
# tests/golden/golden.sh — golden checksums: every shipped and test deck, at the rank
# counts in the table, must print the checksum recorded there. A refactor that changes
# no physics leaves every line green; a change of the physics changes lines, and the
# commit that records new values says why.
#
#   bash tests/golden/golden.sh KMC OUTDIR            compare with tests/golden/checksums.txt
#   bash tests/golden/golden.sh KMC OUTDIR --record   write the table anew from this build
#
# Table rows: NP|DECK|ARGS|CHECKSUM. ARGS may use @OUT@ for a
# private output folder (run files and checkpoints go there, never into the sources).
set -u
kmc="$1"; out="$2"; mode="${3:-compare}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
table="$here/tests/golden/checksums.txt"
mpiexec="${MPIEXEC:-mpiexec}"
mkdir -p "$out"
cd "$here" || exit 2
fail=0; n=0; new=()
while IFS= read -r line; do
  case "$line" in ''|\#*) new+=("$line"); continue ;; esac
  IFS='|' read -r np deck args want <<< "$line"
  n=$((n + 1))
  run="$out/run$n"; rm -rf "$run"; mkdir -p "$run"
  a="${args//@OUT@/$run}"
  eval "set -- $a"   # ARGS may quote a value with spaces: -var tiles '12 12'
  log=$("$mpiexec" -n "$np" --oversubscribe "$kmc" "$deck" "$@" 2>&1 </dev/null); rc=$?
  got=$(printf '%s\n' "$log" | sed -n 's/^checksum \(0x[0-9a-f]*\)$/\1/p')
  if [ $rc -ne 0 ] || [ -z "$got" ]; then
    echo "FAIL np $np $deck $args: exit $rc, no checksum"; printf '%s\n' "$log" | tail -5; fail=$((fail + 1))
  elif [ "$mode" = --record ]; then
    echo "record np $np $deck $args: $got"
  elif [ "$got" != "$want" ]; then
    echo "FAIL np $np $deck $args: $got, golden $want"; fail=$((fail + 1))
  else
    echo "ok   np $np $deck $args: $got"
  fi
  new+=("$np|$deck|$args|$got")
done < "$table"
if [ "$mode" = --record ]; then
  [ $fail -eq 0 ] || { echo "not recorded: $fail runs failed"; exit 1; }
  printf '%s\n' "${new[@]}" > "$table"
  echo "recorded $n checksums in $table"
  exit 0
fi
echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
