#!/usr/bin/env python3
"""tests/check_adatom_rates.py KMC_OUTPUT_FILE — the set-up block of
tests/data/nucleation_cu.deck (as printed by `kmc -check` or a run) must give, for
each surface, the hop rate nu exp(-E/kT) of a lone adatom computed here from the
numbers of tests/data/nucleation_cu.pot, D/F = that rate over F = 4 /s per site, and
name Cu, the collector, as the surface that governs nucleation."""
import math
import re
import sys

KB_EV_PER_K = 8.617333262e-5
NU, T, F = 1e13, 300.0, 4.0  # nucleation_cu.pot, nucleation_cu.deck (4 ML/s)
# bcc(100) hollow: 4 1NN + 1 2NN below; E = base(2nn) + 4 bond1 + bond2
WANT = {"cu": 0.05 + 4 * 0.10 + 0.05, "li": 0.05 + 4 * 0.75 + 0.10}


def close(got, want, digits):
    """equal to the printed precision: `digits` significant digits"""
    return abs(got - want) <= 0.5001 * 10 ** (math.floor(math.log10(abs(want))) - digits + 1)


def main():
    text = open(sys.argv[1]).read()
    fail = []
    for sp, e_eV in WANT.items():
        rate = NU * math.exp(-e_eV / (KB_EV_PER_K * T))
        lines = re.findall(r"on %s\(100\): 4 x 2nn at (\S+) /s \(E = (\S+) eV\); D/F = (\S+)" % sp,
                           text)
        if len(lines) != 1:
            fail.append("%s: expected one adatom line, found %d" % (sp, len(lines)))
            continue
        r, e, df = (float(v) for v in lines[0])
        if not close(r, rate, 6):
            fail.append("%s: hop rate %g /s, expected %.6g" % (sp, r, rate))
        if abs(e - e_eV) > 5e-5:
            fail.append("%s: barrier %g eV, expected %.4f" % (sp, e, e_eV))
        if not close(df, rate / F, 4):
            fail.append("%s: D/F %g, expected %.4g" % (sp, df, rate / F))
    gov = re.findall(r"D/F +(\S+) on (\w+)\(100\) governs nucleation", text)
    if len(gov) != 1 or gov[0][1] != "cu":
        fail.append("expected one 'governs nucleation' line naming cu, found %s" % gov)
    elif not close(float(gov[0][0]), NU * math.exp(-WANT["cu"] / (KB_EV_PER_K * T)) / F, 4):
        fail.append("nucleation D/F %s is not Cu's" % gov[0][0])
    for f in fail:
        print("FAIL:", f)
    if fail:
        print(text)
        sys.exit(1)
    print("ok: adatom rates and D/F on cu(100) and li(100) match nu exp(-E/kT)")


main()
