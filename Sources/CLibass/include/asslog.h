#ifndef CLARITY_ASSLOG_H
#define CLARITY_ASSLOG_H
#include <ass/ass.h>

/// libass's messages sent to FFmpeg's log at the levels FFmpeg's subtitles filter gives them,
/// so that `--verbose` shows them and nothing else does.
void clarity_ass_log_to_ffmpeg(ASS_Library *library);

#endif
