/* file.c: opening user-named files (see file.h). */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
