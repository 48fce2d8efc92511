/* pixel_opts.c: the colorize parameters as trainer options (see pixel_opts.h). */
#include "pixel_opts.h"

#include <stdio.h>
#include <string.h>

#include "image.h"
#include "pixel.h"
#include "util.h"

/* Help lines: options in the first 25 columns, text wrapped at 79. */
#define HELP_INDENT 25
#define HELP_WIDTH 79

/* How the trainer spells each one beyond its name: the table is the
 * plug-in's too, and a PDB argument has no short form. */
static const struct {
    char short_name; /* 0: none */
    const char *metavar;
} forms[CZ_PIXEL_PARAM_COUNT] = {
    [CZ_PIXEL_PARAM_TEMPERATURE] = {'t', "T"},
    [CZ_PIXEL_PARAM_SATURATION] = {'s', "S"},
    [CZ_PIXEL_PARAM_SIZE] = {0, "N"},
    [CZ_PIXEL_PARAM_REFERENCE_STRENGTH] = {0, "S"},
    [CZ_PIXEL_PARAM_EDGE_RADIUS] = {0, "R"},
    [CZ_PIXEL_PARAM_EDGE_EPS] = {0, "E"},
};

void ct_pixel_opts_add(struct option *opts, size_t n)
{
    size_t end = 0;
    while (end < n && opts[end].name) end++;
    if (end + CZ_PIXEL_PARAM_COUNT >= n)
        ct_die(__FILE__, __LINE__, NULL, "no room for the colorize options");
    for (int id = 0; id < CZ_PIXEL_PARAM_COUNT; id++)
        opts[end++] = (struct option){cz_pixel_param_get((cz_pixel_param_id)id)->name,
                                      required_argument, 0, CT_PIXEL_OPT + id};
    opts[end] = (struct option){0, 0, 0, 0};
}

bool ct_pixel_opts_parse(const char *cmd, int c, const char *arg, cz_pixel_params *p)
{
    for (int id = 0; id < CZ_PIXEL_PARAM_COUNT; id++) {
        if (c != CT_PIXEL_OPT + id && !(forms[id].short_name && c == forms[id].short_name))
            continue;
        const cz_pixel_param *t = cz_pixel_param_get((cz_pixel_param_id)id);
        char opt[64];
        snprintf(opt, sizeof opt, "--%s", t->name);
        double v = t->is_int ? (double)ct_parse_long(cmd, opt, arg, (long)t->min, (long)t->max)
                             : ct_parse_double(cmd, opt, arg, t->min, t->max);
        cz_pixel_params_set_value(p, (cz_pixel_param_id)id, v);
        return true;
    }
    return false;
}

/* Prints text from column `col` on, wrapped at HELP_WIDTH with continuation
 * lines indented to HELP_INDENT. */
static void print_wrapped(int col, const char *text)
{
    const char *w = text;
    while (*w) {
        size_t len = strcspn(w, " ");
        if (col > HELP_INDENT && col + 1 + (int)len > HELP_WIDTH) {
            printf("\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
        } else if (col > HELP_INDENT) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)len, w);
        col += (int)len;
        w += len;
        while (*w == ' ') w++;
    }
    putchar('\n');
}

void ct_pixel_opts_help(void)
{
    for (int id = 0; id < CZ_PIXEL_PARAM_COUNT; id++) {
        const cz_pixel_param *t = cz_pixel_param_get((cz_pixel_param_id)id);
        char flags[64], text[256];
        if (forms[id].short_name)
            snprintf(flags, sizeof flags, "  -%c, --%s %s", forms[id].short_name, t->name, forms[id].metavar);
        else
            snprintf(flags, sizeof flags, "      --%s %s", t->name, forms[id].metavar);
        snprintf(text, sizeof text, "%s; %g to %g, default %g", t->help, t->min, t->max, t->def);
        /* a name too long for the column gets a line of its own */
        if ((int)strlen(flags) >= HELP_INDENT - 1)
            printf("%s\n%*s", flags, HELP_INDENT, "");
        else
            printf("%-*s", HELP_INDENT, flags);
        print_wrapped(HELP_INDENT, text);
    }
}

cz_reference *ct_pixel_opts_reference_load(const char *cmd, const cz_model *model, const char *path)
{
    cz_error err = {0};
    if (cz_model_check_reference(model, &err) != CZ_STATUS_OK) ct_usage_error(cmd, "--reference: %s", err.msg);
    char why[256];
    GeglBuffer *buf = ct_image_load_buffer(path, why, sizeof why);
    if (!buf) ct_die(__FILE__, __LINE__, NULL, "reference %s: %s", path, why);
    cz_reference *ref = cz_pixel_reference_new(model, buf, NULL, &err);
    g_object_unref(buf);
    if (!ref) ct_die(__FILE__, __LINE__, NULL, "reference %s: %s", path, err.msg);
    return ref;
}
