// The functions of libavfilter and libavdevice that Clarity calls are defined in this target,
// and load their library on the first call (see on_demand.c). Nothing to include: Swift calls
// them as CFFmpeg declares them.
#ifndef CLARITY_ON_DEMAND_H
#define CLARITY_ON_DEMAND_H
#endif
