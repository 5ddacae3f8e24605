/* kmc/main.c — the program: command line, deck and .pot on rank 0, broadcast,
 * run. The only file (with the tests' mains) that names MPI_COMM_WORLD. */
#include <errno.h>
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/err.h"
#include "kmc/base/log.h"
#include "kmc/base/units.h"
#include "kmc/base/version.h"
#include "kmc/base/sig.h"
#include "kmc/ckpt.h"
#include "kmc/deck.h"
#include "kmc/engine.h"
#include "kmc/evt.h"
#include "potentials/pot.h"
#include "potentials/pot_model.h"

#define MAX_VARS 256

typedef struct cli {
    const char *deck;
    deck_var vars[MAX_VARS];
    int nvars;
    uint64_t seed;
    bool seed_set, check, help, version;
    const char *log_path;
    const char *restart; /* -restart FILE */
} cli;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kmc DECK [-var NAME VALUE]... [-seed N] [-log FILE] [-check]\n"
            "       kmc -restart CHECKPOINT [DECK [-var NAME VALUE]...]\n"
            "       kmc -h | --version\n"
            "  -var NAME VALUE  set deck variable NAME (overrides `variable NAME ...`)\n"
            "  -seed N          random seed (overrides `seed` in the deck)\n"
            "  -log FILE        also write the log to FILE\n"
            "  -check           read and check the deck and .pot, print what would run\n"
            "  -restart FILE    continue from a checkpoint, on any rank count that holds\n"
            "                   whole tiles; a DECK may change only the run length and the\n"
            "                   thermo, checkpoint and output settings\n"
            "  -h               this help and the deck reference\n"
            "  --version        print the version\n"
            "Run under mpirun; `tiles none` (exact mode) runs on one rank.\n"
            "Exit codes: 0 ok, 64 usage, 65 bad deck/.pot, 66 file not found,\n"
            "  68 deposit outgrew the box, 70 internal error, 71 out of memory,\n"
            "  74 I/O error, 75 stopped by SIGUSR1/SIGTERM/walltime with a checkpoint\n");
}

/* Copy text to out with every line cut to HELP_COLS columns at spaces. A continuation
 * is indented like the text it continues: in the deck reference ("  usage   help"),
 * the help column; a line of indented text, its own indent; else that plus two. */
#define HELP_COLS 80
static void print_wrapped(FILE *out, const char *text)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
        if (len <= HELP_COLS) {
            fprintf(out, "%.*s\n", (int)len, text);
        } else {
            size_t lead = 0, hang;
            while (lead < len && text[lead] == ' ')
                ++lead;
            const char *gap = lead > 0 ? strstr(text + lead, "  ") : NULL;
            if (gap != NULL && gap < text + len) {
                hang = (size_t)(gap - text);
                while (hang < len && text[hang] == ' ')
                    ++hang;
            } else { /* a help on a line of its own keeps its column */
                hang = lead > 2 ? lead : lead + 2;
            }
            size_t pos = 0, width = HELP_COLS;
            while (len - pos > width) {
                size_t cut = pos + width;
                while (cut > pos && text[cut] != ' ')
                    --cut;
                if (cut == pos) /* one word longer than a line: leave it whole */
                    cut = pos + width;
                fprintf(out, "%.*s\n%*s", (int)(cut - pos), text + pos, (int)hang, "");
                pos = cut;
                while (pos < len && text[pos] == ' ')
                    ++pos;
                width = HELP_COLS - hang;
            }
            fprintf(out, "%.*s\n", (int)(len - pos), text + pos);
        }
        text += len + (nl != NULL);
    }
}

/* `kmc -h`: usage, then the deck reference from the parser's own command table,
 * fitted to 80 columns. */
static void print_help(FILE *out)
{
    usage(out);
    fputc('\n', out);
    char *buf = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&buf, &n);
    if (mem == NULL) { /* no memory for the copy: print it unwrapped */
        deck_print_reference(out);
        return;
    }
    deck_print_reference(mem);
    fclose(mem);
    print_wrapped(out, buf);
    free(buf);
}

/* Same argv on every rank: every rank reaches the same verdict, no communication. */
static kmc_err parse_cli(int argc, char **argv, cli *c, kmc_status *st)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            c->help = true;
        } else if (strcmp(a, "--version") == 0) {
            c->version = true;
        } else if (strcmp(a, "-check") == 0) {
            c->check = true;
        } else if (strcmp(a, "-var") == 0) {
            if (i + 2 >= argc)
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "-var needs NAME and VALUE");
            if (c->nvars == MAX_VARS)
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "more than %d -var options",
                                MAX_VARS);
            c->vars[c->nvars].name = argv[i + 1];
            c->vars[c->nvars].value = argv[i + 2];
            ++c->nvars;
            i += 2;
        } else if (strcmp(a, "-seed") == 0) {
            if (i + 1 >= argc)
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "-seed needs a value");
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[i + 1], &end, 0);
            if (errno != 0 || *end != '\0' || argv[i + 1][0] == '-' || argv[i + 1][0] == '\0')
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                                "-seed '%s' is not an unsigned integer", argv[i + 1]);
            c->seed = (uint64_t)v;
            c->seed_set = true;
            ++i;
        } else if (strcmp(a, "-restart") == 0) {
            if (i + 1 >= argc)
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "-restart needs a checkpoint file");
            c->restart = argv[++i];
        } else if (strcmp(a, "-log") == 0) {
            if (i + 1 >= argc)
                return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "-log needs a file name");
            c->log_path = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "unknown option '%s'", a);
        } else if (c->deck == NULL) {
            c->deck = a;
        } else {
            return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                            "more than one deck given ('%s' and '%s')", c->deck, a);
        }
    }
    if (c->deck == NULL && c->restart == NULL && !c->help && !c->version)
        return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC, "no deck given");
    /* A restart without a deck runs the checkpoint's stored settings: there is no deck
     * for -var to substitute into, and the seed is part of the checkpoint (the tiles'
     * streams continue from their stored states). Refused, so that nothing given on
     * the command line is silently dropped. */
    if (c->restart != NULL && c->deck == NULL && !c->help && !c->version) {
        if (c->seed_set)
            return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                            "-seed with -restart: the seed is part of the checkpoint and "
                            "cannot change; restart without -seed");
        if (c->nvars > 0)
            return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                            "-var %s with -restart but no deck: a restart without a deck "
                            "runs the checkpoint's stored settings, so there is nothing to "
                            "substitute into; give the deck after the checkpoint (kmc "
                            "-restart %s DECK -var %s %s) to change the run length, thermo, "
                            "checkpoint or output settings",
                            c->vars[0].name, c->restart, c->vars[0].name, c->vars[0].value);
    }
    return KMC_OK;
}

static int bcast_verdict(kmc_err rc)
{
    int v = (int)rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return v;
}

/* One line per surface that exists at start (the collector, if any) and for Li: the
 * hops of a lone adatom on it and D/F, with D the mean rate of one of its hops and F
 * the deposition rate per surface site (0: no deposition). The first atoms land on
 * the collector, so its D/F sets the nucleation regime; Li's sets the growth on the
 * film once it covers the collector. */
static void print_adatoms(const kmc_log *lg, const kmc_config *cfg, const pot_model *pm,
                          int nshell, double f_site)
{
    uint8_t surf[2];
    int nsurf = 0;
    if (cfg->collector_cells > 0 && cfg->collector_species != KMC_SP_LI)
        surf[nsurf++] = (uint8_t)cfg->collector_species;
    surf[nsurf++] = KMC_SP_LI;
    double df_first = -1.0;
    for (int q = 0; q < nsurf; ++q) {
        pot_adatom ad;
        kmc_status ast = {0};
        if (evt_hop_adatom(pm, nshell, surf[q], &ad, &ast) != KMC_OK) {
            log_error(lg, "%s\n", ast.msg);
            continue;
        }
        char hops[160] = "", *p = hops;
        size_t left = sizeof hops;
        for (int s = 0; s < LAT_NSHELL; ++s) {
            if (ad.nhop[s] == 0)
                continue;
            int w = snprintf(p, left, "%s%d x %s at %.6g /s (E = %.4f eV%s)",
                             p == hops ? "" : " + ", ad.nhop[s], s == 0 ? "1nn" : "2nn",
                             ad.hop_per_s[s], ad.barrier_eV[s], ad.nes[s] > 0 ? ", ES" : "");
            if (w < 0 || (size_t)w >= left)
                break;
            p += w;
            left -= (size_t)w;
        }
        const char *head = q == 0 ? "  adatom hops " : "              ";
        if (ad.nhops == 0) {
            log_info(lg, "%s on %s(100): none with these hops%s\n", head, sp_keyword(surf[q]),
                     nshell > 0 && pm->lattice == LAT_BCC
                         ? "; on bcc(100) terrace diffusion needs `hops 1nn+2nn`" : "");
            if (q == 0)
                df_first = 0.0;
            continue;
        }
        double d = ad.total_per_s / ad.nhops;
        if (f_site > 0.0)
            log_info(lg, "%s on %s(100): %s; D/F = %.4g\n", head, sp_keyword(surf[q]), hops,
                     d / f_site);
        else
            log_info(lg, "%s on %s(100): %s\n", head, sp_keyword(surf[q]), hops);
        if (q == 0)
            df_first = d / f_site;
    }
    if (f_site > 0.0)
        log_info(lg, "  D/F          %.4g on %s(100) governs nucleation (%s)\n"
                     "               D: mean rate of one adatom hop; F: %.4g /s per surface site\n",
                 df_first, sp_keyword(surf[0]),
                 surf[0] == KMC_SP_LI ? "no collector: Li on Li"
                                      : "the first atoms land on the collector",
                 f_site);
}

/* The splitting error the window gives (kmc/split.h), and a warning when it is
 * worse than the target: `window accuracy E`, or 2 % for a deck that sets the window
 * itself. */
static void print_splitting(const kmc_log *lg, const kmc_config *cfg, const eng_plan *plan)
{
    if (!(plan->accuracy_window_s > 0.0)) {
        log_info(lg, "  splitting    no estimate: lone adatoms cannot hop with these hops%s\n",
                 cfg->window_mode == CFG_WINDOW_ACCURACY ? "; window 4 / fastest event" : "");
        return;
    }
    log_info(lg, "  splitting    ~%.2g %% fewer events per simulated time than exact BKL "
                 "(estimate: %.3g lone-adatom hops per block of 4 phases, tiles %.3g hops wide; target %.3g %%)\n",
             100.0 * plan->split_error, plan->split_hops, plan->split_edge_hops,
             100.0 * plan->split_target);
    if (plan->split_error > plan->split_target * (1.0 + 1e-9))
        log_warn(lg, "%s: the window %.4g s exceeds the %.3g %% accuracy target: about %.2g %% "
                     "fewer events per simulated time than exact BKL; `window accuracy %g` "
                     "gives %.4g s (docs/performance.md)\n",
                 cfg->deck_path, plan->window_s, 100.0 * plan->split_target,
                 100.0 * plan->split_error, plan->split_target, plan->accuracy_window_s);
}

/* The set-up block, from the engine's own plan (eng_describe), never a second
 * computation. */
static void print_setup(const kmc_log *lg, const kmc_config *cfg, const pot_model *pm,
                        const eng_plan *pl, int size)
{
    const eng_plan plan = *pl;
    double nsite = (double)plan.sites, ml_sites = (double)plan.ml_sites;
    int nshell = cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
    double dep_per_s = plan.dep_rate_per_s, f_site = dep_per_s / ml_sites;
    log_info(lg, "kmc %s: %s on %d rank%s\n", KMC_VERSION_STRING, cfg->deck_path, size,
             size == 1 ? "" : "s");
    log_info(lg, "  lattice      %s, a = %.4g Ang, box %d x %d x %d cells = %.0f sites (%.1f x %.1f x %.1f nm)\n",
             lat_kind_keyword(pm->lattice), pm->a_A, cfg->box[0], cfg->box[1], cfg->box[2], nsite,
             cfg->box[0] * pm->a_A / 10, cfg->box[1] * pm->a_A / 10, cfg->box[2] * pm->a_A / 10);
    log_info(lg, "  potential    %s (nu = %.4g Hz, T = %.2f K, kT = %.5f eV)\n", cfg->pot_path,
             pm->nu_per_s, pm->temp_K, pm->kT_eV);
    bool exact = plan.exact;
    if (exact)
        log_info(lg, "  tiles        none: one tile, the whole box, exact BKL (one rank)\n");
    else
        log_info(lg, "  tiles        %d x %d of %d x %d cells (2 x 2 colours, edge >= %d), "
                     "window %.4g s (%.4g / fastest event)\n",
                 plan.tiles[0], plan.tiles[1], cfg->box[0] / plan.tiles[0],
                 cfg->box[1] / plan.tiles[1], plan.min_tile_edge, plan.window_s,
                 plan.window_s * plan.max_rate_per_s);
    if (!exact)
        print_splitting(lg, cfg, &plan);
    log_info(lg, "  hops         %s\n", nshell == 0 ? "off" : nshell == 1 ? "1nn" : "1nn+2nn");
    if (cfg->collector_cells > 0)
        log_info(lg, "  collector    %s, %d cells\n", sp_keyword((uint8_t)cfg->collector_species),
                 cfg->collector_cells);
    if (cfg->dep_mode == CFG_DEP_OFF && cfg->nsteps > 0)
        log_info(lg, "  deposition   set by the protocol's steps\n");
    else if (cfg->dep_mode == CFG_DEP_OFF)
        log_info(lg, "  deposition   off\n");
    else
        log_info(lg, "  deposition   %.4g atoms/s (%.4g ML/s, %.4g mA/cm2), sites %s\n", dep_per_s,
                 dep_per_s / ml_sites, dep_per_s * KMC_E_CHARGE_C / plan.area_m2 / 10.0,
                 cfg->dep_sites == CFG_SITES_COLUMN ? "column" : "surface");
    if (cfg->strip_A_m2 > 0.0) /* kmc/evt_strip.c */
        log_info(lg, "  stripping    %.4g atoms/s (%.4g mA/cm2), weights exp(-%.3g B/kT)%s\n",
                 cfg->strip_A_m2 * plan.area_m2 / KMC_E_CHARGE_C, cfg->strip_A_m2 / 10.0,
                 pm->strip_theta, pm->strip_q_meV > 0 ? "" : ": uniform");
    if (cfg->sei_on) /* kmc/evt_sei.c */
        log_info(lg, "  SEI          k0 = %.4g 1/s x exp(-n %.4g nm / %.4g nm) (n SEI sites to the "
                     "electrolyte, n <= %d), x %.3g next to implant; through SEI x %.3g; "
                     "dissolves at %.4g 1/s in Rest after Discharge; rates x %.4g (accelerate)\n",
                 pm->sei_k0_per_s, pm->sei_site_A / 10.0, pm->sei_tunnel_A / 10.0,
                 pm->lattice == LAT_SC ? 2 : POT_SEI_NMAX, pm->sei_implant, pm->sei_transfer,
                 pm->sei_dissolve_per_s, cfg->sei_accel);
    print_adatoms(lg, cfg, pm, nshell, dep_per_s > 0.0 ? f_site : 0.0);
    double bps = plan.bytes_per_site;
    log_info(lg, "  memory       %.1f MB estimated (%.2f bytes/site%s + event classes); "
                 "the largest rank %.1f MB for %" PRId64 " sites incl. ghosts\n",
             nsite * bps / 1e6, bps, cfg->perc_every > 0 ? " incl. percolation labels" : "",
             plan.rank_bytes / 1e6, plan.rank_sites);
    if (cfg->nsteps > 0) { /* the protocol (kmc/proto.h) replaces `run` */
        log_info(lg, "  protocol     %d step%s x %" PRId64 " cycle%s, thermo every %" PRId64 " %s\n",
                 cfg->nsteps, cfg->nsteps == 1 ? "" : "s", cfg->cycles, cfg->cycles == 1 ? "" : "s",
                 cfg->thermo_every, exact ? "events" : "sweeps");
        for (int k = 0; k < cfg->nsteps; ++k) {
            const cfg_step *s = &cfg->steps[k];
            static const char *const kw[] = {"Rest", "Charge", "Discharge", "Run"};
            char at[CFG_PATH_MAX + 64] = "", end[64];
            if (s->kind == CFG_STEP_PROFILE) /* kmc/proto.h: a piecewise-constant current */
                snprintf(at, sizeof at, " profile %s (%d points)", s->prof_path, s->nprof);
            else if (s->kind != CFG_STEP_REST)
                snprintf(at, sizeof at, " at %.4g mA/cm2", s->j_A_m2 / 10.0);
            if (s->end == CFG_END_ETA)
                snprintf(end, sizeof end, "until %.6g V", s->eta_V);
            else if (s->end == CFG_END_TIME)
                snprintf(end, sizeof end, "for %.6g s", s->t_s);
            else
                snprintf(end, sizeof end, "until %.6g mAh/cm2", s->q_C_m2 / 36000.0);
            log_info(lg, "  step %-7d %s%s %s\n", k + 1, kw[s->kind], at, end);
        }
    } else if (cfg->stop == CFG_STOP_TIME)
        log_info(lg, "  run          until t = %.6g s, thermo every %" PRId64 " %s\n",
                 cfg->stop_time_s, cfg->thermo_every, exact ? "events" : "sweeps");
    else
        log_info(lg, "  run          %" PRId64 " events, thermo every %" PRId64 " %s\n",
                 cfg->stop_events, cfg->thermo_every, exact ? "events" : "sweeps");
    if (cfg->perc_every > 0)
        log_info(lg, "  percolation  every %" PRId64 " %s (and at t = 0)\n", cfg->perc_every,
                 exact ? "events" : "sweeps");
    if (coll_any(&cfg->coll)) { /* in the order they are built */
        const coll_spec *cs = &cfg->coll;
        const bool on[7] = {cs->rough_rms_A > 0.0, cs->brass_on, cs->impl_species != KMC_SP_EMPTY,
                            cs->pore_porosity > 0.0, cs->inter_species != KMC_SP_EMPTY,
                            cs->seeds_species != KMC_SP_EMPTY, cs->oxide_thick_A > 0.0};
        static const char *const name[7] = {"surface rough", "brass", "implant", "surface porous",
                                            "interlayer", "seeds", "oxide"};
        char list[160] = "";
        for (int k = 0; k < 7; ++k)
            if (on[k]) {
                size_t n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", n > 0 ? ", " : "", name[k]);
            }
        log_info(lg, "  builders     %s (built at set-up, in this order)\n", list);
    }
    for (int k = 0; k < cfg->nfills; ++k)
        log_info(lg, "  fill         %s %.4g in cell layers [%d, %d)\n",
                 sp_keyword((uint8_t)cfg->fills[k].species), cfg->fills[k].fraction,
                 cfg->fills[k].zlo, KMC_MIN(cfg->fills[k].zhi, cfg->box[2]));
    log_info(lg, "  seed         %" PRIu64 "\n", cfg->seed);
}

/* Rank 0: the deck and its .pot, or a checkpoint's stored settings (and, if a deck
 * is given with -restart, that deck, checked against them). Prints its errors. */
static kmc_err load_inputs(const cli *c, const kmc_log *lg, kmc_config *cfg, pot_model *pm,
                           cfg_texts *tx, kmc_status *st)
{
    kmc_config saved;
    pot_model saved_pm;
    memset(&saved, 0, sizeof saved);
    kmc_err rc = KMC_OK;
    if (c->restart != NULL) {
        rc = ckpt_read_header(c->restart, &saved, &saved_pm, c->deck == NULL ? tx : NULL, st);
        if (rc != KMC_OK) {
            cfg_free(&saved);
            log_error(lg, "%s\n", st->msg);
            return rc;
        }
        if (c->deck == NULL) {
            *cfg = saved; /* cfg owns its lists now */
            *pm = saved_pm;
            return KMC_OK;
        }
    }
    rc = deck_load(c->deck, c->vars, c->nvars, lg, cfg, st);
    if (rc != KMC_OK) {
        cfg_free(&saved);
        return rc; /* deck_load printed every error */
    }
    if (c->seed_set) {
        cfg->seed = c->seed;
        cfg->seed_set = true;
    }
    if (cfg->prefix[0] == '\0') { /* default prefix: the deck's file name without .deck */
        const char *base = strrchr(cfg->deck_path, '/');
        base = base == NULL ? cfg->deck_path : base + 1;
        size_t n = strlen(base);
        if (n > 5 && strcmp(base + n - 5, ".deck") == 0)
            n -= 5;
        snprintf(cfg->prefix, sizeof cfg->prefix, "%.*s", (int)n, base);
    }
    pot_params pp;
    rc = pot_read(cfg->pot_path, lg, &pp, st);
    if (rc == KMC_OK)
        rc = pot_model_build(&pp, cfg->temp_K, pm, st);
    int nshell = cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
    for (int k = 0; k < nshell && rc == KMC_OK; ++k)
        if (!pm->hop_set[k])
            rc = kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                          "%s: `hops %s` needs %s hops, but %s defines none; add `hop %s "
                          "base E eV` or `hop_table %s ...` to it, or use `hops %s`",
                          cfg->deck_path, nshell == 1 ? "1nn" : "1nn+2nn", k == 0 ? "1nn" : "2nn",
                          cfg->pot_path, k == 0 ? "1nn" : "2nn", k == 0 ? "1nn" : "2nn",
                          k == 0 ? "off" : "1nn");
    if (rc == KMC_OK && cfg->sei_on && !pm->sei_set) /* kmc/evt_sei.c */
        rc = kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                      "%s:%d: `sei on` needs the SEI model, but %s has no `sei rate`; add `sei "
                      "rate K0 1/s`, `sei tunnel_length L nm`, `sei site_thickness D nm` and `sei "
                      "transfer_factor F` to it (potentials/README.md), or use `sei off`",
                      cfg->deck_path, cfg->sei_line, cfg->pot_path);
    if (rc == KMC_OK && coll_any(&cfg->coll)) {
        /* a species the builders place must bond with Li, when the .pot counts bonds */
        bool bonded[KMC_SP_COUNT] = {false}, any = false;
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp)
            for (int k = 0; k < LAT_NSHELL; ++k) {
                bonded[sp] = bonded[sp] || pp.bond_eV[k][sp] != 0.0;
                any = any || pp.bond_eV[k][sp] != 0.0;
            }
        rc = coll_check(&cfg->coll, pm->lattice, pm->a_A, cfg->box, cfg->collector_species,
                        cfg->collector_cells, any ? bonded : NULL, st);
        if (rc != KMC_OK) { /* name the deck: the message says which command */
            char msg[sizeof st->msg + CFG_PATH_MAX + 2];
            snprintf(msg, sizeof msg, "%s: %s", cfg->deck_path, st->msg);
            snprintf(st->msg, sizeof st->msg, "%.*s", (int)sizeof st->msg - 1, msg);
        }
    }
    if (rc == KMC_OK) /* the texts as read now, for checkpoints */
        rc = cfg_texts_read(tx, cfg, st);
    if (rc == KMC_OK && c->restart != NULL)
        rc = ckpt_check_compatible(&saved, &saved_pm, cfg, pm, c->restart, st);
    cfg_free(&saved);
    if (rc != KMC_OK && st->msg[0] != '\0')
        log_error(lg, "%s\n", st->msg);
    return rc;
}

/* An error of the engine: "file:line: message" when it names a deck line. */
static void print_status(const kmc_log *lg, const kmc_status *st)
{
    if (st->loc.file != NULL && st->loc.line > 0)
        log_error(lg, "%s:%d: %s\n", st->loc.file, st->loc.line, st->msg);
    else
        log_error(lg, "%s\n", st->msg);
}

static int finish(kmc_log *lg, kmc_err rc)
{
    log_flush(lg);
    log_fini(lg);
    kmc_leak_check_before_finalize();
    MPI_Finalize();
    return kmc_exit_code(rc);
}

int main(int argc, char **argv)
{
    int rank, size;
    kmc_log lg;
    kmc_status st = {0};
    cli c;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    log_init(&lg, rank, LOG_INFO);

    kmc_err rc = parse_cli(argc, argv, &c, &st);
    if (rc != KMC_OK) {
        log_error(&lg, "%s\n", st.msg);
        if (rank == 0)
            usage(stderr);
        return finish(&lg, rc);
    }
    if (c.help || c.version) {
        if (rank == 0) {
            if (c.version)
                printf("kmc %s\n", KMC_VERSION_STRING);
            if (c.help) {
                print_help(stdout);
            }
        }
        return finish(&lg, KMC_OK);
    }
    if (rank == 0 && c.log_path != NULL) {
        lg.file = fopen(c.log_path, "w");
        if (lg.file == NULL)
            log_error(&lg, "cannot open log file '%s': %s\n", c.log_path, strerror(errno));
    }
    int ok_log = rank != 0 || c.log_path == NULL || lg.file != NULL;
    MPI_Bcast(&ok_log, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok_log)
        return finish(&lg, KMC_ERR_IO);

    /* rank 0 reads and checks everything; the others wait for the verdict */
    kmc_config cfg;
    pot_model pm;
    cfg_texts texts = {0};
    memset(&cfg, 0, sizeof cfg);
    memset(&pm, 0, sizeof pm);
    if (rank == 0)
        rc = load_inputs(&c, &lg, &cfg, &pm, &texts, &st);
    rc = (kmc_err)bcast_verdict(rc);
    if (rc == KMC_OK && (rc = cfg_bcast(&cfg, MPI_COMM_WORLD, &st)) != KMC_OK)
        log_error(&lg, "%s\n", st.msg);
    if (rc != KMC_OK) {
        cfg_free(&cfg);
        cfg_texts_free(&texts);
        return finish(&lg, rc);
    }
    /* the rate model is computed once, on rank 0, so every rank uses the same bits */
    MPI_Bcast(&pm, (int)sizeof pm, MPI_BYTE, 0, MPI_COMM_WORLD);
    cfg_texts_bcast(&texts, MPI_COMM_WORLD, rank);
    cfg.texts = &texts;

    /* The plan — tile grid, rank grid, each rank's sites against the index type and the
     * node's memory — is checked before anything is allocated, by every rank alike
     * (deterministic, from broadcast inputs), so `-check` refuses what the run would. */
    eng_launch launch;
    eng_launch_global(MPI_COMM_WORLD, &launch);
    eng_plan plan;
    rc = eng_describe(&cfg, &pm, &launch, &plan, &st);
    if (rc != KMC_OK) {
        print_status(&lg, &st);
        cfg_free(&cfg);
        cfg_texts_free(&texts);
        return finish(&lg, rc);
    }
    print_setup(&lg, &cfg, &pm, &plan, size);
    if (c.check) {
        log_info(&lg, "deck and potential are valid; nothing was run (-check)\n");
        cfg_free(&cfg);
        cfg_texts_free(&texts);
        return finish(&lg, KMC_OK);
    }

    kmc_signals_install(); /* SIGUSR1 / SIGTERM: checkpoint and stop after this sweep */
    eng_run *run = NULL;
    rc = eng_create(MPI_COMM_WORLD, &cfg, &pm, &lg, &run, &st);
    if (rc == KMC_OK)
        eng_set_command_line(run, argc, argv);
    if (rc == KMC_OK && c.restart != NULL)
        rc = ckpt_restore_global(run, c.restart, &st);
    if (rc == KMC_OK)
        rc = eng_run_deck(run, &st);
    eng_destroy(&run);
    cfg_free(&cfg);
    cfg_texts_free(&texts);
    if (rc == KMC_ERR_STOPPED) {
        log_info(&lg, "kmc: %s\n", st.msg);
    } else if (rc != KMC_OK) {
        print_status(&lg, &st);
    }
    return finish(&lg, rc);
}
