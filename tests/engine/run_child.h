/* run_child.h: for tests that run another program (the trainer, Python):
 * its exit status, -1 when it could not be run or did not exit. */
#ifndef RUN_CHILD_H
#define RUN_CHILD_H

#include <sys/wait.h>
#include <unistd.h>

static inline int run_child(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
