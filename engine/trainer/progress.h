/* progress.h: training progress for people and for logs. On a terminal, one
 * line redrawn in place (bar, step, loss, rate, images/s, ETA) at most 5 times a
 * second; otherwise a plain line every `every` steps (and at the end). */
#ifndef CT_PROGRESS_H
#define CT_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    bool tty;
    long first, total; /* steps [first, total) */
    long every;
    double t0, last;
    bool drawn;
} ct_progress;

void ct_progress_start(ct_progress *p, FILE *f, long first, long total, long every);
/* step just completed (1-based count of steps done). */
void ct_progress_update(ct_progress *p, long step, double loss, double lr, double images_per_s);
/* Ends the in-place line (before printing anything else). */
void ct_progress_break(ct_progress *p);
/* Formats seconds as h:mm:ss into buf[n]. */
void ct_format_duration(char *buf, size_t n, double seconds);

#endif
