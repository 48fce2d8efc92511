/* progress.c: the progress bar and its plain-line fallback (progress.h). */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void ct_progress_start(ct_progress *p, FILE *f, long first, long total, long every)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->tty = isatty(fileno(f));
    p->first = first;
    p->total = total;
    p->every = every > 0 ? every : 10;
    p->t0 = p->last = ct_now();
}

void ct_format_duration(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0) { snprintf(buf, n, "--:--"); return; }
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void ct_progress_update(ct_progress *p, long step, double loss, double lr, double ips)
{
    double now = ct_now();
    bool last = step >= p->total;
    double done = (double)(step - p->first), left = (double)(p->total - step);
    double eta = done > 0 ? (now - p->t0) / done * left : NAN;
    char etas[32], el[32];
    ct_format_duration(etas, sizeof etas, eta);
    ct_format_duration(el, sizeof el, now - p->t0);
    if (p->tty) {
        if (!last && now - p->last < 0.2) return;
        p->last = now;
        const int width = 24;
        double frac = p->total ? (double)step / (double)p->total : 1;
        int fill = (int)(frac * width + 0.5);
        char bar[32];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(p->f, "\r[%s] %3.0f%% step %ld/%ld  loss %.4f  lr %.2e  %.1f img/s  ETA %s ",
                bar, 100 * frac, step, p->total, loss, lr, ips, etas);
        p->drawn = true;
        if (last) ct_progress_break(p);
        fflush(p->f);
    } else if (last || step % p->every == 0) {
        fprintf(p->f, "step %ld/%ld loss %.5f lr %.3e img/s %.2f elapsed %s eta %s\n", step, p->total,
                loss, lr, ips, el, etas);
        fflush(p->f);
    }
}

void ct_progress_break(ct_progress *p)
{
    if (p->tty && p->drawn) {
        fputc('\n', p->f);
        p->drawn = false;
    }
}
