#ifndef CLARITY_AFFINITY_H
#define CLARITY_AFFINITY_H

/// The CPUs this process's affinity mask allows (taskset, a container's cpuset); -1 where
/// it cannot be read. (sched_getaffinity needs _GNU_SOURCE, which Swift's Glibc lacks.)
int clarity_affinity_cpus(void);

#endif
