// Swift cannot import FFmpeg's function-like macros; these inline functions stand in for them.
#ifndef CLARITY_FFMPEG_SHIM_H
#define CLARITY_FFMPEG_SHIM_H

#include <errno.h>
#include <stdio.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavdevice/avdevice.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/avstring.h>
#include <libavutil/avutil.h>
#include <libavutil/cpu.h>
#include <libavutil/display.h>
#include <libavutil/dovi_meta.h>
#include <libavutil/error.h>
#include <libavutil/eval.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/timecode.h>
#include <libavutil/video_enc_params.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>

static inline int clarity_averror(int e) { return AVERROR(e); }
static inline int clarity_averror_eof(void) { return AVERROR_EOF; }
static inline int clarity_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int clarity_averror_external(void) { return AVERROR_EXTERNAL; }
static inline int clarity_averror_exit(void) { return AVERROR_EXIT; }
static inline int clarity_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int clarity_averror_option_not_found(void) { return AVERROR_OPTION_NOT_FOUND; }
static inline int clarity_averror_patchwelcome(void) { return AVERROR_PATCHWELCOME; }
static inline int clarity_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int clarity_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
/// Whether a failure to open an input says it could not be reached or read (a refused or lost
/// connection, an HTTP error status, a denied or missing resource), not that it is not media.
static inline int clarity_averror_is_unreachable(int r) {
    switch (r) {
    case AVERROR(ECONNREFUSED): case AVERROR(ECONNRESET): case AVERROR(ETIMEDOUT):
    case AVERROR(EHOSTUNREACH): case AVERROR(ENETUNREACH): case AVERROR(EACCES): case AVERROR(ENOENT):
    case AVERROR_HTTP_BAD_REQUEST: case AVERROR_HTTP_UNAUTHORIZED: case AVERROR_HTTP_FORBIDDEN:
    case AVERROR_HTTP_NOT_FOUND: case AVERROR_HTTP_OTHER_4XX: case AVERROR_HTTP_SERVER_ERROR:
        return 1;
    default:
        return 0;
    }
}
static inline int64_t clarity_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational clarity_time_base_q(void) { return AV_TIME_BASE_Q; }

/// The message for an FFmpeg error code, written into `buffer`.
static inline const char *clarity_err2str(int code, char *buffer, size_t size) {
    av_strerror(code, buffer, size);
    return buffer;
}

/// Drops FFmpeg's own log lines below `level`, so the tool owns what the user sees.
static inline void clarity_set_log_level(int level) { av_log_set_level(level); }

#endif
