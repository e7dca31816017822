#!/usr/bin/env python3
"""Build Clarity's image sets from Debian packages and PyPI wheels.

    python training/data/build_dataset.py [--cache /work/cache] [--seed 20260523]

1. fetch   `apt-get download` mate-backgrounds, ukui-wallpapers, opencv-doc (pinned versions
           when the archive still has them) into CACHE/debs; `pip download --no-deps`
           scikit-image and matplotlib wheels into CACHE/wheels.
2. unpack  `dpkg-deb -x` / unzip into CACHE/src/<package>/ (only the image folders of wheels).
3. curate  a hand-made catalogue (below) of which images are photographs and which are
           drawn / rendered / vector artwork ("graphics"), with related images (stereo pairs,
           consecutive frames, the same picture at several sizes) grouped so that a group
           never straddles two splits.
4. split   by group, stratified in two strata ("wallpaper": large smooth nature photos,
           "testimage": classic textured test photos), with a fixed seed, about 70/15/15.
           Both strata feed the test split, so it holds textured photos as well as smooth
           wallpapers.
5. write   training/data/splits/{train,val,test,graphics}.txt (one path per line, relative
           to CACHE) and manifest.tsv (path, split, group, stratum, width, height, mode);
           graphics.txt split again by family (about 80/20, same seed) into graphics_train.txt
           and graphics_val.txt, which train and select the ClassSR classifier.
6. derive  the 4K-derived evaluation sets (never trained on): every catalogued source of at
           least 3840x2160, centre-cropped to 16:9 and resized (PIL LANCZOS) to exactly
           3840x2160, written as PNG under CACHE/derived/4k/; lists test4k.txt (photographs)
           and graphics4k.txt (rendered artwork). Their x3 LR is exactly 1280x720: the
           720p -> 4K case itself. Sources: lomiri-wallpapers* (photographs from Ubuntu's
           wallpaper contests, and artwork), plasma-workspace-wallpapers, gnome-backgrounds.

Images are never committed; only this script and the lists are.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = HERE / "splits"

DEBS = {  # package -> version pinned when the lists were made (Debian 12 bookworm)
    "mate-backgrounds": "1.26.0-1",
    "ukui-wallpapers": "20.04.3-1.1",
    "opencv-doc": "4.6.0+dfsg-12",
    # only for the 4K-derived evaluation sets
    "lomiri-wallpapers": "20.04.0-2",
    "lomiri-wallpapers-16.04": "20.04.0-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    "gnome-backgrounds": "43.1-1",
}
WHEELS = {  # project -> (version, members to extract)
    "scikit-image": ("0.26.0", "skimage/data/"),
    "matplotlib": ("3.11.2", "matplotlib/mpl-data/sample_data/"),
}

MATE = "src/mate-backgrounds/usr/share/backgrounds/mate"
UKUI = "src/ukui-wallpapers/usr/share/backgrounds"
OCV = "src/opencv-doc/usr/share/doc/opencv-doc/examples/data"
SKI = "src/scikit-image/skimage/data"
MPL = "src/matplotlib/matplotlib/mpl-data/sample_data"

# ---------------------------------------------------------------------------------------
# Catalogue. Photographs: group -> files (a group stays in one split).
# Where a picture exists as PNG and JPEG the PNG is used; mate's nature photos exist only
# as (high-quality, large) JPEG.
WALLPAPER = {  # stratum "wallpaper": large nature photos, mostly smooth (bokeh, sky)
    "aqua": [f"{MATE}/nature/Aqua.jpg"],
    "blinds": [f"{MATE}/nature/Blinds.jpg"],
    "dune": [f"{MATE}/nature/Dune.jpg"],
    "freshflower": [f"{MATE}/nature/FreshFlower.jpg"],
    "garden": [f"{MATE}/nature/Garden.jpg"],
    "greenmeadow": [f"{MATE}/nature/GreenMeadow.jpg"],
    "ladybird": [f"{MATE}/nature/LadyBird.jpg"],
    "raindrops": [f"{MATE}/nature/RainDrops.jpg"],
    "storm": [f"{MATE}/nature/Storm.jpg"],
    "twowings": [f"{MATE}/nature/TwoWings.jpg"],
    "wood": [f"{MATE}/nature/Wood.jpg"],
    "yellowflower": [f"{MATE}/nature/YellowFlower.jpg"],
}
TESTIMAGE = {  # stratum "testimage": classic photos with texture and edges
    "aero": [f"{OCV}/aero1.jpg", f"{OCV}/aero3.jpg"],
    "aloe": [f"{OCV}/aloeL.jpg", f"{OCV}/aloeR.jpg"],
    "apple": [f"{OCV}/apple.jpg"],
    "baboon": [f"{OCV}/baboon.jpg"],
    "basketball": [f"{OCV}/basketball1.png", f"{OCV}/basketball2.png"],
    "board": [f"{OCV}/board.jpg"],
    "box": [f"{OCV}/box.png", f"{OCV}/box_in_scene.png"],
    "building": [f"{OCV}/building.jpg"],
    "butterfly": [f"{OCV}/butterfly.jpg"],
    "chicky": [f"{OCV}/chicky_512.png"],
    "ela": [f"{OCV}/ela_original.jpg"],
    "fruits": [f"{OCV}/fruits.jpg"],
    "graf": [f"{OCV}/graf1.png", f"{OCV}/graf3.png"],
    "home": [f"{OCV}/home.jpg"],
    "books": [f"{OCV}/left.jpg", f"{OCV}/right.jpg"],
    "leuven": [f"{OCV}/leuvenA.jpg", f"{OCV}/leuvenB.jpg"],
    "messi": [f"{OCV}/messi5.jpg"],
    "orange": [f"{OCV}/orange.jpg"],
    "rubberwhale": [f"{OCV}/rubberwhale1.png", f"{OCV}/rubberwhale2.png"],
    "smarties": [f"{OCV}/smarties.png"],
    "squirrel": [f"{OCV}/squirrel_cls.jpg"],
    "stuff": [f"{OCV}/stuff.jpg"],
    "sudoku": [f"{OCV}/sudoku.png"],
    "astronaut": [f"{SKI}/astronaut.png"],
    "brick": [f"{SKI}/brick.png"],
    "camera": [f"{SKI}/camera.png"],
    "chelsea": [f"{SKI}/chelsea.png"],
    "coffee": [f"{SKI}/coffee.png"],
    "coins": [f"{SKI}/coins.png"],
    "grass": [f"{SKI}/grass.png"],
    "gravel": [f"{SKI}/gravel.png"],
    "hubble": [f"{SKI}/hubble_deep_field.jpg"],
    "ihc": [f"{SKI}/ihc.png"],
    "moon": [f"{SKI}/moon.png"],
    "motorcycle": [f"{SKI}/motorcycle_left.png", f"{SKI}/motorcycle_right.png"],
    "retina": [f"{SKI}/retina.jpg"],
    "rocket": [f"{SKI}/rocket.jpg"],
    "text": [f"{SKI}/text.png"],
    "grace_hopper": [f"{MPL}/grace_hopper.jpg"],
}
# Drawn, rendered, vector or synthetic artwork: the separate "graphics" set.
GRAPHICS = [
    f"{MATE}/abstract/Arc-Colors-Transparent-Wallpaper.png",
    f"{MATE}/abstract/Elephants_5640x3172.jpg",  # a painting; also at 1920 and 3840 wide
    f"{MATE}/abstract/Flow.png", f"{MATE}/abstract/Gulp.png", f"{MATE}/abstract/Silk.png",
    f"{MATE}/abstract/Spring.png", f"{MATE}/abstract/Waves.png",
    f"{MATE}/desktop/Float-into-MATE.png", f"{MATE}/desktop/GreenTraditional.jpg",
    f"{MATE}/desktop/MATE-Stripes-Dark.png", f"{MATE}/desktop/MATE-Stripes-Light.png",
    f"{MATE}/desktop/Stripes.png", f"{MATE}/desktop/Ubuntu-Mate-Cold-no-logo.png",
    f"{MATE}/desktop/Ubuntu-Mate-Dark-no-logo.png",
    f"{MATE}/desktop/Ubuntu-Mate-Radioactive-no-logo.png",
    f"{MATE}/desktop/Ubuntu-Mate-Warm-no-logo.png",
    f"{UKUI}/2004default.jpg", f"{UKUI}/calla.png", f"{UKUI}/city.png", f"{UKUI}/desert.png",
    f"{UKUI}/firstgeneration.jpg", f"{UKUI}/fluent-color.png", f"{UKUI}/focal-ubuntukylin.png",
    f"{UKUI}/goldfish.png", f"{UKUI}/rhythm.jpg", f"{UKUI}/rollpaper.png", f"{UKUI}/string.jpg",
    f"{UKUI}/the-mouse.jpg",
    f"{OCV}/Blender_Suzanne1.jpg", f"{OCV}/Blender_Suzanne2.jpg", f"{OCV}/blox.jpg",
    f"{OCV}/HappyFish.jpg", f"{OCV}/starry_night.jpg", f"{OCV}/cards.png", f"{OCV}/ml.png",
    f"{OCV}/pic1.png", f"{OCV}/pic2.png", f"{OCV}/pic3.png", f"{OCV}/pic4.png",
    f"{OCV}/pic5.png", f"{OCV}/pic6.png", f"{OCV}/imageTextN.png", f"{OCV}/imageTextR.png",
    f"{OCV}/notes.png", f"{OCV}/opencv-logo.png", f"{OCV}/opencv-logo-white.png",
    f"{OCV}/LinuxLogo.jpg", f"{OCV}/WindowsLogo.jpg", f"{OCV}/digits.png",
    f"{SKI}/logo.png", f"{SKI}/color.png", f"{SKI}/horse.png", f"{SKI}/page.png",
    f"{MPL}/logo2.png", f"{MPL}/Minduka_Present_Blue_Pack.png",
]
# Neither set (why): near-duplicates, degraded on purpose, synthetic patterns, not images.
EXCLUDED_PREFIXES = {
    f"{OCV}/left0": "chessboard calibration series (26 near-identical grey frames)",
    f"{OCV}/left1": "chessboard calibration series", f"{OCV}/right0": "calibration series",
    f"{OCV}/right1": "calibration series",
}
EXCLUDED = {
    f"{MATE}/abstract/Elephants.jpg": "same painting as Elephants_5640x3172 (smaller)",
    f"{MATE}/abstract/Elephants_3840x2160.jpg": "same painting (smaller)",
    f"{OCV}/aloeGT.png": "disparity map", f"{OCV}/ela_modified.jpg": "tampered copy of ela_original",
    f"{OCV}/licenseplate_motion.jpg": "motion-blurred on purpose",
    f"{OCV}/text_defocus.jpg": "defocused on purpose", f"{OCV}/text_motion.jpg": "motion-blurred",
    f"{OCV}/chessboard.png": "synthetic pattern", f"{OCV}/gradient.png": "synthetic ramp",
    f"{OCV}/ellipses.jpg": "synthetic", f"{OCV}/detect_blob.png": "synthetic",
    f"{OCV}/mask.png": "mask", f"{OCV}/templ.png": "template", f"{OCV}/tmpl.png": "template",
    f"{OCV}/pca_test1.jpg": "synthetic shapes",
    f"{SKI}/chessboard_GRAY.png": "synthetic", f"{SKI}/chessboard_RGB.png": "synthetic",
    f"{SKI}/clock_motion.png": "synthetic motion blur", f"{SKI}/phantom.png": "synthetic phantom",
    f"{SKI}/microaneurysms.png": "102x102 crop", f"{SKI}/cell.png": "near-empty microscopy",
}
IMAGE_EXT = (".png", ".jpg", ".jpeg")

# 4K-derived evaluation sets: sources of at least 3840x2160, none in any split above.
LOM16 = "src/lomiri-wallpapers-16.04/usr/share/backgrounds"
LOM20 = "src/lomiri-wallpapers-20.04/usr/share/backgrounds"
LOM = "src/lomiri-wallpapers/usr/share/backgrounds"
KDE = "src/plasma-workspace-wallpapers/usr/share/wallpapers"
GNOME = "src/gnome-backgrounds/usr/share/backgrounds/gnome"
PHOTOS_4K = [
    f"{LOM16}/Bridge_by_Sander_Klootwijk.jpg", f"{LOM16}/Dragonfly_by_Bolly.jpg",
    f"{LOM16}/seeding_by_Clements_Engelhardt.jpg", f"{LOM16}/sunset_by_Aitzol_Berasategi.jpg",
    f"{LOM20}/Kleiber_by_Lukas_Baubkus.jpg",
]
GRAPHICS_4K = [
    f"{LOM16}/umang_by_Abhishek_Mudgal.jpg", f"{LOM20}/Fossa_by_Jasper_Roks.jpg",
    f"{LOM20}/Infinite-Sea_by_Aury88.jpg", f"{LOM20}/Painting-Colors_by__herobrine7gamer.jpg",
    f"{LOM}/lomiri-default-background.png",
] + [f"{KDE}/{n}/contents/images/{size}" for n, size in (
    ("Altai", "5120x2880.png"), ("Canopee", "3840x2160.png"), ("Cascade", "3840x2160.png"),
    ("Cluster", "3840x2160.png"), ("Flow", "5120x2880.jpg"), ("Honeywave", "5120x2880.jpg"),
    ("IceCold", "5120x2880.png"), ("Kay", "5120x2880.png"), ("Kokkini", "3840x2160.png"),
    ("MilkyWay", "5120x2880.png"), ("Opal", "3840x2160.png"), ("Patak", "5120x2880.png"),
    ("SafeLanding", "5120x2880.jpg"), ("Shell", "5120x2880.jpg"), ("Volna", "5120x2880.jpg"))
] + [f"{GNOME}/{n}-l.webp" for n in ("adwaita", "grid", "licorice", "pixels", "truchet", "wood")]
UHD = (3840, 2160)


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def fetch(cache: Path):
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    for pkg, ver in DEBS.items():
        if list(debs.glob(f"{pkg}_*.deb")):
            continue
        try:
            run(["apt-get", "download", f"{pkg}={ver}"], cwd=debs)
        except subprocess.CalledProcessError:
            print(f"warning: {pkg}={ver} not in the archive; taking the current version")
            run(["apt-get", "download", pkg], cwd=debs)
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for proj, (ver, _) in WHEELS.items():
        stem = proj.replace("-", "_")
        if list(wheels.glob(f"{stem}-*.whl")):
            continue
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "-d", str(wheels)]
        try:
            run(pip + [f"{proj}=={ver}"])
        except subprocess.CalledProcessError:
            print(f"warning: {proj}=={ver} has no wheel here; taking the newest")
            run(pip + [proj])


def unpack(cache: Path):
    src = cache / "src"
    for deb in sorted((cache / "debs").glob("*.deb")):
        pkg = deb.name.split("_")[0]
        out = src / pkg
        if not out.exists():
            out.mkdir(parents=True)
            run(["dpkg-deb", "-x", str(deb), str(out)])
    for proj, (_, prefix) in WHEELS.items():
        out = src / proj
        if out.exists():
            continue
        whl = sorted((cache / "wheels").glob(f"{proj.replace('-', '_')}-*.whl"))[-1]
        with zipfile.ZipFile(whl) as z:
            for m in z.namelist():
                if m.startswith(prefix) and m.lower().endswith(IMAGE_EXT):
                    z.extract(m, out)
        print(f"unpacked {whl.name} images into {out}")


def derive_4k(cache: Path, src: str) -> str:
    """Centre-crop a source to 16:9 and resize it to exactly 3840x2160; returns the PNG's path
    relative to the cache (rewritten only when missing)."""
    from PIL import Image
    name = src.split("/")[1] + "__" + (src.split("/")[-4] if "/contents/" in src else Path(src).stem)
    rel = f"derived/4k/{name}.png"
    out = cache / rel
    if out.exists():
        return rel
    with Image.open(cache / src) as im:
        im = im.convert("RGB")
        w, h = im.size
        if w < UHD[0] or h < UHD[1]:
            sys.exit(f"error: {src} is {w}x{h}, smaller than 3840x2160")
        cw, ch = (w, w * 9 // 16) if w * 9 <= h * 16 else (h * 16 // 9, h)
        box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
        im = im.resize(UHD, Image.LANCZOS, box=box)
    out.parent.mkdir(parents=True, exist_ok=True)
    im.save(str(out) + ".tmp.png")
    os.replace(str(out) + ".tmp.png", out)
    return rel


def graphics_family(path):
    """Variants of one design (colourways, numbered frames, N/R pairs) share a family, so
    that a family never straddles the graphics train / val split."""
    stem = Path(path).stem
    stem = re.sub(r"(?<=[a-z])[NR]$", "", stem)
    return re.sub(r"(-(dark|light|cold|warm|radioactive|white|no-logo))+|\d+$", "", stem, flags=re.I).lower()


def split_graphics(seed, frac_val=0.2):
    """The graphics set by family: val (selection of the ClassSR classifier) and train."""
    fam = {}
    for f in GRAPHICS:
        fam.setdefault(graphics_family(f), []).append(f)
    names = sorted(fam)
    random.Random(seed).shuffle(names)
    val = set(names[:round(len(names) * frac_val)])
    return {"graphics_train": sorted(f for n in names if n not in val for f in fam[n]),
            "graphics_val": sorted(f for n in val for f in fam[n])}


def split_groups(groups, seed, frac_val=0.15, frac_test=0.15):
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    n = len(names)
    n_test = max(2, round(n * frac_test))
    n_val = max(2, round(n * frac_val))
    return {"test": names[:n_test], "val": names[n_test:n_test + n_val],
            "train": names[n_test + n_val:]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=os.environ.get("CLARITY_CACHE", "/work/cache"))
    ap.add_argument("--seed", type=int, default=20260523)
    ap.add_argument("--no-fetch", action="store_true", help="use what is already in the cache")
    args = ap.parse_args()
    cache = Path(args.cache)
    if not args.no_fetch:
        fetch(cache)
    unpack(cache)

    from PIL import Image  # after fetching, so the fetch step needs no third-party module

    # Every image found must be catalogued (so that a new package version is noticed).
    # (only the image folders: opencv-doc's HTML manual has screenshots, not data)
    found = sorted(str(p.relative_to(cache)) for d in (MATE, UKUI, OCV, SKI, MPL)
                   for p in (cache / d).rglob("*")
                   if p.suffix.lower() in IMAGE_EXT and "/dnn/" not in str(p))
    photos = {f for g in (WALLPAPER, TESTIMAGE) for fs in g.values() for f in fs}
    known = photos | set(GRAPHICS) | set(EXCLUDED)
    for f in found:
        if f not in known and not any(f.startswith(p) for p in EXCLUDED_PREFIXES):
            print(f"note: uncatalogued image ignored: {f}")
    missing = sorted(f for f in known if f not in set(found) and f not in EXCLUDED)
    if missing:
        sys.exit("error: catalogued images missing from the cache:\n  " + "\n  ".join(missing))

    assignment = {}
    for stratum, groups in (("wallpaper", WALLPAPER), ("testimage", TESTIMAGE)):
        for split, names in split_groups(groups, args.seed).items():
            for g in names:
                for f in groups[g]:
                    assignment[f] = (split, g, stratum)

    SPLITS.mkdir(parents=True, exist_ok=True)
    rows = []
    for split in ("train", "val", "test"):
        files = sorted(f for f, (s, _, _) in assignment.items() if s == split)
        (SPLITS / f"{split}.txt").write_text("".join(f + "\n" for f in files))
        print(f"{split}: {len(files)} images")
    (SPLITS / "graphics.txt").write_text("".join(f + "\n" for f in sorted(GRAPHICS)))
    print(f"graphics: {len(GRAPHICS)} images")
    graphics_split = split_graphics(args.seed)
    for split, files in graphics_split.items():
        (SPLITS / f"{split}.txt").write_text("".join(f + "\n" for f in files))
        print(f"{split}: {len(files)} images")
    for f in sorted(assignment):
        s, g, st = assignment[f]
        with Image.open(cache / f) as im:
            rows.append(f"{f}\t{s}\t{g}\t{st}\t{im.size[0]}\t{im.size[1]}\t{im.mode}\n")
    graphics_of = {f: split for split, files in graphics_split.items() for f in files}
    for f in sorted(GRAPHICS):
        with Image.open(cache / f) as im:
            rows.append(f"{f}\t{graphics_of[f]}\t{graphics_family(f)}\tgraphics\t{im.size[0]}\t{im.size[1]}\t{im.mode}\n")
    (SPLITS / "manifest.tsv").write_text("path\tsplit\tgroup\tstratum\twidth\theight\tmode\n" + "".join(rows))
    print(f"wrote {SPLITS}/{{train,val,test,graphics}}.txt and manifest.tsv")
    for split, sources in (("test4k", PHOTOS_4K), ("graphics4k", GRAPHICS_4K)):
        files = [derive_4k(cache, f) for f in sources]
        (SPLITS / f"{split}.txt").write_text("".join(f + "\n" for f in files))
        print(f"{split}: {len(files)} images derived at 3840x2160")


if __name__ == "__main__":
    main()
