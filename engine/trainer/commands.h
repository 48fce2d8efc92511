/* commands.h: the subcommands of corolization-train, each a main-like
 * function returning the process exit status (see util.h). */
#ifndef CT_COMMANDS_H
#define CT_COMMANDS_H

int ct_cmd_prepare(int argc, char **argv);
int ct_cmd_train(int argc, char **argv);
int ct_cmd_lr_find(int argc, char **argv);
int ct_cmd_eval(int argc, char **argv);
int ct_cmd_colorize(int argc, char **argv);
int ct_cmd_import(int argc, char **argv);

/* Starts GEGL (and babl) once for the commands that read photos (in
 * image.c); ct_gegl_exit ends it if it was started. */
void ct_gegl_init(void);
void ct_gegl_exit(void);

#endif
