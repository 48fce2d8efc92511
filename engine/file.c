/* file.c: opening user-named files and replacing files atomically (see
 * file.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int cz_file_open_regular(const char *path, struct stat *sb, cz_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: not a regular file%s", path,
                     S_ISDIR(st.st_mode) ? " (a folder)" : S_ISFIFO(st.st_mode) ? " (a FIFO)" : "");
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (sb) *sb = st;
    return fd;
}

struct cz_file_writer {
    int fd;
    char *path;
    char *tmp;       /* the named temporary; NULL for an O_TMPFILE */
    uint64_t offset; /* where the next append goes */
    cz_error first;  /* the first failure, which every later call repeats */
};

/* The first failure sticks in w; err gets it too. */
static cz_status writer_fail(cz_file_writer *w, cz_error *err, const char *what, int e)
{
    if (!w->first.status)
        cz_error_set(&w->first, CZ_STATUS_IO_ERROR, "%s: %s: %s", w->path, what, strerror(e));
    if (err) *err = w->first;
    return w->first.status;
}

/* Named temporaries are "PATH.tmp.PID.XXXXXX". Removes those of path whose
 * process is gone: what a writer killed mid-write left on a file system
 * without O_TMPFILE, or killed between linkat and rename. A live process's
 * temporary (another writer's) stays. */
static void remove_stale(const char *path)
{
    char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *s = e->d_name;
        if (strncmp(s, base, bl) != 0 || strncmp(s + bl, ".tmp.", 5) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(s + bl + 5, &end, 10);
        if (errno || pid <= 0 || end == s + bl + 5 || *end != '.' || strlen(end + 1) != 6) continue;
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) unlinkat(dirfd(d), s, 0);
    }
    if (d) closedir(d);
    g_free(dir);
    g_free(base);
}

static cz_file_writer *writer_alloc(const char *path, cz_error *err)
{
    cz_file_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "%s: out of memory", path);
        return NULL;
    }
    w->fd = -1;
    return w;
}

cz_file_writer *cz__file_writer_new_named(const char *path, cz_error *err)
{
    cz_file_writer *w = writer_alloc(path, err);
    if (!w) return NULL;
    remove_stale(path);
    w->tmp = g_strdup_printf("%s.tmp.%ld.XXXXXX", path, (long)getpid());
    if ((w->fd = g_mkstemp_full(w->tmp, O_WRONLY | O_CLOEXEC, 0666)) < 0) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: cannot create a temporary file: %s", path,
                     strerror(errno));
        g_free(w->tmp);
        w->tmp = NULL;
        cz_file_writer_abort(w);
        return NULL;
    }
    return w;
}

cz_file_writer *cz_file_writer_new(const char *path, cz_error *err)
{
    if (!path || !*path) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "empty path");
        return NULL;
    }
    /* Linking an O_TMPFILE needs /proc (see commit). */
    if (access("/proc/self/fd", X_OK) != 0) return cz__file_writer_new_named(path, err);
    char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    int e = errno;
    g_free(dir);
    if (fd < 0 && (e == EOPNOTSUPP || e == EISDIR || e == EINVAL)) /* no O_TMPFILE here */
        return cz__file_writer_new_named(path, err);
    if (fd < 0) {
        cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: cannot create a temporary file: %s", path, strerror(e));
        return NULL;
    }
    cz_file_writer *w = writer_alloc(path, err);
    if (!w) {
        close(fd);
        return NULL;
    }
    w->fd = fd;
    return w;
}

static bool pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = pwrite(fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = EIO;
            return false;
        }
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return true;
}

cz_status cz_file_writer_write_at(cz_file_writer *w, uint64_t offset, const void *data, size_t n,
                                  cz_error *err)
{
    if (w->first.status) return writer_fail(w, err, NULL, 0);
    if (offset > INT64_MAX - n) return writer_fail(w, err, "write", EFBIG);
    if (!pwrite_all(w->fd, data, n, offset)) return writer_fail(w, err, "write", errno);
    return CZ_STATUS_OK;
}

cz_status cz_file_writer_write(cz_file_writer *w, const void *data, size_t n, cz_error *err)
{
    cz_status s = cz_file_writer_write_at(w, w->offset, data, n, err);
    if (!s) w->offset += n;
    return s;
}

/* Makes a rename in path's folder durable. */
static cz_status sync_dir(const char *path, cz_error *err)
{
    char *dir = g_path_get_dirname(path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cz_status s = CZ_STATUS_OK;
    if (dfd < 0 || (fsync(dfd) != 0 && errno != EINVAL)) /* EINVAL: no folder fsync here */
        s = cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: written, but syncing folder %s failed: %s",
                         path, dir, strerror(errno));
    if (dfd >= 0) close(dfd);
    g_free(dir);
    return s;
}

/* Gives the O_TMPFILE behind w->fd the name path. linkat cannot replace a
 * file, so over an existing one it links a temporary name and renames that:
 * only a kill between the two calls leaves a name behind, which the next
 * replacement of path removes. Returns 0 or the errno, and what failed. */
static int link_tmpfile(cz_file_writer *w, const char **what)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", w->fd);
    *what = "naming the file";
    if (linkat(AT_FDCWD, proc, AT_FDCWD, w->path, AT_SYMLINK_FOLLOW) == 0) return 0;
    if (errno != EEXIST) return errno;
    remove_stale(w->path);
    for (unsigned i = 0; i < 100; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        char *tmp = g_strdup_printf("%s.tmp.%ld.%06lx", w->path, (long)getpid(),
                                    ((unsigned long)ts.tv_nsec + i) & 0xffffff);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            w->tmp = tmp; /* abort removes it if the rename fails */
            *what = "renaming over the old file";
            return rename(tmp, w->path) == 0 ? 0 : errno;
        }
        int e = errno;
        g_free(tmp);
        if (e != EEXIST) return e;
    }
    return EEXIST;
}

cz_status cz_file_writer_commit(cz_file_writer *w, cz_error *err)
{
    if (w->first.status) {
        cz_status s = writer_fail(w, err, NULL, 0);
        cz_file_writer_abort(w);
        return s;
    }
    const char *what = "syncing";
    int e = fsync(w->fd) == 0 ? 0 : errno;
    if (!e && !w->tmp) {
        e = link_tmpfile(w, &what);
    } else if (!e) {
        what = "closing";
        e = close(w->fd) == 0 ? 0 : errno;
        w->fd = -1;
        if (!e) what = "renaming over the old file";
        if (!e && rename(w->tmp, w->path) != 0) e = errno;
    }
    if (!e) { /* named: nothing left to remove */
        g_free(w->tmp);
        w->tmp = NULL;
    }
    cz_status s = e ? writer_fail(w, err, what, e) : sync_dir(w->path, err);
    cz_file_writer_abort(w);
    return s;
}

void cz_file_writer_abort(cz_file_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (w->tmp) unlink(w->tmp);
    g_free(w->tmp);
    free(w->path);
    free(w);
}

cz_status cz_file_write(const char *path, const void *data, size_t n, cz_error *err)
{
    cz_file_writer *w = cz_file_writer_new(path, err);
    if (!w) return err ? err->status : CZ_STATUS_IO_ERROR;
    cz_status s = cz_file_writer_write(w, data, n, err);
    if (s) {
        cz_file_writer_abort(w);
        return s;
    }
    return cz_file_writer_commit(w, err);
}

cz_status cz_file_map(const char *path, void **map, size_t *size, cz_error *err)
{
    struct stat sb;
    int fd = cz_file_open_regular(path, &sb, err);
    if (fd < 0) return err ? err->status : CZ_STATUS_IO_ERROR;
    *size = (size_t)sb.st_size;
    *map = *size ? mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    int e = errno;
    close(fd);
    if (*map == MAP_FAILED) {
        *map = NULL;
        return cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: mmap: %s", path, strerror(e));
    }
    return CZ_STATUS_OK;
}
