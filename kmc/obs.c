/* kmc/obs.c */
#include "kmc/obs.h"

#include <inttypes.h>
#include <stdio.h>

const obs_def obs_table[OBS_N] = {
    [OBS_STEP] = {"step", "", "sweep", 12, 'd', 0, false, "derived", false},
    [OBS_TIME] = {"time_s", "s", "time_s", 13, 'e', 6, false, "derived", false},
    [OBS_ATOMS] = {"atoms", "", "atoms", 10, 'd', 0, false, "sum", false},
    [OBS_COVERAGE] = {"coverage_ML", "ML", "coverage_ML", 11, 'f', 4, false, "derived", false},
    [OBS_ROUGHNESS] = {"roughness_A", "Ang", "rough_A", 10, 'f', 4, false, "derived", false},
    [OBS_ETA] = {"eta_mV", "mV", "eta_mV", 10, 'f', 3, false, "derived", false},
    [OBS_EVENT_RATE] = {"events_per_s", "1/s", "events/s", 12, 'e', 4, false, "wall", false},
    [OBS_ACTIVE_LI] = {"active_Li", "", "active_Li", 10, 'd', 0, true, "pass", false},
    [OBS_DEAD_LI] = {"dead_Li", "", "dead_Li", 10, 'd', 0, true, "pass", false},
    [OBS_DEAD_CLUSTERS] = {"dead_clusters", "", "dead_cl", 8, 'd', 0, true, "pass", false},
    [OBS_VOIDS] = {"voids", "", "voids", 7, 'd', 0, true, "pass", false},
    [OBS_DEPOSITED] = {"deposited", "", "deposited", 10, 'd', 0, false, "sum", true},
    [OBS_STRIPPED] = {"stripped", "", "stripped", 10, 'd', 0, false, "sum", true},
    [OBS_NUCLEI] = {"nuclei", "", "nuclei", 7, 'd', 0, true, "pass", false},
    [OBS_SURF_SITES] = {"surface_sites", "", "surf", 7, 'd', 0, true, "sum", false},
    [OBS_SURF_COVERED] = {"surface_covered", "", "surf_cov", 8, 'd', 0, true, "sum", false},
    [OBS_SEED_SITES] = {"seed_sites", "", "seed", 6, 'd', 0, true, "sum", false},
    [OBS_SEED_COVERED] = {"seed_covered", "", "seed_cov", 8, 'd', 0, true, "sum", false},
    [OBS_OXIDE_SITES] = {"oxide_sites", "", "oxide", 6, 'd', 0, true, "sum", false},
    [OBS_OXIDE_COVERED] = {"oxide_covered", "", "ox_cov", 6, 'd', 0, true, "sum", false},
    [OBS_TRAPPED] = {"trapped", "", "trapped", 8, 'd', 0, true, "sum", false},
};

void obs_fill(const eng_stats *s, const perc_result *pass, int64_t step, double events_per_s,
              double v[OBS_N])
{
    v[OBS_STEP] = (double)step;
    v[OBS_TIME] = s->time_s;
    v[OBS_ATOMS] = (double)s->atoms;
    v[OBS_COVERAGE] = s->coverage_ML;
    v[OBS_ROUGHNESS] = s->roughness_A;
    v[OBS_ETA] = 1e3 * s->eta_V;
    v[OBS_EVENT_RATE] = events_per_s;
    v[OBS_ACTIVE_LI] = pass != NULL ? (double)pass->active_li : 0.0;
    v[OBS_DEAD_LI] = pass != NULL ? (double)pass->dead_li : 0.0;
    v[OBS_DEAD_CLUSTERS] = pass != NULL ? (double)pass->dead_clusters : 0.0;
    v[OBS_VOIDS] = pass != NULL ? (double)pass->voids : 0.0;
    v[OBS_DEPOSITED] = (double)s->deposits;
    v[OBS_STRIPPED] = (double)s->strips;
    v[OBS_NUCLEI] = (double)s->nuclei;
    v[OBS_SURF_SITES] = (double)s->surf.sites[ENG_SURF_ALL];
    v[OBS_SURF_COVERED] = (double)s->surf.covered[ENG_SURF_ALL];
    v[OBS_SEED_SITES] = (double)s->surf.sites[ENG_SURF_SEED];
    v[OBS_SEED_COVERED] = (double)s->surf.covered[ENG_SURF_SEED];
    v[OBS_OXIDE_SITES] = (double)s->surf.sites[ENG_SURF_OXIDE];
    v[OBS_OXIDE_COVERED] = (double)s->surf.covered[ENG_SURF_OXIDE];
    v[OBS_TRAPPED] = (double)s->trapped;
}

void obs_thermo_header(const kmc_log *lg, bool exact, bool perc)
{
    obs_thermo_header_strip(lg, exact, perc, false);
}

void obs_thermo_header_strip(const kmc_log *lg, bool exact, bool perc, bool strip)
{
    for (int k = 0; k < OBS_N; ++k) {
        const obs_def *o = &obs_table[k];
        if ((o->perc && !perc) || (o->strip && !strip))
            continue;
        const char *head = k == OBS_STEP && exact ? "events" : o->head;
        log_info(lg, "%s%*s", k == 0 ? "" : " ", o->width, head);
    }
    log_info(lg, "\n");
}

void obs_thermo_line(const kmc_log *lg, const double v[OBS_N], bool perc)
{
    obs_thermo_line_strip(lg, v, perc, false);
}

void obs_thermo_line_strip(const kmc_log *lg, const double v[OBS_N], bool perc, bool strip)
{
    for (int k = 0; k < OBS_N; ++k) {
        const obs_def *o = &obs_table[k];
        if ((o->perc && !perc) || (o->strip && !strip))
            continue;
        const char *sep = k == 0 ? "" : " ";
        if (o->conv == 'd')
            log_info(lg, "%s%*" PRId64, sep, o->width, (int64_t)v[k]);
        else if (o->conv == 'e')
            log_info(lg, "%s%*.*e", sep, o->width, o->prec, v[k]);
        else
            log_info(lg, "%s%*.*f", sep, o->width, o->prec, v[k]);
    }
    log_info(lg, "\n");
}

const char *obs_csv(int what, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < OBS_N && n < cap; ++k)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", k == 0 ? "" : ",",
                              what == 0 ? obs_table[k].name : obs_table[k].unit);
    return buf;
}
