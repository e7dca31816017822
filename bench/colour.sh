#!/usr/bin/env bash
# Colour as viewers show it, Clarity beside ffmpeg (docs/benchmarks.md, thirty-ninth session):
# untagged SD upscaled to HD, untagged HD into PNG, BT.709 into JPEG, GIF palettes, HDR into pictures;
# tone curves (fortieth session).
# usage: bench/colour.sh   (needs the release build, ffmpeg with zscale, and python3 with numpy)
set -u
. "$(dirname "$0")/common.sh"
S=$root/streams/dune-pan-720p-lossless.mkv
# shown FILE W H: frame 0 as a player shows it (the stated matrix, else the one guessed from the
# size, as mpv and VLC guess), resized to WxH, into shown.rgb; prints the matrix used.
shown() {
  local m w h
  m=$(ffprobe -v error -select_streams v:0 -show_entries stream=color_space -of default=nw=1:nk=1 "$1")
  w=$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of default=nw=1:nk=1 "$1")
  h=$(ffprobe -v error -select_streams v:0 -show_entries stream=height -of default=nw=1:nk=1 "$1")
  case $m in bt709) ;; smpte170m|bt470bg) m=bt601;; *) if [ "$w" -ge 1280 ] || [ "$h" -gt 576 ]; then m=bt709; else m=bt601; fi;; esac
  ffmpeg -v error -y -i "$1" -frames:v 1 -vf "scale=in_color_matrix=$m:flags=accurate_rnd+full_chroma_int,format=rgb24,scale=$2:$3:flags=area" -f rawvideo shown.rgb
  echo "$m"
}
# rgb FILE OUT: frame 0 as rgb24 (pictures hold RGB, or YUV that ffmpeg converts as JPEG's).
rgb() { ffmpeg -v error -y -i "$1" -frames:v 1 -pix_fmt rgb24 -f rawvideo "$2"; }
# compare A B [x0 x1 y0 y1]: RGB PSNR (dB) of two rgb24 dumps of one size; with a box, B's mean colour in it.
compare() { python3 - "$@" <<'PY'
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.uint8).astype(float); b = np.fromfile(sys.argv[2], np.uint8).astype(float)
out = "RGB PSNR %.2f dB" % (10 * np.log10(255 ** 2 / max(1e-9, ((a - b) ** 2).mean()))) if a.size == b.size else "sizes differ"
if len(sys.argv) > 3 and a.size == b.size:
    x0, x1, y0, y1 = map(int, sys.argv[3:7]); w = int(sys.argv[7])
    box = lambda p: p.reshape(-1, w, 3)[y0:y1, x0:x1].reshape(-1, 3).mean(0).round(0).astype(int).tolist()
    out += ", green bar %s (input %s)" % (box(b), box(a))
print(out)
PY
}

part 1 "untagged SD (720x480 SMPTE bars, MPEG-2) upscaled x3 to 2160x1440"
ffmpeg -v error -f lavfi -i smptebars=size=720x480:rate=30000/1001 -t 0.5 -c:v mpeg2video -q:v 2 bars.mpg
$C transcode bars.mpg c.mp4 --scale 3 --progress none >/dev/null 2>&1
ffmpeg -v error -i bars.mpg -vf scale=2160:1440:flags=bicubic f.mp4
echo "input shown through $(shown bars.mpg 720 480)"; mv shown.rgb in.rgb
for f in c.mp4 f.mp4; do
  echo "$f: tags $(ffprobe -v error -select_streams v -show_entries stream=color_space,color_primaries -of csv=p=0 $f), shown through $(shown $f 720 480): $(compare in.rgb shown.rgb 328 391 50 250 720)"
done
part 2 "untagged HD (1280x720, BT.709) into PNG"
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720 -frames:v 1 -pix_fmt rgb24 -f rawvideo meant.rgb
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 0.04 -vf "format=rgb24,scale=out_color_matrix=bt709:flags=accurate_rnd,format=yuv420p" -c:v ffv1 hd.mkv
$C transcode hd.mkv c.png --filter bicubic --progress none >/dev/null 2>&1
ffmpeg -v error -i hd.mkv -frames:v 1 f.png
for f in c.png f.png; do rgb $f $f.rgb; echo "$f: $(compare meant.rgb $f.rgb)"; done
part 2b "BT.709 HD (1280x720, tagged) into JPEG, read as JPEG decoders read it (BT.601, full range)"
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 0.04 -vf "format=rgb24,scale=out_color_matrix=bt709:flags=accurate_rnd,format=yuv420p" \
  -c:v ffv1 -colorspace bt709 -color_primaries bt709 -color_trc bt709 hd.mkv
ffmpeg -v error -i hd.mkv -frames:v 1 -vf "scale=in_color_matrix=bt709:flags=accurate_rnd+full_chroma_int,format=rgb24" -f rawvideo source.rgb
$C transcode hd.mkv c.jpg --filter bicubic --progress none >/dev/null 2>&1
ffmpeg -v error -i hd.mkv -frames:v 1 f.jpg
ffmpeg -v error -i hd.mkv -frames:v 1 -vf "scale=in_color_matrix=bt709:out_color_matrix=bt601:out_range=pc:flags=accurate_rnd+full_chroma_int,format=yuvj420p" -q:v 3 by-hand.jpg
for f in c.jpg f.jpg by-hand.jpg; do
  ffmpeg -v error -y -i $f -vf "scale=in_color_matrix=bt601:in_range=pc:flags=accurate_rnd+full_chroma_int,format=rgb24" -f rawvideo $f.rgb
  echo "$f: $(($(stat -c %s $f) / 1000)) kB, against the source decoded through BT.709: $(compare source.rgb $f.rgb)"
done
part 3 "GIF of a pan (1 s of the 720p clip at 640x360)"
ffmpeg -v error -t 1 -i "$S" -vf scale=640:-1:flags=bicubic -pix_fmt rgb24 -f rawvideo ref.rgb
$C transcode "$S" c.gif --size 640x-1 --duration 1 --progress none >/dev/null 2>&1
ffmpeg -v error -t 1 -i "$S" -vf scale=640:-1:flags=bicubic f.gif
ffmpeg -v error -t 1 -i "$S" -vf "scale=640:-1:flags=bicubic,split[a][b];[a]palettegen[p];[b][p]paletteuse" fp.gif
for f in c.gif f.gif fp.gif; do
  ffmpeg -v error -y -i $f -pix_fmt rgb24 -f rawvideo $f.rgb
  echo "$f: $(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 $f) frames, $(($(stat -c %s $f) / 1000)) kB, $(compare ref.rgb $f.rgb)"
done
part 4 "HDR into pictures (the clip's first frame as an HDR grade carries it: white at 203 cd/m2, BT.2020, 4:2:0)"
ffmpeg -v error -i "$S" -frames:v 1 -pix_fmt rgb24 sdr.png; rgb sdr.png sdr.rgb
for t in smpte2084 arib-std-b67; do
  ffmpeg -v error -i sdr.png -vf "zscale=tin=iec61966-2-1:pin=709:min=gbr:rin=pc:t=linear:p=709:m=gbr:r=pc:npl=203,format=gbrpf32le,zscale=p=2020:t=$t:m=2020_ncl:r=tv:npl=203,format=yuv420p10le" \
    -c:v libx265 -x265-params log-level=error:lossless=1:colorprim=bt2020:transfer=$t:colormatrix=bt2020nc -y hdr.mkv
  for o in png jpg; do
    $C transcode hdr.mkv c.$o -y --filter bicubic --progress none >/dev/null 2>&1
    ffmpeg -v error -y -i hdr.mkv -frames:v 1 f.$o
    rgb c.$o c.rgb; rgb f.$o f.rgb
    echo "$t into .$o: clarity $(compare sdr.rgb c.rgb) | ffmpeg $(compare sdr.rgb f.rgb)"
  done
  # Video with --sdr, beside the recipe ffmpeg users pass around (hable at 100 cd/m2), both
  # seen as a BT.1886 screen shows them, in sRGB's terms.
  $C transcode hdr.mkv c.mkv -y --sdr --codec ffv1 --filter bicubic --progress none >/dev/null 2>&1
  ffmpeg -v error -y -i hdr.mkv -vf "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p" -c:v ffv1 f.mkv
  for f in c.mkv f.mkv; do ffmpeg -v error -y -i $f -vf "zscale=t=iec61966-2-1:m=gbr:r=pc,format=gbrp,format=rgb24" -frames:v 1 -f rawvideo $f.rgb; done
  echo "$t into video: clarity --sdr $(compare sdr.rgb c.mkv.rgb) | ffmpeg's hable recipe $(compare sdr.rgb f.mkv.rgb)"
done
part 5 "tone curves (--tonemap) and a peak (--hdr-peak) on a grey ramp graded with its white at 1000 cd/m2 (half of it above SDR's white, 203)"
ffmpeg -v error -f lavfi -i "nullsrc=s=256x16,geq=lum='X':cb=128:cr=128,format=gray" -frames:v 1 -pix_fmt rgb24 ramp.png
ffmpeg -v error -i ramp.png -vf "zscale=tin=iec61966-2-1:pin=709:min=gbr:rin=pc:t=linear:p=709:m=gbr:r=pc:npl=203,format=gbrpf32le,zscale=p=2020:t=smpte2084:m=2020_ncl:r=tv:npl=1000,format=yuv444p10le" \
  -c:v libx265 -x265-params log-level=error:lossless=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:max-cll=1000,400 ramp.mkv
# peak400: the default curve with the peak given (--hdr-peak 400) instead of the stream's 1000.
for c in mobius hable reinhard clip peak400; do
  case $c in peak400) curve="--hdr-peak 400" ;; *) curve="--tonemap $c" ;; esac
  $C transcode ramp.mkv $c.png --filter bicubic $curve --progress none >/dev/null 2>&1; rgb $c.png $c.rgb
  python3 - $c <<'PY'
import sys, numpy as np
row = np.fromfile(sys.argv[1] + ".rgb", np.uint8).reshape(16, 256, 3)[8, :, 0].astype(int)
print("%-8s levels at input 32/64/128/192/255: %s; at white: %.1f%%; distinct levels: %d"
      % (sys.argv[1], row[[32, 64, 128, 192, 255]].tolist(), 100 * (row >= 254).mean(), len(set(row))))
PY
done
