#!/usr/bin/env bash
# Regenerates Clarity's sample clips from TEST-split photos (training/data/splits/test.txt).
#   streams/make_streams.sh [CACHE]     (CACHE defaults to $CLARITY_CACHE or /work/cache)
# Needs ffmpeg (Debian 12: 5.1, libx264, native aac) and the photos unpacked by
# training/data/build_dataset.py. Deterministic: single-threaded x264, bitexact muxing,
# integer-pixel pans, fixed seeds nowhere needed. See streams/README.md.
set -euo pipefail
cd "$(dirname "$0")"
CACHE=${1:-${CLARITY_CACHE:-/work/cache}}
OCV=$CACHE/src/opencv-doc/usr/share/doc/opencv-doc/examples/data
SKI=$CACHE/src/scikit-image/skimage/data
MATE=$CACHE/src/mate-backgrounds/usr/share/backgrounds/mate/nature
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
FPS=30; FRAMES=75          # 2.5 s
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
COLOR=(-colorspace smpte170m -color_primaries smpte170m -color_trc smpte170m -color_range tv)

for f in "$MATE/Dune.jpg" "$MATE/GreenMeadow.jpg" "$SKI/astronaut.png" "$SKI/gravel.png" \
         "$OCV/chicky_512.png" "$OCV/rubberwhale1.png" "$OCV/basketball1.png"; do
  [ -f "$f" ] || { echo "missing $f: run training/data/build_dataset.py first" >&2; exit 1; }
done

# master <scene-move> <input args...> -- <filter>: writes the yuv420p source of a clip,
# losslessly (x264 qp 0; integer-pixel camera moves compress well), to $TMP/<name>.mkv
master() {
  local name=$1; shift
  local args=(); while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
  "${FF[@]}" "${args[@]}" -vf "$1,format=yuv420p" -frames:v $FRAMES -r $FPS \
    -c:v libx264 -qp 0 -preset veryslow -threads 1 "${COLOR[@]}" "${BITEXACT[@]}" "$TMP/$name.mkv"
}
# encode <scene-move> <qp>: the published clip, H.264 at a fixed QP plus an AAC tone
encode() {
  local name=$1 qp=$2
  "${FF[@]}" -i "$TMP/$name.mkv" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=2.5" \
    -map 0:v -map 1:a -c:v libx264 -preset medium -threads 1 -qp "$qp" -g 30 -bf 2 \
    -pix_fmt yuv420p "${COLOR[@]}" -c:a aac -b:a 64k -ac 1 -shortest \
    -movflags +faststart "${BITEXACT[@]}" "$name-720p-qp$qp.mp4"
}

# dune-pan: diagonal pan over Dune.jpg (1680x1050), 5 px right and 4 px down per frame.
master dune-pan -loop 1 -framerate $FPS -i "$MATE/Dune.jpg" -- "crop=1280:720:x=5*n:y=4*n"
# dune-zoom: slow zoom-in on the centre of Dune (16:9 crop 1680x945 -> 1280x720 at 1:1),
# quarter-pixel precision (zoompan on a 4x-enlarged copy), always downscaling the photo.
master dune-zoom -i "$MATE/Dune.jpg" -- \
  "crop=1680:945:0:52,scale=6720:3780:flags=lanczos,zoompan=z='1+0.3125*on/($FRAMES-1)':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=$FRAMES:s=1280x720:fps=$FPS"
# meadow-tilt: vertical pan down GreenMeadow.jpg (1280x1024), 4 px per frame.
master meadow-tilt -loop 1 -framerate $FPS -i "$MATE/GreenMeadow.jpg" -- "crop=1280:720:x=0:y=4*n"
# mosaic-pan: textured test photos side by side (3x2 tiles of 512x384, native pixels),
# panned 3 px right and 1 px down per frame.
T="crop=512:384,setsar=1,format=rgb24"
"${FF[@]}" -i "$SKI/astronaut.png" -i "$SKI/gravel.png" -i "$OCV/chicky_512.png" \
  -i "$OCV/rubberwhale1.png" -i "$OCV/basketball1.png" -i "$MATE/GreenMeadow.jpg" \
  -filter_complex "[0]$T[a];[1]$T[b];[2]$T[c];[3]$T[d];[4]$T[e];[5]$T[f];[a][b][c][d][e][f]xstack=inputs=6:layout=0_0|512_0|1024_0|0_384|512_384|1024_384" \
  -frames:v 1 "$TMP/mosaic.png"
master mosaic-pan -loop 1 -framerate $FPS -i "$TMP/mosaic.png" -- "crop=1280:720:x=3*n:y=n"

for qp in 22 27 32 37 42; do encode dune-pan $qp; done
encode dune-zoom 27
encode meadow-tilt 27
encode mosaic-pan 32
# Lossless references (x264 qp 0, yuv420p) of the demo scene and of the textured scene.
cp "$TMP/dune-pan.mkv" dune-pan-720p-lossless.mkv
cp "$TMP/mosaic-pan.mkv" mosaic-pan-720p-lossless.mkv
ls -l ./*.mp4 ./*.mkv
