/* test_file.c: the atomic writer (file.h): a new file and a replaced one,
 * the old content kept until commit, abort, writes at offsets, a write past
 * the file size limit (as a full disk) failing the whole file, a writer
 * killed mid-write leaving nothing (O_TMPFILE), and the named fallback,
 * whose next write of the same file removes a killed writer's temporary
 * (as does the next replacement by an O_TMPFILE). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "file.h"

static check_state S;
static char dir[64]; /* scratch folder from mkdtemp */

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

/* Entries of the scratch folder other than "." and "..". */
static int entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

/* The whole file as a string (static buffer; "" when missing). */
static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    return buf;
}

static void test_replace(void)
{
    char p[128];
    cz_error err = {0};
    path_of(p, sizeof p, "a.txt");
    CHECK(&S, cz_file_write(p, "first", 5, &err) == CZ_STATUS_OK, "new file: %s", err.msg);
    CHECK(&S, strcmp(slurp(p), "first") == 0, "new file holds '%s'", slurp(p));
    cz_file_writer *w = cz_file_writer_new(p, &err);
    CHECK(&S, w != NULL, "writer: %s", err.msg);
    if (!w) return;
    CHECK(&S, cz_file_writer_write(w, "xxcond", 6, &err) == CZ_STATUS_OK, "write: %s", err.msg);
    CHECK(&S, cz_file_writer_write_at(w, 0, "se", 2, &err) == CZ_STATUS_OK, "write_at: %s", err.msg);
    CHECK(&S, cz_file_writer_write(w, "!", 1, &err) == CZ_STATUS_OK, "append after write_at: %s", err.msg);
    CHECK(&S, strcmp(slurp(p), "first") == 0, "old content gone before commit: '%s'", slurp(p));
    CHECK(&S, entries() == 1, "%d entries while writing (the temporary has a name)", entries());
    CHECK(&S, cz_file_writer_commit(w, &err) == CZ_STATUS_OK, "commit: %s", err.msg);
    CHECK(&S, strcmp(slurp(p), "second!") == 0, "replaced file holds '%s'", slurp(p));
    mode_t mask = umask(0);
    umask(mask);
    struct stat sb;
    CHECK(&S, stat(p, &sb) == 0 && (sb.st_mode & 0777) == (0666 & ~mask), "mode %o, umask %o",
          (unsigned)(sb.st_mode & 0777), (unsigned)mask);

    w = cz_file_writer_new(p, &err);
    CHECK(&S, w && cz_file_writer_write(w, "third", 5, &err) == CZ_STATUS_OK, "write: %s", err.msg);
    cz_file_writer_abort(w);
    CHECK(&S, strcmp(slurp(p), "second!") == 0 && entries() == 1, "abort changed the folder");

    path_of(p, sizeof p, "no/such/folder/b.txt");
    CHECK(&S, !cz_file_writer_new(p, &err) && err.status == CZ_STATUS_IO_ERROR && strstr(err.msg, "temporary"),
          "missing folder: %s", err.msg);
}

/* RLIMIT_FSIZE stands in for a full disk: with SIGXFSZ ignored the write
 * fails with EFBIG. The failure sticks, commit reports it, the old file
 * stays and the temporary goes. */
static void test_full_disk(void)
{
    char p[128];
    cz_error err = {0};
    path_of(p, sizeof p, "a.txt");
    static char big[1 << 16];
    memset(big, 'z', sizeof big);
    struct rlimit old, small = {4096, 0};
    getrlimit(RLIMIT_FSIZE, &old);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(&S, setrlimit(RLIMIT_FSIZE, &small) == 0, "setrlimit: %s", strerror(errno));
    cz_file_writer *w = cz_file_writer_new(p, &err);
    cz_status s1 = w ? cz_file_writer_write(w, big, sizeof big, &err) : CZ_STATUS_IO_ERROR;
    cz_error later = {0};
    cz_status s2 = w ? cz_file_writer_write(w, "x", 1, &later) : CZ_STATUS_IO_ERROR;
    cz_status s3 = w ? cz_file_writer_commit(w, &later) : CZ_STATUS_IO_ERROR;
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK(&S, s1 == CZ_STATUS_IO_ERROR && strstr(err.msg, "File too large"), "write past the limit: %s", err.msg);
    CHECK(&S, s2 == CZ_STATUS_IO_ERROR && s3 == CZ_STATUS_IO_ERROR && strstr(later.msg, "File too large"),
          "the failure does not stick: %d %d %s", s2, s3, later.msg);
    CHECK(&S, strcmp(slurp(p), "second!") == 0 && entries() == 1, "a failed write changed the folder");
}

/* A child writes, then is killed: nothing of it may remain. */
static pid_t killed_writer(const char *p, bool named)
{
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        cz_error err = {0};
        cz_file_writer *w = named ? cz__file_writer_new_named(p, &err) : cz_file_writer_new(p, &err);
        if (w) cz_file_writer_write(w, "partial", 7, &err);
        char c = w ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char c = 'n';
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1 || c != 'y') CHECK(&S, false, "the child could not start a writer");
    close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return pid;
}

static void test_killed(void)
{
    char p[128];
    cz_error err = {0};
    path_of(p, sizeof p, "a.txt");
    killed_writer(p, false);
    CHECK(&S, entries() == 1 && strcmp(slurp(p), "second!") == 0, "a killed writer left %d entries", entries());

    /* The named fallback: a killed writer's temporary stays until the next
     * write of the same file, which removes it; a live writer's stays. */
    killed_writer(p, true);
    CHECK(&S, entries() == 2, "the named temporary of a killed writer: %d entries", entries());
    cz_file_writer *live = cz__file_writer_new_named(p, &err);
    CHECK(&S, live && entries() == 2, "the next write left the killed writer's temporary (%d entries)",
          entries());
    cz_file_writer *other = cz__file_writer_new_named(p, &err);
    CHECK(&S, other && entries() == 3, "a live writer's temporary was removed (%d entries)", entries());
    cz_file_writer_abort(other);
    CHECK(&S, live && cz_file_writer_write(live, "fifth", 5, &err) == CZ_STATUS_OK &&
              cz_file_writer_commit(live, &err) == CZ_STATUS_OK, "named commit: %s", err.msg);
    CHECK(&S, strcmp(slurp(p), "fifth") == 0 && entries() == 1, "named writer: '%s', %d entries", slurp(p),
          entries());

    /* What a writer killed between linkat and rename leaves: the next
     * replacement removes it too. */
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, NULL, 0);
    char q[192];
    snprintf(q, sizeof q, "%s.tmp.%ld.abcdef", p, (long)dead);
    FILE *f = fopen(q, "w");
    if (f) fclose(f);
    CHECK(&S, entries() == 2, "the dead writer's name: %d entries", entries());
    CHECK(&S, cz_file_write(p, "sixth", 5, &err) == CZ_STATUS_OK, "write: %s", err.msg);
    CHECK(&S, strcmp(slurp(p), "sixth") == 0 && entries() == 1, "after replacing: '%s', %d entries", slurp(p),
          entries());
}

static void cleanup(void)
{
    DIR *d = opendir(dir);
    char p[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cz_file_test_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_replace();
    test_full_disk();
    test_killed();
    cleanup();
    return check_finish(&S, "file");
}
