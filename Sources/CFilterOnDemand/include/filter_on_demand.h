// libavfilter's functions that Clarity calls are defined in this target, and load the library on
// their first call (see filter_on_demand.c). Nothing to include: Swift calls them as CFFmpeg
// declares them.
#ifndef CLARITY_FILTER_ON_DEMAND_H
#define CLARITY_FILTER_ON_DEMAND_H
#endif
