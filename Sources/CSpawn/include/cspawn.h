// GNU extensions Swift's Glibc module does not show (it is imported without _GNU_SOURCE).
#ifndef CLARITY_CSPAWN_H
#define CLARITY_CSPAWN_H
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close on exec, atomically.
int clarity_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+): the child starts in `path`.
int clarity_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// prctl(PR_SET_NAME): the name ps, top and pidof show for the calling thread's process.
int clarity_set_process_name(const char *name);
#endif
