/* prepare.c: `corolization-train prepare`: a folder tree of photos -> one
 * packed dataset (dataset.h). Subfolders of PHOTO_DIR are scene classes
 * (sorted by name); every photo below a subfolder, at any depth, belongs to
 * it. Without subfolders the photos carry no class. Damaged, unreadable and
 * gray photos are skipped with a warning naming them. */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "dataset.h"
#include "image.h"
#include "paths.h"
#include "photos.h"
#include "util.h"

typedef struct {
    char **paths;
    int *labels;
    size_t n, cap;
} file_list;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Sorted names in dir (skipping dot files). */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) ct_die(__FILE__, __LINE__, "PHOTO_DIR must be a readable folder", "cannot read folder '%s'", dir);
    size_t cap = 64;
    char **names = mallocCheck(cap * sizeof *names);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
            if (!names) ct_die(__FILE__, __LINE__, NULL, "out of memory listing '%s'", dir);
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = mallocCheck(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static void add_file(file_list *fl, char *path, int label)
{
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? 2 * fl->cap : 256;
        fl->paths = realloc(fl->paths, fl->cap * sizeof *fl->paths);
        fl->labels = realloc(fl->labels, fl->cap * sizeof *fl->labels);
        if (!fl->paths || !fl->labels) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    }
    fl->paths[fl->n] = path;
    fl->labels[fl->n++] = label;
}

/* Every file below a class folder, at any depth (photos.h's walk). */
static void collect(file_list *fl, const char *dir, int label)
{
    size_t n;
    char **paths = ct_photos_list(dir, &n);
    if (!paths) {
        ct_warn("%s: skipped: cannot read the folder", dir);
        return;
    }
    for (size_t i = 0; i < n; i++) add_file(fl, paths[i], label);
    free(paths); /* the paths now belong to fl */
}

static void prepare_help(void)
{
    printf("Usage: corolization-train prepare PHOTO_DIR -o DATA_FILE --size N [options]\n"
           "\n"
           "Packs a folder tree of photos (JPEG, PNG, TIFF, WebP) into one dataset file:\n"
           "each photo centre-cropped to a square, area-resampled to N x N, converted to\n"
           "babl's CIE Lab (the plug-in's path) and stored as 16-bit L and ab. Subfolders\n"
           "of PHOTO_DIR become scene classes. Truncated, corrupt, unreadable, gray and\n"
           "oversized photos (over 50 megapixels) are skipped with a warning. The ab\n"
           "histogram for the class-rebalancing prior is stored too.\n"
           "\n"
           "  -o, --output FILE        dataset to write (atomically)\n"
           "  -s, --size N             side in pixels (8..4096, e.g. 176)\n"
           "      --gray-threshold C   skip photos whose mean chroma is below C (default 1)\n"
           "      --limit N            stop after N usable photos (0 = all)\n"
           "  -q, --quiet              no per-photo progress\n"
           "  -h, --help               this text\n"
           "\n"
           "Exit status: 0 when the dataset was written (even if some photos were\n"
           "skipped), 1 on failure (no usable photo, I/O error), 2 on bad arguments.\n");
}

int ct_cmd_prepare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"size", required_argument, 0, 's'},
        {"gray-threshold", required_argument, 0, 'g'}, {"limit", required_argument, 0, 'l'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int size = 0;
    double gray = 1.0;
    long limit = 0;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': size = (int)ct_parse_long("prepare", "--size", optarg, 8, 4096); break;
        case 'g': gray = ct_parse_double("prepare", "--gray-threshold", optarg, 0, 100); break;
        case 'l': limit = ct_parse_long("prepare", "--limit", optarg, 0, 1L << 30); break;
        case 'q': quiet = true; break;
        case 'h': prepare_help(); return CT_EXIT_OK;
        default: ct_usage_error("prepare", "unknown option");
        }
    }
    if (optind + 1 != argc) ct_usage_error("prepare", "wants exactly one PHOTO_DIR");
    if (!out) ct_usage_error("prepare", "-o DATA_FILE is required");
    if (!size) ct_usage_error("prepare", "--size N is required");
    const char *root = argv[optind];
    if (!is_dir(root)) ct_usage_error("prepare", "'%s' is not a folder", root);

    ct_gegl_init();
    /* Classes: the subfolders, sorted. Top-level files count only when there
     * are no subfolders. */
    file_list fl = {0};
    char names[CT_DATASET_MAX_CLASSES][CT_DATASET_NAME];
    int classes = 0;
    size_t n;
    char **top = list_dir(root, &n);
    for (size_t i = 0; i < n; i++) {
        char *p = join(root, top[i]);
        if (is_dir(p)) {
            if (classes == CT_DATASET_MAX_CLASSES)
                ct_die(__FILE__, __LINE__, "merge some subfolders", "more than %d scene classes",
                       CT_DATASET_MAX_CLASSES);
            if (strlen(top[i]) >= CT_DATASET_NAME)
                ct_warn("class name '%s' shortened to %d bytes", top[i], CT_DATASET_NAME - 1);
            snprintf(names[classes], CT_DATASET_NAME, "%s", top[i]);
            collect(&fl, p, classes++);
        }
        free(p);
    }
    for (size_t i = 0; i < n; i++) {
        char *p = join(root, top[i]);
        if (!is_dir(p)) {
            if (classes) {
                ct_warn("%s: skipped (a file beside class subfolders has no class)", p);
                free(p);
            } else {
                add_file(&fl, p, 0);
            }
        } else {
            free(p);
        }
        free(top[i]);
    }
    free(top);
    if (fl.n == 0) ct_die(__FILE__, __LINE__, "PHOTO_DIR holds no files", "no photos under '%s'", root);
    ct_path_use *uses = mallocCheck(ct_size3(fl.n + 1, sizeof *uses, 1));
    uses[0] = (ct_path_use){"-o", out, true, NULL};
    for (size_t i = 0; i < fl.n; i++) uses[i + 1] = (ct_path_use){"the photo", fl.paths[i], false, NULL};
    ct_paths_check("prepare", uses, fl.n + 1);
    free(uses);

    ct_dataset_writer w;
    cz_error err = {0};
    statusCheck(ct_dataset_writer_begin(&w, out, size, classes, names, &err), &err);
    size_t np = (size_t)size * size, skipped = 0;
    float *L = mallocCheck(ct_size3(np, 3, sizeof(float))), *a = L + np, *b = L + 2 * np;
    double t0 = ct_now();
    for (size_t i = 0; i < fl.n && (!limit || w.count < (uint32_t)limit); i++) {
        char why[256];
        ct_lab_image img;
        if (!ct_image_load_lab(fl.paths[i], &img, why, sizeof why)) {
            ct_warn("%s: skipped: %s", fl.paths[i], why);
            skipped++;
            continue;
        }
        double chroma = ct_lab_image_mean_chroma(&img);
        if (chroma < gray) {
            ct_warn("%s: skipped: gray (mean chroma %.2f < %.2f)", fl.paths[i], chroma, gray);
            ct_lab_image_free(&img);
            skipped++;
            continue;
        }
        ct_lab_image_square(L, a, b, &img, size);
        ct_lab_image_free(&img);
        cz_status st = ct_dataset_writer_add(&w, L, a, b, fl.labels[i], &err);
        if (st != CZ_STATUS_OK) {
            ct_dataset_writer_abort(&w);
            statusCheck(st, &err);
        }
        if (!quiet && (w.count % 200 == 0))
            fprintf(stderr, "prepare: %u photos packed, %zu skipped, %.1f photos/s\n", w.count,
                    skipped, w.count / (ct_now() - t0 + 1e-9));
    }
    uint32_t count = w.count;
    statusCheck(ct_dataset_writer_finish(&w, &err), &err);
    printf("prepare: wrote %s: %u photos of %dx%d, %d classes, %zu skipped, %.1f s\n", out,
           count, size, size, classes, skipped, ct_now() - t0);
    for (size_t i = 0; i < fl.n; i++) free(fl.paths[i]);
    free(fl.paths);
    free(fl.labels);
    free(L);
    return CT_EXIT_OK;
}
