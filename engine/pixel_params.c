/* pixel_params.c: the table of the colorize parameters (see pixel_params.h).
 * Its help strings are in po/POTFILES.in: the plug-in shows them translated. */
#include "pixel_params.h"

#include <math.h>

/* Marks a string for xgettext; the plug-in translates it where it shows it. */
#define N_(s) s

static const cz_pixel_param table[CZ_PIXEL_PARAM_COUNT] = {
    [CZ_PIXEL_PARAM_TEMPERATURE] = {
        "temperature", N_("Annealed-mean temperature: lower picks the likeliest colours, more vivid on average but not on every photo; 1 is the plain mean (classifier models)"),
        false, 0.01, 1.0, CZ_PIXEL_TEMPERATURE_DEFAULT, 0.01, 0.1, 2},
    [CZ_PIXEL_PARAM_SATURATION] = {
        "saturation", N_("Scale of the predicted colour"),
        false, 0.0, 2.0, 1.0, 0.01, 0.1, 2},
    [CZ_PIXEL_PARAM_SIZE] = {
        "size", N_("Network input in pixels (long side); 0 for the model's own"),
        true, 0, 4096, 0, 8, 64, 0},
    [CZ_PIXEL_PARAM_REFERENCE_STRENGTH] = {
        "reference-strength", N_("How strongly a reference photo's colours steer the result; 0 for not at all (classifier models)"),
        false, 0.0, 2.0, 1.0, 0.05, 0.25, 2},
    [CZ_PIXEL_PARAM_EDGE_RADIUS] = {
        "edge-radius", N_("Edge-aware colour: window radius in network cells over which colour follows the photo's own edges; 0 for plain bilinear"),
        true, 0, 8, CZ_PIXEL_EDGE_RADIUS_DEFAULT, 1, 2, 0},
    [CZ_PIXEL_PARAM_EDGE_EPS] = {
        "edge-eps", N_("Edge-aware colour: lightness variance below which colour is smoothed instead of following edges (L in 0..100)"),
        false, 0.01, 10000.0, CZ_PIXEL_EDGE_EPS_DEFAULT, 1, 10, 2},
};

const cz_pixel_param *cz_pixel_param_get(cz_pixel_param_id id)
{
    return (unsigned)id < CZ_PIXEL_PARAM_COUNT ? &table[id] : NULL;
}

void cz_pixel_params_init(cz_pixel_params *p)
{
    p->reference = NULL;
    for (int id = 0; id < CZ_PIXEL_PARAM_COUNT; id++)
        cz_pixel_params_set_value(p, (cz_pixel_param_id)id, table[id].def);
}

double cz_pixel_params_get_value(const cz_pixel_params *p, cz_pixel_param_id id)
{
    switch (id) {
    case CZ_PIXEL_PARAM_TEMPERATURE: return p->temperature;
    case CZ_PIXEL_PARAM_SATURATION: return p->saturation;
    case CZ_PIXEL_PARAM_SIZE: return p->size;
    case CZ_PIXEL_PARAM_REFERENCE_STRENGTH: return p->reference_strength;
    case CZ_PIXEL_PARAM_EDGE_RADIUS: return p->edge_radius;
    case CZ_PIXEL_PARAM_EDGE_EPS: return p->edge_eps;
    default: return 0.0;
    }
}

void cz_pixel_params_set_value(cz_pixel_params *p, cz_pixel_param_id id, double value)
{
    switch (id) {
    case CZ_PIXEL_PARAM_TEMPERATURE: p->temperature = (float)value; break;
    case CZ_PIXEL_PARAM_SATURATION: p->saturation = (float)value; break;
    case CZ_PIXEL_PARAM_SIZE: p->size = (int)lround(value); break;
    case CZ_PIXEL_PARAM_REFERENCE_STRENGTH: p->reference_strength = (float)value; break;
    case CZ_PIXEL_PARAM_EDGE_RADIUS: p->edge_radius = (int)lround(value); break;
    case CZ_PIXEL_PARAM_EDGE_EPS: p->edge_eps = (float)value; break;
    default: break;
    }
}

/* Compared as the struct holds them (float for temperature: 0.01f is a
 * little below 0.01), so a value the table allows is always accepted. */
cz_status cz_pixel_params_check(const cz_pixel_params *p, cz_pixel_param_id *bad, cz_error *err)
{
    for (int id = 0; id < CZ_PIXEL_PARAM_COUNT; id++) {
        const cz_pixel_param *t = &table[id];
        double v = cz_pixel_params_get_value(p, (cz_pixel_param_id)id);
        double lo = t->is_int ? t->min : (float)t->min;
        double hi = t->is_int ? t->max : (float)t->max;
        if (!(v >= lo && v <= hi)) {
            if (bad) *bad = (cz_pixel_param_id)id;
            return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "%s %g is outside %g to %g",
                                t->name, v, t->min, t->max);
        }
    }
    return CZ_STATUS_OK;
}
