#!/usr/bin/env bash
# Outputs as users write them, Clarity beside ffmpeg (docs/benchmarks.md, thirty-eighth
# session): closed captions through deinterlacing, encoders and containers that count
# frames, VP9 with alpha, --crf for encoders without one (fortieth session: all of them), DNxHD
# at other sizes.
# usage: bench/outputs.sh   (needs the release build, ffmpeg and python3)
set -u
. "$(dirname "$0")/common.sh"
S=$root/streams/dune-pan-720p-qp27.mp4
frames() { ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$1" | tr -d ','; }
# Frame by frame, whatever each container's time base (WebM's milliseconds misalign with 1/30 s).
psnr() { ffmpeg -hide_banner -i "$1" -i "$2" -lavfi "[0:v]settb=1/30,setpts=N,format=yuv420p[a];[1:v]settb=1/30,setpts=N,format=yuv420p[b];[a][b]psnr=shortest=1" -f null - 2>&1 | grep -o 'average:[0-9.]*' | cut -d: -f2; }

part 1 "closed captions through deinterlacing"
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 -c:v mpeg2video -flags +ilme+ildct -top 1 -g 15 -bf 0 -f mpeg2video -y plain.m2v
python3 "$root/bench/insert_captions.py" plain.m2v cap.m2v
ffmpeg -v error -fflags +genpts -r 30 -i cap.m2v -c copy -y in.mpg
cc() { ffmpeg -v error -f lavfi -i "movie=$1[out0+subcc]" -map 0:s -c:s srt -y "$1.srt" && grep -v -- '-->' "$1.srt" | grep -v '^[0-9]*$' | grep -v '^$' | sed 's/<[^>]*>//g; s/{[^}]*}//g' | tr '\n' ' '; }
echo "input: $(frames in.mpg) frames, captions: $(cc in.mpg)"
for m in auto double film; do
  case $m in auto) vf="bwdif=mode=send_frame:deint=interlaced";; double) vf="bwdif=mode=send_field";; film) vf="fieldmatch,decimate,bwdif=mode=send_frame:deint=interlaced";; esac
  $C transcode in.mpg c-$m.mp4 --deinterlace $m --filter bicubic --scale 2 --progress none -y >/dev/null 2>&1
  ffmpeg -v error -i in.mpg -vf "$vf,scale=640:480:flags=bicubic" -c:v libx264 -y f-$m.mp4
  echo "$m | clarity: $(frames c-$m.mp4) frames, $(cc c-$m.mp4) | ffmpeg: $(frames f-$m.mp4) frames, $(cc f-$m.mp4)"
done
part 2 "encoders and containers that count frames"
ffmpeg -v error -f lavfi -i testsrc2=size=320x180:rate=30 -t 2 -c:v libx264 -y in.ts
for spec in "mpeg2video m2.mpg" "mpeg1video m1.mpg" "mpeg4 m4.mp4" "mpeg4 m4.avi" "libx264 x.avi" "libx264 x.mxf" "libtheora t.ogv" "utvideo u.mkv" "cfhd c.mov"; do
  set -- $spec
  r=$($C transcode in.ts c-$2 --codec $1 --filter bicubic --progress none -y 2>&1 | grep error | head -1)
  ffmpeg -v error -i in.ts -c:v $1 -y f-$2 2>/dev/null
  p() { [ -f "$1" ] && echo "rate $(ffprobe -v error -select_streams v -show_entries stream=r_frame_rate -of csv=p=0 "$1"), index $(ffprobe -v error -select_streams v -show_entries stream=nb_frames -of csv=p=0 "$1" | tr -d ','), $(frames "$1" | tr -d ',') frames" || echo "no file"; }
  echo "$1 in $2 | clarity: ${r:-$(p c-$2)} | ffmpeg: $(p f-$2)"
done
part 3 "a rate MPEG-2 cannot code, a variable rate"
span() { ffprobe -v error -select_streams $2 -show_entries packet=pts_time -of csv=p=0 "$1" | sort -g | sed -n '1p;$p' | tr '\n' ' '; }
ffmpeg -v error -f lavfi -i testsrc2=size=320x180:rate=12.5 -f lavfi -i sine=sample_rate=48000 -t 4 -c:v libx264 -c:a aac -shortest pal.mp4
$C transcode pal.mp4 c.mpg --codec mpeg2video --filter bicubic --progress none 2>&1 | grep warning
ffmpeg -v error -i pal.mp4 -c:v mpeg2video f.mpg
for f in c.mpg f.mpg; do echo "$f: $(frames $f) frames, rate $(ffprobe -v error -select_streams v -show_entries stream=r_frame_rate -of csv=p=0 $f), video first/last pts $(span $f v)s, audio $(span $f a)s"; done
ffmpeg -v error -filter_complex "testsrc2=size=320x180:r=30:d=1[a];testsrc2=size=320x180:r=10:d=1[b];[a][b]concat" -vsync vfr -c:v libx264 vfr.mp4
echo "vfr.mp4: $(frames vfr.mp4) frames, r_frame_rate/avg $(ffprobe -v error -show_entries stream=r_frame_rate,avg_frame_rate -of csv=p=0 vfr.mp4)"
for out in avi y4m; do
  $C transcode vfr.mp4 c.$out --filter bicubic --progress none 2>&1 | grep warning
  ffmpeg -v error -i vfr.mp4 -pix_fmt yuv420p f.$out
  for f in c.$out f.$out; do echo "$f: $(frames $f) frames, rate $(ffprobe -v error -show_entries stream=r_frame_rate -of csv=p=0 $f), index $(ffprobe -v error -show_entries stream=nb_frames -of csv=p=0 $f)"; done
done
part 4 "VP9 with alpha"
ffmpeg -v error -f lavfi -i "testsrc2=size=160x96,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='X+Y'" -frames:v 1 logo.png
ffmpeg -v error -loop 1 -i logo.png -frames:v 3 -c:v libvpx-vp9 -pix_fmt yuva420p logo.webm
echo "input: $(ffprobe -v error -show_entries stream=codec_name,pix_fmt:stream_tags=alpha_mode -of csv=p=0 logo.webm)"
$C transcode logo.webm up-%d.png --scale 3 --progress none
$C transcode logo.webm up.webm --scale 3 --progress none
ffmpeg -v error -c:v libvpx-vp9 -i logo.webm -frames:v 1 -vf scale=480:288:flags=bicubic ref.png
ffmpeg -v error -i logo.webm -frames:v 1 -vf scale=480:288:flags=bicubic plain-ffmpeg.png
for f in up-1.png ref.png plain-ffmpeg.png; do echo "$f: $(ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 $f)"; done
python3 - <<'PY'
import subprocess
def alpha(f):
    return subprocess.run(["ffmpeg","-v","error","-i",f,"-vf","alphaextract","-f","rawvideo","-"],capture_output=True).stdout
a, r = alpha("up-1.png"), alpha("ref.png")
print("alpha samples", len(a), len(r), "max |clarity - ffmpeg libvpx+bicubic|", max(abs(x-y) for x,y in zip(a,r)), "mean alpha", sum(a)/len(a))
PY
echo "up.webm: $(ffprobe -v error -show_entries stream=codec_name,pix_fmt:stream_tags=alpha_mode -of csv=p=0 up.webm), decoded by libvpx: $(ffmpeg -v error -c:v libvpx-vp9 -i up.webm -frames:v 1 -f image2 -c:v png -y /dev/stdout | ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 -)"
part 5 "--crf for encoders without one"
rate() { ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$1" | awk '{printf "%.2f Mb/s", $1/1e6}'; }
for spec in "libx264 mp4" "mpeg2video mpg" "libxvid avi" "libvpx webm" "libtheora ogv" "librav1e mkv"; do
  set -- $spec
  for crf in 12 18 30; do
    $C transcode $S c$crf.$2 --codec $1 --filter bicubic --crf $crf --no-audio --progress none
    echo "clarity $1 --crf $crf: $(rate c$crf.$2), $(psnr c$crf.$2 $S) dB"
  done
  ffmpeg -v error -i $S -an -c:v $1 f.$2; echo "ffmpeg $1 (its default): $(rate f.$2), $(psnr f.$2 $S) dB"
done
ffmpeg -v error -i $S -an -c:v libx264 -crf 18 -preset veryfast x.mp4; echo "ffmpeg libx264 -crf 18 veryfast: $(rate x.mp4), $(psnr x.mp4 $S) dB"
ffmpeg -v error -i $root/streams/dune-pan-720p-lossless.mkv -frames:v 1 f.png
$C transcode f.png c.jpg --filter bicubic --progress none; ffmpeg -v error -i f.png ff.jpg
for crf in 12 18 30; do $C transcode f.png c$crf.webp --filter bicubic --crf $crf --progress none; done; ffmpeg -v error -i f.png ff.webp
for j in c.jpg ff.jpg c12.webp c18.webp c30.webp ff.webp; do echo "$j: $(stat -c %s $j) bytes, $(psnr $j f.png) dB"; done
part 6 "DNxHD at other sizes"
$C transcode $S c.mov --codec dnxhd --scale 3 --frames 10 --progress none 2>&1 | tail -1
echo "clarity --codec dnxhd --scale 3: $(ffprobe -v error -select_streams v -show_entries stream=codec_name,profile,width,height,pix_fmt,bit_rate -of csv=p=0 c.mov)"
ffmpeg -v error -i $S -frames:v 10 -vf scale=3840:2160:flags=bicubic -c:v dnxhd f.mov 2>&1 | head -1; echo "ffmpeg -c:v dnxhd: exit ${PIPESTATUS[0]}"
$C transcode $S c2.mov --codec dnxhd --encoder-option profile=dnxhd --scale 3 --frames 10 --progress none 2>&1 | tail -1
date -u
