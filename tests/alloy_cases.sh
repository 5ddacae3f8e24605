#!/usr/bin/env bash
# tests/alloy_cases.sh MODE KMC OUT — nucleation and alloying on engineered collectors
# (kmc/evt_alloy.c, kmc/nucl.c; docs/model.md 'Alloying on engineered collectors').
# Fixed seeds; every margin below is stated with the sample it rests on.
#   seeds     Li nucleates preferentially on Ag seeds: over 6 seeds of a 25 % random Ag
#             seed layer plated to ~0.25 ML (hops on, Li-Ag exchange off so the seeds
#             stay in place), the Li-covered fraction of Ag surface sites exceeds that
#             of Cu surface sites by more than 5 sigma, sigma the binomial error of the
#             difference counting each adatom's 4 hollow sites as one sample
#   oxide     native oxide suppresses nucleation: half the top covered by oxide, plated
#             to ~0.25 ML; the covered fraction of oxide surface sites is below 1/4 of
#             that of bare Cu sites (Li reaches oxide only by growing over it from
#             uncovered neighbours: no deposition site has only oxide below it)
#   implant   a shallow lithiophilic implant (Ag, 2e15 ions/cm2, range 2 Ang) against bare
#             Cu, both plated for the same simulated time (the same charge, ~0.2 ML) over
#             3 seeds: the collector's Li-covered fraction is higher by more than 5 sigma
#             (binomial, 4 sites per adatom as one sample) and there are more than twice
#             as many nuclei (Li spreads over the alloying surface instead of gathering
#             in a few 3D islands on lithiophobic Cu)
#   trap      Li-Zn trapping: Zn seed fractions 0.1, 0.3, 0.6, 2 ML plated with hops off:
#             the trapped Li never exceeds the Zn surface sites (capacity 1 Li per Zn
#             site), ends within 3 % of it (saturation: every Zn site Li touched is
#             LiZn), grows with the Zn fraction, and the inventory closes:
#             Li metal = deposited - trapped
#   exchange  Li-Ag exchange (Ag interlayer, plating with hops): Ag and Li are both
#             conserved (the Li stays Li: no trapped Li), and Ag atoms leave the
#             interlayer into the deposit (Ag dissolves into Li)
#   restart   a collector deck with five builders and both alloying channels, killed by
#             kill -9 after its 2nd checkpoint on 2 ranks, restarted with the deck on 3
#             ranks, ends with the straight run's checksum and trapped count
# Exit 0 = pass.
set -u
mode=$1 kmc=$2 out=$3
run() { mpirun -np "$1" --oversubscribe "$kmc" "${@:2}"; }
fail() { echo "FAIL ($mode): $*"; exit 1; }
rm -rf "$out"; mkdir -p "$out"
pot=$PWD/potentials/li_bcc.pot

# kind a/b from the summary's nucleation line: "KIND... a/b"
cov() { grep -o "$2[^;]* [0-9]*/[0-9]*" "$1" | grep -o '[0-9]*/[0-9]*$'; }

deck() { # deck FILE POT BUILDER HOPS CURRENT EVENTS
  cat > "$1" <<EOF
variable seed 1
box 16 16 10
potential $2
temperature 298 K
hops $4
collector cu thickness 3
$3
deposit current $5 mA/cm2
percolate every 1000
thermo 100000
seed \${seed}
run events $6
EOF
}

case "$mode" in
seeds)
  grep -v '^alloy ag' "$pot" > "$out/noexch.pot"
  deck "$out/s.deck" "$out/noexch.pot" "seeds ag fraction 0.25 pattern random" 1nn+2nn 1e6 30000
  sc=0 sn=0 bc=0 bn=0
  for s in 1 2 3 4 5 6; do
    run 1 "$out/s.deck" -var seed $s > "$out/s$s.log" 2>&1 || { cat "$out/s$s.log"; fail "seed $s run failed"; }
    a=$(cov "$out/s$s.log" "seed (") b=$(cov "$out/s$s.log" "bare (")
    [ -n "$a" ] && [ -n "$b" ] || { cat "$out/s$s.log"; fail "no nucleation line"; }
    sc=$((sc + ${a%/*})) sn=$((sn + ${a#*/})) bc=$((bc + ${b%/*})) bn=$((bn + ${b#*/}))
  done
  /usr/bin/python3 - "$sc" "$sn" "$bc" "$bn" <<'EOF' || fail "Ag seeds not preferred"
import math, sys
sc, sn, bc, bn = map(int, sys.argv[1:])
ps, pb = sc / sn, bc / bn
p = (sc + bc) / (sn + bn)
sigma = math.sqrt(p * (1 - p) * (4.0 / sn + 4.0 / bn))  # 4 sites per adatom: n/4 samples
z = (ps - pb) / sigma
print("Ag seed sites covered %d/%d = %.3f, Cu sites %d/%d = %.3f: %.1f sigma" % (sc, sn, ps, bc, bn, pb, z))
sys.exit(0 if z > 5 else 1)
EOF
  ;;
implant)
  deck "$out/b.deck" "$pot" "" 1nn+2nn 1e6 0
  sed -i 's/^run events 0$/run time 6e-8 s/' "$out/b.deck"
  sed -e 's/^$/implant ag dose 2e15 ions\/cm2 range 2 Ang straggle 2 Ang/' "$out/b.deck" > "$out/i.deck"
  grep -q '^implant ag' "$out/i.deck" || fail "no implant line in the deck"
  for k in b i; do
    c=0 n=0 nu=0
    for s in 1 2 3; do
      run 1 "$out/$k.deck" -var seed $s > "$out/$k$s.log" 2>&1 || { cat "$out/$k$s.log"; fail "$k seed $s failed"; }
      a=$(cov "$out/$k$s.log" "all") m=$(grep -oE 'Li nuclei +[0-9]+' "$out/$k$s.log" | grep -oE '[0-9]+$')
      [ -n "$a" ] && [ -n "$m" ] || { cat "$out/$k$s.log"; fail "no nucleation lines"; }
      c=$((c + ${a%/*})) n=$((n + ${a#*/})) nu=$((nu + m))
    done
    eval "c_$k=$c n_$k=$n nu_$k=$nu"
  done
  /usr/bin/python3 - "$c_b" "$n_b" "$nu_b" "$c_i" "$n_i" "$nu_i" <<'EOF' || fail "the implant does not make coverage more uniform"
import math, sys
cb, nb, ub, ci, ni, ui = map(int, sys.argv[1:])
pb, pi = cb / nb, ci / ni
sigma = math.sqrt(pb * (1 - pb) * 4 / nb + pi * (1 - pi) * 4 / ni)
z = (pi - pb) / sigma
print("covered: bare Cu %d/%d = %.3f, Ag implant %d/%d = %.3f (%.1f sigma); nuclei %d vs %d"
      % (cb, nb, pb, ci, ni, pi, z, ub, ui))
sys.exit(0 if z > 5 and ui > 2 * ub else 1)
EOF
  ;;
oxide)
  deck "$out/o.deck" "$pot" "oxide thickness 2 Ang coverage 0.5" 1nn+2nn 1e6 30000
  run 1 "$out/o.deck" > "$out/o.log" 2>&1 || { cat "$out/o.log"; fail "run failed"; }
  a=$(cov "$out/o.log" "oxide") b=$(cov "$out/o.log" "bare (")
  [ -n "$a" ] && [ -n "$b" ] || { cat "$out/o.log"; fail "no nucleation line"; }
  echo "oxide sites covered $a, bare Cu sites $b"
  [ $((4 * ${a%/*} * ${b#*/})) -lt $((${b%/*} * ${a#*/})) ] \
    || fail "oxide sites covered $a, not below 1/4 of the bare fraction $b" ;;
trap)
  prev=-1
  for f in 0.1 0.3 0.6; do
    deck "$out/t.deck" "$pot" "seeds zn fraction $f pattern random" off 1e5 768
    run 1 "$out/t.deck" > "$out/t$f.log" 2>&1 || { cat "$out/t$f.log"; fail "f = $f run failed"; }
    z=$(cov "$out/t$f.log" "seed (") ; zn=${z#*/}
    tr=$(grep -o 'trap  *[0-9]* events' "$out/t$f.log" | grep -o '[0-9][0-9]*')
    inv=$(grep 'Li inventory' "$out/t$f.log")
    echo "Zn fraction $f: $tr trapped of $zn Zn surface sites; $inv"
    [ -n "$tr" ] && [ -n "$zn" ] || { cat "$out/t$f.log"; fail "no trap or nucleation line"; }
    [ "$tr" -le "$zn" ] || fail "f = $f: $tr trapped Li exceed the capacity of $zn Zn sites"
    [ $((100 * tr)) -ge $((97 * zn)) ] || fail "f = $f: $tr trapped of $zn Zn sites: not saturated"
    [ "$tr" -gt "$prev" ] || fail "f = $f: trapped $tr does not grow with the Zn fraction (before: $prev)"
    echo "$inv" | grep -qE "= 0 filled \+ ([0-9]+) deposited - 0 stripped - $tr trapped" \
      || fail "inventory line: $inv"
    m=$(echo "$inv" | grep -oE '^ *Li inventory +[0-9]+' | grep -oE '[0-9]+$')
    d=$(echo "$inv" | grep -oE '\+ [0-9]+ deposited' | grep -oE '[0-9]+')
    [ "$m" -eq $((d - tr)) ] || fail "Li metal $m != deposited $d - trapped $tr"
    prev=$tr
  done ;;
exchange)
  cat > "$out/x.deck" <<EOF
box 16 16 10
potential $pot
temperature 298 K
hops 1nn+2nn
collector cu thickness 3
interlayer ag thickness 2 Ang
deposit current 1e6 mA/cm2
thermo 100000
snapshot every 1000000000
output prefix $out/x
seed 5
run events 30000
EOF
  run 1 "$out/x.deck" > "$out/x.log" 2>&1 || { cat "$out/x.log"; fail "run failed"; }
  grep -qE 'exchange +[1-9][0-9]* events' "$out/x.log" || { cat "$out/x.log"; fail "no exchange"; }
  grep -qE 'Li inventory +([0-9]+) Li metal = 0 filled \+ \1 deposited - 0 stripped - 0 trapped' \
    "$out/x.log" || { grep inventory "$out/x.log"; fail "Li not conserved by the exchange"; }
  /usr/bin/python3 - "$out/x.h5" <<'EOF' || fail "Ag not conserved or not dissolved"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    snaps = sorted(f["snapshots"].values(), key=lambda g: int(g.attrs["index"]))
    first, last = snaps[0]["species"][()], snaps[-1]["species"][()]
AG = 3
n0, n1 = int((first == AG).sum()), int((last == AG).sum())
# z is the slowest axis of the stored lattice: Ag above the interlayer's top plane
z0 = max(np.nonzero(first == AG)[0]) if n0 else -1
up = int((last[z0 + 1:] == AG).sum())
print("Ag sites %d -> %d; %d Ag atoms above the interlayer" % (n0, n1, up))
sys.exit(0 if n0 == n1 and n0 > 0 and up > 0 else 1)
EOF
  ;;
restart)
  cat > "$out/r.deck" <<EOF
variable seed 11
box 24 24 12
potential $pot
temperature 298 K
hops 1nn+2nn
collector cu thickness 5
surface rough rms 1.5 Ang correlation 6 Ang
brass zn_fraction 0.37 dealloy depth 4 Ang residual 0.2
seeds ag fraction 0.15 pattern patches size 5 Ang
implant zn dose 3e14 ions/cm2 range 5 Ang straggle 2 Ang
oxide thickness 2 Ang coverage 0.3
deposit flux 2e7 ML/s
tiles 4 4
window auto 1000
percolate every 10
thermo 20
checkpoint every 20
output prefix \${prefix}
seed \${seed}
run events 12000
EOF
  run 2 "$out/r.deck" -var prefix "$out/straight" > "$out/straight.log" 2>&1 \
    || { cat "$out/straight.log"; fail "straight run failed"; }
  grep -qE 'trap +[1-9][0-9]* events' "$out/straight.log" || { cat "$out/straight.log"; fail "no trapping"; }
  grep -qE 'exchange +[1-9][0-9]* events' "$out/straight.log" || fail "no exchange"
  KMC_TEST_CKPT_KILL=2 run 2 "$out/r.deck" -var prefix "$out/k" > "$out/k.log" 2>&1
  [ -f "$out/k.ckpt.latest" ] || { cat "$out/k.log"; fail "no checkpoint before the kill"; }
  run 3 -restart "$(cat "$out/k.ckpt.latest")" "$out/r.deck" -var prefix "$out/k" > "$out/r.log" 2>&1 \
    || { cat "$out/r.log"; fail "restart on 3 ranks failed"; }
  grep -q "restarted from" "$out/r.log" || fail "no restart line"
  a=$(grep -o 'checksum 0x[0-9a-f]*' "$out/straight.log"); b=$(grep -o 'checksum 0x[0-9a-f]*' "$out/r.log")
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "restart gave '$b', the straight run '$a'"
  ta=$(grep 'Li inventory' "$out/straight.log"); tb=$(grep 'Li inventory' "$out/r.log")
  [ "$ta" = "$tb" ] || fail "inventory differs: '$tb' vs '$ta'"
  echo "restart ok: $a; $ta" ;;
*) fail "unknown mode" ;;
esac
echo "PASS ($mode)"
