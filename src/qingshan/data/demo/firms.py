"""The demo city's enterprises: industry, scale, location, start date, credit code, name."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from qingshan.data.demo._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    choice,
    lognormal,
    random_chars,
)
from qingshan.data.demo.calibration import Calibration
from qingshan.data.demo.geography import pull_inside
from qingshan.data.uscc import USCC_CHARSET, USCC_WEIGHTS


@dataclass
class Firms:
    n: int
    cls: IntArray
    above: BoolArray
    district: IntArray  # index into cal.districts
    park: IntArray  # index into cal.parks, -1 outside parks
    lon: FloatArray
    lat: FloatArray
    start_year: IntArray
    start_month: IntArray  # 1-12
    base_output: FloatArray  # 万元 in the base year
    eff: FloatArray  # relative energy intensity (mean one)
    ids: ObjArray
    names: ObjArray
    active: BoolArray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=bool))  # N×Y×12


def draw_firms(cal: Calibration, rng: np.random.Generator, n: int, yrs: IntArray) -> Firms:
    raw = cal.raw
    inds = cal.industries
    k = len(inds)
    # Industry: one of each class first (so every industry is present when n >= k), then
    # draws by weight; shuffled.
    forced = np.arange(min(n, k), dtype=np.int64)
    rest = choice(rng, n - forced.size, [i.weight for i in inds])
    cls = rng.permutation(np.concatenate([forced, rest]))

    sig = cal.per_class("sigma")[cls]
    med = cal.per_class("median_output")[cls]
    base = med * np.exp(sig * rng.standard_normal(n))
    # scale: 规上 = revenue ≥ 2000 万元 (revenue ≈ output; scale_threshold source)
    above = base >= float(raw["enterprise"]["scale_threshold_10k_yuan"])
    eff = lognormal(rng, float(raw["enterprise"]["efficiency_sigma"]), n)

    # Location: park by industry probabilities, otherwise a district.
    park_ids = [p["entity_id"] for p in cal.parks]
    dist_ids = [d["entity_id"] for d in cal.districts]
    park = np.full(n, -1, dtype=np.int64)
    district = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    dweights_default = [float(d["weight"]) for d in cal.districts]
    dchoice = rng.random(n)
    for c, ind in enumerate(inds):
        idx = np.flatnonzero(cls == c)
        if idx.size == 0:
            continue
        cum = 0.0
        for pid, prob in ind.parks.items():
            sel = idx[(u[idx] >= cum) & (u[idx] < cum + prob)]
            park[sel] = park_ids.index(pid)
            cum += prob
        dw = [ind.districts.get(d, 0.0) for d in dist_ids] if ind.districts else dweights_default
        cdf = np.cumsum(np.asarray(dw) / sum(dw))
        cdf[-1] = 1.0
        district[idx] = np.searchsorted(cdf, dchoice[idx], side="right")
    in_park = park >= 0
    park_district = np.array([dist_ids.index(p["district"]) for p in cal.parks])
    district[in_park] = park_district[park[in_park]]

    # Coordinates around the park or district centre, inside the city's box.
    def centre(key: str) -> FloatArray:
        return np.where(
            in_park,
            np.array([p[key] for p in cal.parks])[park],
            np.array([d[key] for d in cal.districts])[district],
        )

    lon0, lat0 = centre("lon"), centre("lat")
    spread = np.where(
        in_park,
        np.array([p["radius"] for p in cal.parks])[park],
        float(raw["city"]["district_spread_deg"]),
    )
    bbox = raw["city"]["bbox"]
    edge = 0.001  # keep points strictly inside the box, so inside their district boundary
    lon = np.clip(lon0 + spread * rng.standard_normal(n), bbox[0] + edge, bbox[2] - edge).round(5)
    lat = np.clip(lat0 + spread * rng.standard_normal(n), bbox[1] + edge, bbox[3] - edge).round(5)
    lon, lat = pull_inside([(float(d["lon"]), float(d["lat"])) for d in cal.districts], district, lon, lat)

    # Start year: a few enterprises enter during the data years; the rest are older.
    tr = raw["trend"]
    first = int(yrs[0])
    entry_p = float(tr["new_entrant_share_per_year"]) * max(len(yrs) - 1, 0)
    entrant = rng.random(n) < entry_p
    later = yrs[1:] if len(yrs) > 1 else yrs
    start_year = (
        first - 1 - np.floor(rng.exponential(float(tr["mean_age_years"]), n)).astype(np.int64)
    )
    start_year = np.maximum(start_year, int(tr["oldest_start_year"]))
    start_year[entrant] = later[rng.integers(0, len(later), int(entrant.sum()))]
    start_month = np.where(entrant, rng.integers(1, 13, n), 1)

    ids = _enterprise_ids(cal, rng, district, start_year)
    names = _names(cal, rng, cls, district)
    f = Firms(
        n=n,
        cls=cls,
        above=above,
        district=district,
        park=park,
        lon=lon,
        lat=lat,
        start_year=start_year,
        start_month=start_month,
        base_output=base,
        eff=eff,
        ids=ids,
        names=names,
    )
    yy = yrs[None, :, None]
    mm = np.arange(1, 13)[None, None, :]
    sy = start_year[:, None, None]
    f.active = (yy > sy) | ((yy == sy) & (mm >= start_month[:, None, None]))
    return f


def _uscc_codes(first17: npt.NDArray[np.str_]) -> ObjArray:
    """Append the GB 32100-2015 check character to an array of 17-character strings."""
    lut = np.full(128, -1, dtype=np.int64)
    for i, c in enumerate(USCC_CHARSET):
        lut[ord(c)] = i
    raw = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17)
    vals = lut[raw]
    total = vals @ np.asarray(USCC_WEIGHTS, dtype=np.int64)
    check = np.array(list(USCC_CHARSET))[(31 - total % 31) % 31]
    out: ObjArray = np.char.add(first17, check).astype(object)
    return out


def _enterprise_ids(
    cal: Calibration, rng: np.random.Generator, district: IntArray, start_year: IntArray
) -> ObjArray:
    """GB 32100-2015 codes: '9' 工商, '1' 企业, the registering division, an identifier."""
    n = district.size
    regions = np.array([d["entity_id"] for d in cal.districts])[district]
    en = cal.raw["enterprise"]
    city_level = rng.random(n) < float(en["city_level_registration_share"])
    regions = np.where(city_level, cal.raw["city"]["entity_id"], regions)
    ids: ObjArray = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while todo.size:
        m = todo.size
        # Identifiers issued after the 2015 reform start with 'MA'; older ones are the
        # former organisation codes (digits here).
        body = random_chars(rng, "0123456789", m, 9)
        new = start_year[todo] >= int(en["ma_identifier_from_year"])
        if new.any():
            tail = random_chars(rng, USCC_CHARSET, int(new.sum()), 7)
            body[new] = np.char.add("MA", tail)
        first17 = np.char.add(np.char.add("91", regions[todo].astype("U6")), body)
        codes = _uscc_codes(first17)
        keep = []
        for i, c in zip(todo, codes, strict=True):
            if c not in seen:
                seen.add(c)
                ids[i] = c
                keep.append(i)
        todo = np.setdiff1d(todo, np.asarray(keep, dtype=np.int64))
    return ids


def _names(
    cal: Calibration, rng: np.random.Generator, cls: IntArray, district: IntArray
) -> ObjArray:
    nm = cal.raw["names"]
    n = cls.size
    places = np.array([d["short"] for d in cal.districts] + list(nm["places"]), dtype=object)
    place = np.where(rng.random(n) < 0.7, places[district], places[rng.integers(0, places.size, n)])
    chars = np.array(list(nm["brand_chars"]), dtype=object)
    suffixes = np.array([s["text"] for s in nm["suffixes"]], dtype=object)
    suffix = suffixes[choice(rng, n, [float(s["p"]) for s in nm["suffixes"]])]
    word = np.empty(n, dtype=object)
    for c, ind in enumerate(cal.industries):
        idx = np.flatnonzero(cls == c)
        w = np.array(ind.words, dtype=object)
        word[idx] = w[rng.integers(0, w.size, idx.size)]
    names: ObjArray = (
        place + chars[rng.integers(0, chars.size, n)] + chars[rng.integers(0, chars.size, n)]
    )
    names = names + word + suffix
    # Names are unique within a registration authority: number the rare repeats.
    dup = pd.Series(names).groupby(names).cumcount().to_numpy()
    for i in np.flatnonzero(dup > 0):
        names[i] = f"{names[i][: -len(suffix[i])]}{dup[i] + 1}号{suffix[i]}"
    return names
