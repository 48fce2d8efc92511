/* pixel_params.h: the colorize parameters, declared once. The struct the
 * pixel path takes and one table of each parameter's name, range, default
 * and help, which the GIMP 3.0 and 2.10 front-ends (arguments and dialogs),
 * corolization-train's colorize and eval (options and --help) and the pixel
 * path's own checks all read. No GEGL or GIMP here, so any part can use it. */
#ifndef CZ_PIXEL_PARAMS_H
#define CZ_PIXEL_PARAMS_H

#include <stdbool.h>

#include "cz.h"
#include "reference.h"

/* The default annealed-mean temperature: the table's default, and a
 * constant for code that calls cz_model_predict directly (the trainer's
 * samples) and so has no cz_pixel_params. A double, as the table's values
 * are, so GIMP shows 0.38 and not 0.3799999952. */
#define CZ_PIXEL_TEMPERATURE_DEFAULT 0.38

/* Edge-aware upsampling's defaults (guided.h), chosen by measurement (see
 * README, "Colour at edges"). */
#define CZ_PIXEL_EDGE_RADIUS_DEFAULT 0
#define CZ_PIXEL_EDGE_EPS_DEFAULT 100.0

typedef struct {
    float temperature; /* annealed-mean T: lower is more vivid */
    float saturation;  /* chroma scale */
    int size;          /* network input long side; 0 = the model's own */
    float reference_strength; /* s of the reference's prior (reference.h) */
    int edge_radius;   /* guided upsampling window radius in network cells;
                        * 0 = plain bilinear (guided.h) */
    float edge_eps;    /* guided upsampling eps, in L^2 units */
    /* Not a table parameter: a reference photo's prior (classifier models;
     * cz_pixel_reference_new), borrowed, NULL (the default) for none. */
    const cz_reference *reference;
} cz_pixel_params;

typedef enum {
    CZ_PIXEL_PARAM_TEMPERATURE,
    CZ_PIXEL_PARAM_SATURATION,
    CZ_PIXEL_PARAM_SIZE,
    CZ_PIXEL_PARAM_REFERENCE_STRENGTH,
    CZ_PIXEL_PARAM_EDGE_RADIUS,
    CZ_PIXEL_PARAM_EDGE_EPS,
    CZ_PIXEL_PARAM_COUNT
} cz_pixel_param_id;

typedef struct {
    const char *name;   /* the PDB argument and the trainer's --option */
    const char *help;   /* one sentence, English; marked for the plug-in's
                         * catalogue, which translates it on use */
    bool is_int;        /* an integer (size), else a float */
    double min, max;    /* inclusive */
    double def;
    double step, page;  /* a dialog's increments */
    int digits;         /* decimals a dialog shows */
} cz_pixel_param;

/* The table's row for id (a static row: not to be freed), NULL when id is
 * out of range. */
const cz_pixel_param *cz_pixel_param_get(cz_pixel_param_id id);

/* Sets every parameter of p to its default, and no reference. */
void cz_pixel_params_init(cz_pixel_params *p);

/* One parameter of p as a double, and set from one (rounded for integers). */
double cz_pixel_params_get_value(const cz_pixel_params *p, cz_pixel_param_id id);
void cz_pixel_params_set_value(cz_pixel_params *p, cz_pixel_param_id id, double value);

/* CZ_STATUS_INVALID_ARGUMENT, with a message naming the first parameter
 * outside its range (and its id in *bad, when bad is not NULL, for a caller
 * that words its own message), unless all are within the table's ranges. */
cz_status cz_pixel_params_check(const cz_pixel_params *p, cz_pixel_param_id *bad, cz_error *err);

#endif
