"""IQAM: RBQE's no-reference quality score (Xing et al., ECCV 2020), numpy only.

Twin of the Swift `ClarityQuality.IQAM` (docs/quality.md): both must agree to 1e-4 on the
fixtures in Tests/ClarityQualityTests/Fixtures. This version follows the definition
literally (per-patch normalisation, moments, 3x3 blur with zero padding on the patch);
the Swift one uses the equivalent algebra in SIMD lanes.

    import numpy as np, iqam
    s = iqam.iqam(y, n=4)          # y: 2-D array (any scale: IQAM is scale-invariant)
    s["quality"], s["blocky"], s["blur"], s["smooth"], s["textured"]
    iqam.iqam_rect(y, x, y0, w, h, n=4)   # one tile, scored as an image of its own

n = 4 for H.264/HEVC-like block codecs, 8 for JPEG.
"""
import numpy as np

TEXTURE_THRESHOLD = 0.004  # SSM above this: textured patch (blur), else smooth (blocking)
BLOCKING_CLIP = 0.05       # T: Q_h and Q_w are clipped at T
C = 1e-5                   # stability constant
ALPHA, BETA = 0.9, 0.1     # Q = blocky^ALPHA * blur^BETA
GAUSS_SIGMA = 5.0          # 3x3 Gaussian used to re-blur textured patches


def tchebichef_basis(n):
    """Orthonormal Tchebichef basis, n x n, row p = polynomial of order p at x = 0..n-1."""
    x = np.arange(n, dtype=np.float64)
    p = np.zeros((n, n))
    p[0] = 1.0
    if n > 1:
        p[1] = (1.0 - n + 2.0 * x) / n
    for k in range(2, n):
        p[k] = ((2 * k - 1) * p[1] * p[k - 1]
                - (k - 1) * (1.0 - (k - 1) ** 2 / n ** 2) * p[k - 2]) / k
    rho = np.empty(n)
    for k in range(n):
        rho[k] = n * np.prod([1.0 - j * j / n ** 2 for j in range(1, k + 1)]) / (2 * k + 1)
    return p / np.sqrt(rho)[:, None]


def gaussian3(sigma=GAUSS_SIGMA):
    g = np.exp(-np.array([-1.0, 0.0, 1.0]) ** 2 / (2 * sigma * sigma))
    g /= g.sum()
    return np.outer(g, g)


def moments(patches, basis):
    """Moments of normalised, mean-removed patches; patches: (..., n, n)."""
    n = basis.shape[0]
    norm = np.sqrt(n * n * np.mean(patches ** 2, axis=(-2, -1), keepdims=True))
    safe = np.where(norm > 0, norm, 1.0)
    x = np.where(norm > 0, patches / safe, 0.0)  # an all-zero patch has zero moments
    x = x - x.mean(axis=(-2, -1), keepdims=True)
    return basis @ x @ basis.T


def blur_zero_padded(patches, kernel):
    """3x3 filter of each patch alone, zeros outside it (Matlab imfilter 'same')."""
    n = patches.shape[-1]
    padded = np.zeros(patches.shape[:-2] + (n + 2, n + 2))
    padded[..., 1:-1, 1:-1] = patches
    out = np.zeros_like(patches)
    for dy in range(3):
        for dx in range(3):
            out += kernel[dy, dx] * padded[..., dy:dy + n, dx:dx + n]
    return out


def extract_patches(img, n):
    """(floor(H/n)-1) x (floor(W/n)-1) patches of n x n, offset by n//2 (straddling block edges)."""
    h, w = img.shape
    ph, pw = h // n - 1, w // n - 1
    if ph <= 0 or pw <= 0:
        return np.zeros((0, n, n))
    o = n // 2
    core = img[o:o + ph * n, o:o + pw * n]
    return core.reshape(ph, n, pw, n).transpose(0, 2, 1, 3).reshape(-1, n, n)


def patch_scores(patches, n):
    """Per patch: (ssm, textured mask, blur score, blocking score)."""
    basis = tchebichef_basis(n)
    m = moments(patches, basis)
    ssm = np.sum(m ** 2, axis=(-2, -1)) - m[..., 0, 0] ** 2
    textured = ssm > TEXTURE_THRESHOLD
    mb = moments(blur_zero_padded(patches, gaussian3()), basis)
    s = (2 * m * mb + C) / (m ** 2 + mb ** 2 + C)
    blur = 1.0 - s.mean(axis=(-2, -1))
    denom = np.sum(np.abs(m), axis=(-2, -1)) - np.abs(m[..., 0, 0]) + C
    qh = np.minimum(np.sum(np.abs(m[..., n - 1, :]), axis=-1) / denom, BLOCKING_CLIP)
    qw = np.minimum(np.sum(np.abs(m[..., :, n - 1]), axis=-1) / denom, BLOCKING_CLIP)
    blocky = np.log(1.0 - (qh + qw) / 2) / np.log(1.0 - BLOCKING_CLIP)
    return ssm, textured, blur, blocky


def iqam(img, n=4):
    """IQAM of a 2-D luma image; returns quality, blocky, blur, smooth and textured counts."""
    img = np.asarray(img, dtype=np.float64)
    patches = extract_patches(img, n)
    ssm, textured, blur, blocky = patch_scores(patches, n)
    n_tex = int(textured.sum())
    n_smooth = int((~textured).sum())
    blur_mean = float(blur[textured].mean()) if n_tex else 1.0
    blocky_mean = float(blocky[~textured].mean()) if n_smooth else 1.0
    return {
        "quality": blocky_mean ** ALPHA * blur_mean ** BETA,
        "blocky": blocky_mean,
        "blur": blur_mean,
        "smooth": n_smooth,
        "textured": n_tex,
        # distance of the closest patch to the texture threshold (a patch within float32
        # round-off of it could be classified differently by the Swift twin)
        "margin": float(np.min(np.abs(ssm - TEXTURE_THRESHOLD))) if len(ssm) else 1.0,
    }


def iqam_rect(img, x, y, w, h, n=4):
    """IQAM of one tile (x, y, w, h), scored as an image of its own (patch grid from its origin)."""
    return iqam(np.asarray(img)[y:y + h, x:x + w], n)
