/* lrfind.h: the range test's arithmetic, separate for unit tests. */
#ifndef CT_LRFIND_H
#define CT_LRFIND_H

/* Rate i of n, geometric from lr_min to lr_max. */
double ct_lr_rate(double lr_min, double lr_max, long i, long n);
/* out[i] = mean of raw over [i - k, i + k] (cut at the ends): smoothing
 * without the lag of a moving average, which would shift the curve, and the
 * suggestion, towards larger rates. */
void ct_lr_smooth(const double *raw, double *out, long n, long k);
/* Index of the steepest descent of smooth over log(lr), before its minimum;
 * -1 when the loss never falls. */
long ct_lr_suggest(const double *lr, const double *smooth, long n);

#endif
