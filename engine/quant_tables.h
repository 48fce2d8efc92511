/* quant_tables.h: ab bin tables shipped as data (engine/data), for files
 * that carry them (cz_quant_set_bins). */
#ifndef CZ_QUANT_TABLES_H
#define CZ_QUANT_TABLES_H

/* The 313 bins of Zhang, Isola and Efros (ECCV 2016), their pts_in_hull, in
 * the class order of the published ECCV16 and SIGGRAPH17 networks' 313-way
 * outputs: engine/data/zhang-313-bins.txt, generated into C at build time.
 * In skimage's Lab (D65), as they were trained. */
extern const int cz_quant_zhang313_count;
extern const float cz_quant_zhang313[][2];
#define CZ_QUANT_ZHANG313_BINS 313

#endif
