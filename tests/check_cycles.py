#!/usr/bin/env python3
"""tests/check_cycles.py PREFIX AREA_CM2 BOX_AREA_M2 — the per-cycle table and the
cycler-format file of a protocol run (kmc/book.h), against what they must say:

  PREFIX.cycles.csv  the header is exactly the documented one; one row per cycle,
                     numbered from 1; CE = 100 stripped / plated; every amount >= 0
                     except the dead Li created (a net figure); fractions in [0, 1];
                     the dense thickness is 4.86 um per mAh/cm2 of Li in the lattice
                     (the run starts with FILL_LI_ATOMS of fill Li, given by env);
  PREFIX.bdf.csv     the Battery Data Format columns; the time increases; the cycle
                     count steps 1..N; per cycle the charge and discharge capacities
                     start at 0, never decrease, end at the cycle table's plated and
                     stripped charge (x the electrode area), and agree with the
                     integral of the current (a galvanostatic rate: Poisson, 5 sigma
                     in atoms); the voltage is the overpotential: < 0 plating, > 0
                     stripping, 0 at rest.
Needs thermo 1 (one row per sweep: the current is constant between two rows).
Exit 0 = pass."""
import csv
import math
import os
import sys

CYC_COLS = ("cycle,t_end_s,plated_mAh_cm2,stripped_mAh_cm2,ce_pct,dead_li_mAh_cm2,"
            "sei_li_mAh_cm2,sei_dead_mAh_cm2,trapped_mAh_cm2,recovered_mAh_cm2,void_fraction,"
            "contact_lost_fraction,porosity,thickness_um,dense_thickness_um,rms_roughness_nm,"
            "active_area_ratio,eta_end_mV").split(",")
BDF_COLS = ["Test Time / s", "Voltage / V", "Current / A", "Cycle Count / 1", "Step Count / 1",
            "Charge Capacity / Ah", "Discharge Capacity / Ah"]
E = 1.602176634e-19


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    prefix, area_cm2, box_m2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    with open(prefix + ".cycles.csv") as f:
        rows = list(csv.reader(f))
    if rows[0] != CYC_COLS:
        fail(f"cycles.csv header {rows[0]}")
    cyc = [dict(zip(CYC_COLS, map(float, r))) for r in rows[1:]]
    if not cyc:
        fail("no cycle rows")
    li_mah = float(os.environ.get("FILL_LI_ATOMS", "0")) * E / box_m2 / 36000.0
    for k, c in enumerate(cyc):
        if c["cycle"] != k + 1:
            fail(f"row {k + 1} is cycle {c['cycle']}")
        if c["plated_mAh_cm2"] > 0 and abs(c["ce_pct"] - 100 * c["stripped_mAh_cm2"] / c["plated_mAh_cm2"]) > 1e-6:
            fail(f"cycle {k + 1}: CE {c['ce_pct']} is not stripped / plated")
        for n in ("plated_mAh_cm2", "stripped_mAh_cm2", "sei_li_mAh_cm2", "sei_dead_mAh_cm2",
                  "trapped_mAh_cm2", "recovered_mAh_cm2", "thickness_um", "dense_thickness_um",
                  "rms_roughness_nm", "active_area_ratio"):
            if c[n] < 0:
                fail(f"cycle {k + 1}: {n} = {c[n]} < 0")
        for n in ("void_fraction", "contact_lost_fraction", "porosity"):
            if not 0 <= c[n] <= 1:
                fail(f"cycle {k + 1}: {n} = {c[n]} outside [0, 1]")
        # the lattice's Li: the fill, plus plated, minus stripped, SEI and trapped
        li_mah += c["plated_mAh_cm2"] - c["stripped_mAh_cm2"] - c["sei_li_mAh_cm2"] \
            - c["sei_dead_mAh_cm2"] - c["trapped_mAh_cm2"]
        ratio = c["dense_thickness_um"] / li_mah
        if abs(ratio - 4.86) > 0.01:
            fail(f"cycle {k + 1}: dense thickness {c['dense_thickness_um']} um for {li_mah} "
                 f"mAh/cm2 of Li: {ratio:.4f} um per mAh/cm2, not 4.86")
        if c["dense_thickness_um"] > c["thickness_um"] * (1 + 1e-9) and c["porosity"] > 0:
            fail(f"cycle {k + 1}: a porous deposit thinner than its dense film")
    print(f"cycles.csv: {len(cyc)} cycles, CE {[round(c['ce_pct'], 3) for c in cyc]}, "
          f"dense thickness {ratio:.4f} um per mAh/cm2")

    with open(prefix + ".bdf.csv") as f:
        rows = list(csv.reader(f))
    if rows[0] != BDF_COLS:
        fail(f"bdf.csv header {rows[0]}")
    b = [list(map(float, r)) for r in rows[1:]]
    q_atom = E * area_cm2 * 1e-4 / box_m2 / 3600.0  # Ah per atom on the electrode
    for i in range(1, len(b)):
        if not b[i][0] > b[i - 1][0]:
            fail(f"row {i + 1}: time {b[i][0]} after {b[i - 1][0]}")
    for k, c in enumerate(cyc):
        rs = [i for i in range(len(b)) if b[i][3] == k + 1]
        if not rs or rs != list(range(rs[0], rs[-1] + 1)):
            fail(f"cycle {k + 1}: its rows are not one block")
        qi = {5: 0.0, 6: 0.0}
        for i in rs:
            if i > 0 and b[i][3] == b[i - 1][3]:
                for col in (5, 6):
                    if b[i][col] < b[i - 1][col] - 1e-30:
                        fail(f"row {i + 1}: capacity column {col} decreases")
            if i > 0:  # the current of the sweep that ended at row i
                dq = b[i][2] * (b[i][0] - b[i - 1][0]) / 3600.0
                qi[5 if dq > 0 else 6] += abs(dq)
            v, cur = b[i][1], b[i][2]
            if (cur > 0 and not v < 0) or (cur < 0 and not v > 0) or (cur == 0 and v != 0):
                fail(f"row {i + 1}: voltage {v} V with current {cur} A")
        last = b[rs[-1]]
        for col, name in ((5, "plated_mAh_cm2"), (6, "stripped_mAh_cm2")):
            want = c[name] * area_cm2 * 1e-3
            if abs(last[col] - want) > 1e-9 * max(want, 1e-30):
                fail(f"cycle {k + 1}: capacity {last[col]} Ah at its end, table {want} Ah")
            atoms, expect = last[col] / q_atom, qi[col] / q_atom
            tol = 5 * math.sqrt(max(expect, 1.0))
            print(f"cycle {k + 1} {BDF_COLS[col]}: {atoms:.1f} atoms counted, {expect:.1f} from "
                  f"the integral of the current (5 sigma {tol:.1f})")
            if abs(atoms - expect) > tol:
                fail(f"cycle {k + 1}: {BDF_COLS[col]} does not integrate the current")
    print(f"bdf.csv: {len(b)} rows")


main()
