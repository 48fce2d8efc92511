/* test_model_list.c: the plug-in's model folders (plug-in/colorize.c)
 * without GIMP: only regular files (or links to them) are listed, each name
 * once, and a message about a missing model names at most 20 of them.
 * $COROLIZATION_MODELS points at folders made here, and GIMP2_DIRECTORY /
 * GIMP3_DIRECTORY at an empty profile, so nothing of the machine is read
 * beyond the install's own model folder, whose names these are not. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libgimp/gimp.h>

#include "colorize.h"
#include "check.h"

static void touch (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, "x", 1, NULL);
  g_free (path);
}

/* rm -r, not following links */
static void remove_tree (const gchar *path)
{
  GStatBuf sb;
  GDir    *dir;

  if (g_lstat (path, &sb) == 0 && S_ISDIR (sb.st_mode) && (dir = g_dir_open (path, 0, NULL)))
    {
      const gchar *entry;

      while ((entry = g_dir_read_name (dir)))
        {
          gchar *child = g_build_filename (path, entry, NULL);

          remove_tree (child);
          g_free (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

/* path made from dir and name; freed by the next call */
static const gchar *at (const gchar *dir, const gchar *name)
{
  static gchar *path;

  g_free (path);
  path = g_build_filename (dir, name, NULL);
  return path;
}

int
main (void)
{
  check_state  st    = { 0 };
  gchar       *root  = g_dir_make_tmp ("cz-model-list-XXXXXX", NULL);
  gchar       *a     = g_build_filename (root, "a", NULL);
  gchar       *b     = g_build_filename (root, "b", NULL);
  gchar       *many  = g_build_filename (root, "many", NULL);
  gchar       *env;
  gchar      **names;
  gchar       *path;
  GError      *error = NULL;
  gint         i;

  g_mkdir (a, 0700);
  g_mkdir (b, 0700);
  g_mkdir (many, 0700);
  g_setenv ("GIMP2_DIRECTORY", root, TRUE);
  g_setenv ("GIMP3_DIRECTORY", root, TRUE);

  /* a: one model, and things that are not models */
  touch (a, "zz-real.safetensors");
  mkfifo (at (a, "zz-fifo.safetensors"), 0600);
  g_mkdir (at (a, "zz-folder.safetensors"), 0700);
  CHECK (&st, symlink ("nowhere.safetensors", at (a, "zz-broken.safetensors")) == 0, "symlink");
  CHECK (&st, symlink ("zz-real.safetensors", at (a, "zz-link.safetensors")) == 0, "symlink");
  /* b: the same name again, and another model */
  touch (b, "zz-real.safetensors");
  touch (b, "zz-other.safetensors");

  env = g_strjoin (G_SEARCHPATH_SEPARATOR_S, a, b, NULL);
  g_setenv ("COROLIZATION_MODELS", env, TRUE);
  names = colorize_model_list ();
  {
    gint real = 0;

    for (i = 0; names[i]; i++)
      real += ! strcmp (names[i], "zz-real");
    CHECK (&st, real == 1, "zz-real listed %d times, want once", real);
  }
  CHECK (&st, g_strv_contains ((const gchar * const *) names, "zz-link"),
         "a link to a regular file is a model");
  CHECK (&st, g_strv_contains ((const gchar * const *) names, "zz-other"),
         "the second folder's model is listed");
  CHECK (&st, ! g_strv_contains ((const gchar * const *) names, "zz-fifo"),
         "a FIFO is listed");
  CHECK (&st, ! g_strv_contains ((const gchar * const *) names, "zz-folder"),
         "a folder is listed");
  CHECK (&st, ! g_strv_contains ((const gchar * const *) names, "zz-broken"),
         "a broken link is listed");
  g_strfreev (names);
  g_free (env);

  /* many: 50 models; the message for a missing one names 20 */
  for (i = 0; i < 50; i++)
    {
      gchar *name = g_strdup_printf ("zz-many-%02d.safetensors", i);

      touch (many, name);
      g_free (name);
    }
  g_setenv ("COROLIZATION_MODELS", many, TRUE);
  path = colorize_model_find ("zz-missing", NULL, &error);
  CHECK (&st, ! path && error, "a missing model was found");
  if (error)
    {
      CHECK (&st, strstr (error->message, "zz-many-19") && ! strstr (error->message, "zz-many-20"),
             "the message lists other than the first 20 names: %s", error->message);
      CHECK (&st, strstr (error->message, "more") && strlen (error->message) < 1000,
             "the message does not say how many more: %s", error->message);
      g_clear_error (&error);
    }
  g_free (path);

  remove_tree (root);
  g_free (a);
  g_free (b);
  g_free (many);
  g_free (root);

  return check_finish (&st, "model-list");
}
