/* kmc/engine_io.c — the only file besides engine.c that sees the run's state. */
#include "kmc/engine_io.h"

#include <stdio.h>
#include <string.h>

#include "kmc/engine_priv.h"
#include "kmc/proto.h"

void eng_io_get_layout(const eng_run *r, eng_io_layout *o)
{
    memset(o, 0, sizeof *o);
    o->comm = r->comm;
    o->rank = r->rank;
    o->size = r->size;
    o->exact = r->exact;
    for (int k = 0; k < 3; ++k) {
        o->gn[k] = r->gn[k];
        o->n[k] = r->g.n[k];
    }
    o->nbasis = r->g.nbasis;
    for (int k = 0; k < 2; ++k) {
        o->c0[k] = r->c0[k];
        o->ntiles[k] = r->exact ? 1 : r->dec->ntiles[k];
        o->tile_lo[k] = r->exact ? 0 : r->dec->tile_lo[k];
        o->ntl[k] = r->ntl[k];
    }
    o->ntile = r->ntile;
    o->nch = r->nch;
}

const kmc_config *eng_io_config(const eng_run *r) { return &r->cfg; }
const pot_model *eng_io_pot_model(const eng_run *r) { return &r->pm; }
const kmc_log *eng_io_log(const eng_run *r) { return r->lg; }

void eng_io_get_sites(const eng_run *r, uint8_t *out)
{
    const lat_geom *g = &r->g;
    size_t q = 0;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    out[q++] = r->site[lat_index(g, x, y, z, b)];
}

void eng_io_set_sites(eng_run *r, const uint8_t *in)
{
    const lat_geom *g = &r->g;
    size_t q = 0;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    r->site[lat_index(g, x, y, z, b)] = in[q++];
}

void eng_io_get_tile(const eng_run *r, int i, pcg32 *rng, int64_t *n_ev)
{
    *rng = r->tiles[i].rng;
    for (int c = 0; c < r->nch; ++c)
        n_ev[c] = r->tiles[i].n_ev[c];
}

void eng_io_set_tile(eng_run *r, int i, const pcg32 *rng, const int64_t *n_ev)
{
    r->tiles[i].rng = *rng;
    for (int c = 0; c < r->nch; ++c)
        r->tiles[i].n_ev[c] = n_ev[c];
}

int eng_io_channel_li_delta(const eng_run *r, int ch) { return r->ch[ch].ops->li_delta; }

void eng_io_get_state(const eng_run *r, eng_io_state *o)
{
    memset(o, 0, sizeof *o);
    o->t_s = r->t_s;
    o->sweeps = r->n_sweeps;
    o->li_initial = r->n_li_initial;
    o->order_rng = r->order_rng;
    o->perc_done = r->perc_done;
    o->perc = r->perc_last;
    o->perc.dead_by_z = NULL;
    o->proto = r->proto;
    if (!r->proto)
        return;
    o->ps[ENG_IO_PS_STEP] = r->ps_step;
    o->ps[ENG_IO_PS_CYCLE] = r->ps_cycle;
    o->ps[ENG_IO_PS_STARTED] = r->ps_started;
    o->ps[ENG_IO_PS_DONE] = r->ps_done;
    o->ps[ENG_IO_PS_STEP_DEP] = r->ps_base[0];
    o->ps[ENG_IO_PS_STEP_STRIP] = r->ps_base[1];
    o->ps[ENG_IO_PS_CYC_DEP] = r->cyc_base[0];
    o->ps[ENG_IO_PS_CYC_STRIP] = r->cyc_base[1];
    o->ps[ENG_IO_PS_CYC_DEAD0] = r->cyc_dead0;
    o->ps[ENG_IO_PS_EXHAUSTED] = r->strip_exhausted;
    o->ps_t0_s = r->ps_t0;
}

void eng_io_set_state(eng_run *r, const eng_io_state *in)
{
    r->t_s = in->t_s;
    r->n_sweeps = in->sweeps;
    r->n_li_initial = in->li_initial;
    r->order_rng = in->order_rng;
    r->perc_done = in->perc_done;
    int64_t *keep = r->perc_last.dead_by_z; /* the run's own buffer stays */
    r->perc_last = in->perc;
    r->perc_last.dead_by_z = keep;
    if (in->proto && r->proto) /* the position in the protocol, and its step's currents */
        proto_restore(r, in->ps, in->ps_t0_s);
}

int64_t *eng_io_dead_by_z(eng_run *r) { return r->dead_by_z; }

int64_t eng_io_index(const eng_run *r) { return r->exact ? r->n_events : r->n_sweeps; }

bool eng_io_restored(const eng_run *r) { return r->restored; }

kmc_err eng_io_restore_finish_global(eng_run *r, kmc_status *st)
{
    r->n_events = 0;
    for (int i = 0; i < r->ntile; ++i)
        for (int c = 0; c < r->nch; ++c)
            r->n_events += r->tiles[i].n_ev[c];
    r->restored = true;
    KMC_TRY(eng_refresh_ghosts(r, st));
    for (int i = 0; i < r->ntile; ++i) {
        sel_fini(&r->tiles[i].sel);
        KMC_TRY(sel_init(&r->tiles[i].sel, r->nch, st));
    }
    memset(r->cls, 0, (size_t)r->g.nsites * sizeof *r->cls);
    if (r->press) { /* stack pressure: the separator of the restored lattice */
        r->view.sep_z = 0;
        eng_press_place_global(r, false, true);
    }
    eng_rebuild_all(r);
    return KMC_OK;
}

int64_t eng_io_ckpt_written(const eng_run *r) { return r->ckpt_written; }

void eng_io_ckpt_note(eng_run *r, int64_t index, const char *file)
{
    int cap = (int)(sizeof r->ckpt_history / sizeof r->ckpt_history[0]);
    if (r->ckpt_nhistory == cap) {
        memmove(r->ckpt_history, r->ckpt_history + 1,
                (size_t)(r->ckpt_nhistory - 1) * sizeof r->ckpt_history[0]);
        --r->ckpt_nhistory;
    }
    r->ckpt_history[r->ckpt_nhistory++] = index;
    ++r->ckpt_written;
    snprintf(r->ckpt_last, sizeof r->ckpt_last, "%s", file);
}
