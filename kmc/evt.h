/* kmc/evt.h — event channels: one kind of move each (hop, deposit; later strip,
 * vacancy move, SEI growth), behind one small contract. The engine knows channels
 * only through this table; a new mechanism is one evt_*.c file and one entry in
 * evt_builtin[] (or, in a test, an evt_ops passed to eng_create_ext).
 *
 * What a channel declares:
 *   - its name (thermo, checkpoint and run-file columns are named after it);
 *   - its reach in cells: how far from its anchor site an event writes (w) and how
 *     far its propensity reads (r). The tile edge must be at least max w + max r over
 *     the channels a deck turns on, so that tiles of one colour never touch a common
 *     site (docs/engine.md);
 *   - the sites its propensity reads (half-unit positions from the anchor): their
 *     union is the stencil of sites whose events a change can affect;
 *   - how a site's propensity follows from its neighbourhood (eval);
 *   - whether its total is local (EVT_RATE: the sum of per-site rates in 1/s) or a
 *     share of a box-wide rate (EVT_SHARE: the site holds a weight class; the box's
 *     rate, e.g. I/e of a galvanostatic current, is shared by weight over every
 *     eligible site of the box, with the box's weight sum computed exactly from
 *     integer class counts once per sweep, so it is the same on any rank count);
 *   - how an event is applied (apply), through the engine services below.
 * Propensities are values, never updates: the selection structure (kmc/select.h)
 * keys each site by the tuple of its channel values, so a tile's choice is a pure
 * function of its state.
 *
 * Ownership: channel state (`self`) is created and destroyed by the run; the view
 * and everything it points to belong to the run. Nothing here is collective. */
#ifndef KMC_EVT_H
#define KMC_EVT_H

#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/base/pcg32.h"
#include "kmc/config.h"
#include "kmc/tile.h"
#include "lattice/geom.h"
#include "potentials/pot_model.h"

#define EVT_STENCIL 160 /* sites whose events a change can affect, per basis, at most */
#define EVT_MAX_POS (2 * EVT_STENCIL)

typedef struct eng_run eng_run;
typedef struct eng_event eng_event;

/* Sites whose events can read a site of basis b: cell offsets, target basis, index
 * offsets (valid away from the box edges), half-unit displacements and the species
 * for which each offset matters. Every read
 * pattern is symmetric under inversion, so these are also the sites a change at the
 * origin can affect. */
typedef struct evt_stencil {
    int n;
    int8_t dc[EVT_STENCIL][3];
    int8_t to_basis[EVT_STENCIL];
    int64_t off[EVT_STENCIL];
    int8_t pos2[EVT_STENCIL][3];
    /* species (bit KMC_SP_x) of a site at this offset whose events can change with the
     * origin: those that anchor a channel reading the origin from there; every
     * species at the origin itself. A site of another species there keeps its class,
     * so it need not be refreshed. */
    uint32_t sp_mask[EVT_STENCIL];
} evt_stencil;

/* What a channel reads. Filled by the engine at set-up; the pointers stay valid for
 * the life of the run. */
typedef struct evt_view {
    const uint8_t *site;       /* [g->nsites] species + flags, owned cells and halo */
    const lat_geom *g;         /* local geometry (owned cells + halo) */
    const pot_model *pm;
    const kmc_config *cfg;
    const evt_stencil *sten;   /* [g->nbasis] the union stencil of all channels */
    bool exact;                /* one tile, the whole box, one rank */
    int c0[2];                 /* global cell of local cell (0, 0) */
    int gn[3];                 /* the whole box, cells */
    int64_t ml_sites;          /* sites per monolayer (one atomic plane), whole box */
    int64_t ncolumns;          /* columns (x, y, basis), whole box */
    bool sei_dissolving;       /* SEI dissolves now: a Rest step after a Discharge (set by
                                * kmc/proto.c, which rebuilds the classes when it changes) */
    /* Stack pressure (`pressure P MPa`, kmc/press.h); all 0 without it. sep_z: the
     * separator's lowest cell layer (Li never enters z >= sep_z; Li entering the
     * contact layer sep_z - 1 carries sep_factor); 0: no separator. */
    int sep_z;
    double sep_factor;         /* exp(-P V_eff / kT) */
    double creep_per_s;        /* the creep channel's per-atom rate at P (1/s) */
} evt_view;

typedef enum evt_total { EVT_RATE, EVT_SHARE } evt_total;

/* Adds a half-unit displacement to a position list (evt_ops.reads). */
typedef void (*evt_add_pos)(void *ctx, int dx2, int dy2, int dz2);

/* What one event does to the Li inventory: the per-cycle table sums channel counts by it. */
typedef enum evt_inv { EVT_INV_NONE = 0, EVT_INV_PLATE, EVT_INV_STRIP, EVT_INV_SEI, EVT_INV_SEI_DEAD, EVT_INV_TRAP } evt_inv;

typedef struct evt_ops {
    const char *name;        /* one lower-case word: "hop", "deposit" */
    int kind;                /* eng_event_kind reported by eng_step (ENG_EV_OTHER for others) */
    evt_total total;
    int li_delta;            /* Li sites an event adds (deposit +1, hop 0): atom bookkeeping */
    uint32_t anchor_species; /* bit KMC_SP_x set: sites of species x can anchor an event */
    /* Does this deck turn the channel on? NULL: always. */
    bool (*wanted)(const kmc_config *cfg);
    /* Reach in cells for this deck: writes (w) and reads (r) from the anchor. */
    void (*reach)(const kmc_config *cfg, int *w, int *r);
    /* Half-unit positions the propensity of an anchor of basis b reads. */
    void (*reads)(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                  evt_add_pos add, void *ctx);
    /* Channel state from the view (NULL create: none). Errors: KMC_ERR_NOMEM. */
    kmc_err (*create)(void **self, const evt_view *v, kmc_status *st);
    void (*destroy)(void **self);
    /* Propensity of owned site i (basis b), whose species is an anchor species:
     * EVT_RATE, its total rate (1/s); EVT_SHARE, its weight class (1..nclass). 0: none.
     * Reads only sites within the channel's reads(). */
    double (*eval)(const void *self, const evt_view *v, int64_t i, int b);
    /* EVT_SHARE: weight classes 1..nclass (fixed at set-up), the weight of a class,
     * and the box's total rate (1/s). */
    int (*nclass)(const evt_view *v);
    double (*class_weight)(const evt_view *v, int cls);
    double (*box_rate)(const evt_view *v);
    /* Optional (EVT_SHARE): the tile's rate when it is not the share of its weight,
     * e.g. deposition on random columns; a negative return (or NULL): the generic
     * rule, box rate x (tile's weight / box's weight). */
    double (*tile_rate)(const evt_view *v, const tile *t, double box_rate_per_s);
    /* The fastest single event (1/s), an upper bound for `window auto`. */
    double (*max_rate)(const evt_view *v);
    /* Do one event of this channel in tile t; ch is the channel's index in the run.
     * Draws its numbers from t->rng. Returns false if no event took place (the run's
     * limit status then says why). */
    bool (*apply)(void *self, eng_run *r, tile *t, int ch, eng_event *ev);
    evt_inv inv; /* what one event does to the Li inventory */
} evt_ops;

/* The built-in channels, in the order they are registered (their order is part of
 * the selection key, so it never changes). NULL-terminated. */
extern const evt_ops *const evt_builtin[];
extern const evt_ops evt_hop;
extern const evt_ops evt_deposit;
extern const evt_ops evt_strip;
extern const evt_ops evt_sei, evt_sei_dead, evt_sei_dissolve;
extern const evt_ops evt_creep;
extern const evt_ops evt_trap;     /* kmc/evt_alloy.c: Li trapped into Zn (LiZn) */
extern const evt_ops evt_exchange; /* kmc/evt_alloy.c: Li-Ag exchange */

/* Does a run of this deck and rate model have built-in channel ops? ops->wanted(cfg),
 * and for the alloying channels (kmc/evt_alloy.c) also the .pot's parameters (pm NULL:
 * they are off). Not collective. */
bool evt_alloy_wanted(const evt_ops *ops, const kmc_config *cfg, const pot_model *pm);
/* Li-Ag exchange (kmc/evt_alloy.c): the rate (1/s) at which the Li atom at owned site
 * i (basis b) swaps with the Ag atom at its k-th 1NN (which must be Ag). Not
 * collective. */
double evt_exchange_rate(const evt_view *v, int64_t i, int b, int k);

/* Stripping (kmc/evt_strip.c): does the deck strip; the weight class (1..
 * POT_STRIP_NCLASS) of owned site i of basis b, 0 if it is not eligible (not Li,
 * flagged dead, or no empty 1NN site outside a void); and the box's rate (atoms/s)
 * of a current density j. Not collective. */
bool evt_strip_on(const kmc_config *cfg);
int evt_strip_class(const evt_view *v, int64_t i, int b);
double evt_strip_rate_per_s(const evt_view *v, double j_A_m2);

/* SEI (kmc/evt_sei.c): does the deck turn SEI on; and the SEI sites between owned Li
 * site i (basis b) and the electrolyte, as the SEI channels estimate it: 0 for Li
 * with an electrolyte 1NN (empty, not flagged void), n >= 1 when the thinnest
 * straight 1NN path out of the atom crosses n SEI sites before the electrolyte, capped
 * at the last step inside the read reach (evt_sei_nsteps: 4 on bcc and fcc, 2 on sc)
 * when a path is still in SEI there; -1 when no path leaves through SEI or
 * electrolyte (buried, or facing only voids). Not collective. */
bool evt_sei_on(const kmc_config *cfg);
int evt_sei_nsteps(const lat_geom *g);
int evt_sei_depth(const evt_view *v, int64_t i, int b);
/* Plating through SEI (with SEI on): is SEI site j (basis bj) one where Li+ can be
 * reduced (evt_sei_plate_site: it touches a conductor not flagged dead and no dead Li,
 * since SEI around dead Li blocks its reconnection); and its straight 1NN rays that
 * cross only SEI to the electrolyte (empty, not void) within the read reach
 * (evt_sei_plate_rays: their count; with k_out, m_out (LAT_MAX_NBR entries) each
 * ray's 1NN index and the step of its electrolyte site). Not collective. */
bool evt_sei_plate_site(const evt_view *v, int64_t j, int bj);
int evt_sei_plate_rays(const evt_view *v, int64_t j, int bj, int *k_out, int *m_out);
/* The electrolyte site at step m of 1NN ray k from a site of basis b: its local cell
 * offset and basis. Not collective. */
void evt_sei_ray_end(const lat_geom *g, int b, int k, int m, int dc[3], int *to_basis);
/* The SEI growth rate (1/s) of Li site i (basis b): the "sei" or "sei_dead" channel's
 * propensity, whichever its flag selects; 0 if it is not exposed. Not collective. */
double evt_sei_rate(const evt_view *v, int64_t i, int b);
/* The dissolution rate (1/s) of SEI site i (basis b): the .pot's rate (x the deck's
 * acceleration) when v->sei_dissolving and a 1NN is electrolyte (empty, not void);
 * else 0. Not collective. */
double evt_sei_dissolve_rate(const evt_view *v, int64_t i, int b);

/* The hops of a lone Li adatom in the hollow site of a flat (100) surface of
 * `substrate` (every site below the adatom's plane is substrate, everything else
 * empty) with the first nshell shells on, from the hop channel's own rules on a small
 * built lattice: total_per_s is the channel's propensity of that atom, bit for bit
 * (the start-up D/F report prints it). Errors: KMC_ERR_INPUT for a substrate that
 * does not conduct. Not collective. */
KMC_NODISCARD kmc_err evt_hop_adatom(const pot_model *pm, int nshell, uint8_t substrate,
                                     pot_adatom *out, kmc_status *st);

/* Engine services for apply(); implemented by kmc/engine.c. Not collective. */

/* The run's view. */
const evt_view *eng_view(const eng_run *r);
/* Write a site: exact mode, (x, y) owned and the periodic images follow; tiled mode,
 * owned or ghost, listed for the ghost exchange. Local cell coordinates. */
void eng_put_site(eng_run *r, int x, int y, int z, int b, uint8_t v);
/* Recompute the events of one owned site of tile t (basis b). */
void eng_refresh_site(eng_run *r, tile *t, int64_t i, int b);
/* Recompute the events of every site of tile t a change at (x, y, z, b) can affect. */
void eng_refresh_around(eng_run *r, tile *t, int x, int y, int z, int b);
/* Note that a site at cell layer z became solid (stops the run at the top layer). */
void eng_note_solid(eng_run *r, int z);
/* Stop the run at the end of this phase with an explanation (KMC_ERR_LIMIT). */
void eng_set_limit(eng_run *r, const char *fmt, ...) KMC_PRINTF(2, 3);

#endif /* KMC_EVT_H */
