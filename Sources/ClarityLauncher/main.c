// `clarity`, the command people run: it sets OpenMP's wait policy and becomes `clarity-core`,
// the tool itself, installed beside it.
//
// oneDNN's OpenMP workers spin after each parallel region by default; on a small machine the
// pump's decode, conversion and writer threads then wait behind them (passive: a 720p -> 4K
// transcode about 30% faster, docs/benchmarks.md). libgomp reads the policy once, as it loads,
// and the tool's own libraries load it before any code of the tool runs: so the policy is set
// here, in a program that loads nothing but libc, and the tool's libraries load once. (The
// tool had set it and restarted itself, loading them twice: 0.1-0.17 s of every run of a model.)
// A policy the user set is kept.
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argc;
    setenv("OMP_WAIT_POLICY", "passive", 0);
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        fprintf(stderr, "clarity: error: cannot tell where clarity is installed (/proc/self/exe: %s)\n", strerror(errno));
        return 70;
    }
    self[length] = '\0';
    char core[PATH_MAX];
    if (snprintf(core, sizeof core, "%s/clarity-core", dirname(self)) >= (int)sizeof core) {
        fprintf(stderr, "clarity: error: the folder clarity is installed in has too long a name\n");
        return 70;
    }
    execv(core, argv);
    fprintf(stderr, "clarity: error: cannot run %s (%s): build or install clarity again (make build, make install)\n", core, strerror(errno));
    return 70;
}
