#!/usr/bin/env bash
# tools/slurm_kmc.sh — an example SLURM batch script for long kmc runs.
#
#   sbatch tools/slurm_kmc.sh study.deck            # first part
#   sbatch tools/slurm_kmc.sh study.deck            # again: continues from the newest checkpoint
#
# SLURM sends SIGUSR1 to this batch shell 10 minutes before the time limit
# (--signal=B:USR1@600). The shell forwards it to mpirun, which forwards it to the
# ranks; kmc finishes the sweep, writes a checkpoint, and exits with code 75. Do not
# rely on SIGTERM at the limit: mpirun forwards it and SIGKILL follows within about a
# second, too soon for a checkpoint. Set `checkpoint walltime` in the deck as a second
# safeguard (a little under the job's limit).
#SBATCH --job-name=kmc
#SBATCH --time=24:00:00
#SBATCH --ntasks=64
#SBATCH --signal=B:USR1@600
set -u
deck=${1:?usage: slurm_kmc.sh DECK [kmc options...]}
shift
kmc=${KMC:-kmc}
prefix=$(basename "$deck" .deck)      # the deck's default `output prefix`
restart=()
if [ -f "$prefix.ckpt.latest" ]; then # continue where the last job stopped
  restart=(-restart "$(cat "$prefix.ckpt.latest")")
fi
mpirun ${MPIRUN_ARGS:-} "$kmc" "${restart[@]}" "$deck" "$@" &
pid=$!
trap 'kill -USR1 $pid 2>/dev/null' USR1
# `wait` returns early when a trapped signal arrives: wait again until mpirun is gone
while :; do
  wait $pid
  rc=$?
  kill -0 $pid 2>/dev/null || break
done
if [ $rc -eq 75 ]; then
  echo "kmc stopped with a checkpoint ($(cat "$prefix.ckpt.latest")); submit this script again to continue"
fi
exit $rc
