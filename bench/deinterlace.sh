#!/usr/bin/env bash
# Deinterlacing quality and cost (docs/benchmarks.md). Fields are cut from a 50p pan
# (x264 lossless, interlaced, top field first); each output is scored against the pan.
# usage: bench/deinterlace.sh [WORKDIR]   (needs the release build, ffmpeg, python3 with numpy)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=$root/.build/release/clarity
work=${1:-$(mktemp -d)}
cd "$work"
score() { python3 "$root/bench/field_psnr.py" "$@"; }
ffmpeg -v error -y -i "$root/streams/dune-pan-720p-lossless.mkv" -frames:v 1 still.png
quality() { # name, source
  ffmpeg -v error -y $2 -t 2 -pix_fmt yuv420p truth-$1.y4m
  ffmpeg -v error -y -i truth-$1.y4m -vf "tinterlace=interleave_top,setfield=tff" -c:v libx264 -qp 0 \
    -flags +ildct+ilme -x264-params tff=1 -field_order tt in-$1.mp4
  for m in off auto double; do "$B" transcode in-$1.mp4 out-$1-$m.mkv --codec ffv1 --deinterlace $m -q -y; done
  for f in bwdif yadif; do ffmpeg -v error -y -i in-$1.mp4 -vf $f=mode=send_frame -c:v ffv1 ffmpeg-$1-$f.mkv; done
  echo "$1, clarity --deinterlace off:    $(score out-$1-off.mkv truth-$1.y4m 960 540 2)"
  echo "$1, clarity --deinterlace auto:   $(score out-$1-auto.mkv truth-$1.y4m 960 540 2)"
  echo "$1, ffmpeg -vf bwdif:             $(score ffmpeg-$1-bwdif.mkv truth-$1.y4m 960 540 2)"
  echo "$1, ffmpeg -vf yadif:             $(score ffmpeg-$1-yadif.mkv truth-$1.y4m 960 540 2)"
  echo "$1, clarity --deinterlace double: $(score out-$1-double.mkv truth-$1.y4m 960 540 1)"
}
quality dune "-framerate 50 -loop 1 -i still.png -vf crop=960:540:x=t*120:y=40+t*30"
quality testsrc "-f lavfi -i testsrc2=size=1280x720:rate=50,crop=960:540:x=t*100:y=t*40"
# Cost: 4 s of 1080i25 (100 frames) decoded, deinterlaced and written as y4m to /dev/null.
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=50,format=yuv420p" -t 4 \
  -vf "tinterlace=interleave_top,setfield=tff" -c:v libx264 -preset veryfast -flags +ildct+ilme \
  -x264-params tff=1 -field_order tt -crf 18 i1080.mp4
for round in 1 2; do
  for m in off auto double; do
    /usr/bin/time -f "1080i, --deinterlace $m: %e s, %M KB peak" "$B" transcode i1080.mp4 /dev/null --format y4m --deinterlace $m -q
  done
done
