#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "cspawn.h"

int clarity_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int clarity_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int clarity_set_process_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
