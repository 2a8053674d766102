// Package coord converts points between WGS-84, the system chengguan stores, and GCJ-02, the
// system that Chinese phone maps (高德, 腾讯, the phone's own map) produce. Points are converted
// at the edge of the system, once, and stored as WGS-84.
//
// The WGS-84 → GCJ-02 transform is the published public algorithm (the Krasovsky 1940 ellipsoid,
// a = 6378245 m, e² = 0.00669342162296594323), applied only inside the rough bounding box of
// China that every public implementation uses; outside it a point is returned unchanged. GCJ-02 →
// WGS-84 has no closed form: it is solved by fixed-point iteration until successive estimates
// differ by less than 1e-9 degrees (far below the 1e-7 degrees, about 1 cm, asked of it).
//
// This package is a pure core: no I/O, no mutable package state.
package coord

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// ErrInvalid marks every error this package returns: an unknown system name or a point that is
// not a finite longitude/latitude.
var ErrInvalid = errors.New("coord: invalid")

// System names a geodetic coordinate system a point arrives in.
type System string

// The systems accepted at the edge.
const (
	WGS84 System = "WGS84" // GPS, OpenStreetMap, what chengguan stores
	GCJ02 System = "GCJ02" // 国测局 "Mars" coordinates: 高德, 腾讯 and most Chinese phone maps
)

// ParseSystem accepts "WGS84", "GCJ02" and the spellings seen in the wild ("wgs-84",
// "gcj-02", "wgs84ll"…: case and punctuation are ignored).
func ParseSystem(s string) (System, error) {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, s)
	switch strings.TrimSuffix(norm, "LL") {
	case "WGS84":
		return WGS84, nil
	case "GCJ02":
		return GCJ02, nil
	}
	return "", fmt.Errorf("%w: coordinate system %q: want WGS84 or GCJ02", ErrInvalid, s)
}

// Krasovsky 1940, as every public implementation of the transform uses it.
const (
	semiMajor = 6378245.0
	eccSq     = 0.00669342162296594323
)

// OutOfChina reports whether p (lon, lat) is outside the bounding box inside which GCJ-02
// differs from WGS-84. The box is the conventional one of the public algorithm; it is coarse
// (it includes parts of neighbouring countries), which is harmless for a city's grid.
func OutOfChina(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// WGS84ToGCJ02 applies the GCJ-02 offset to a WGS-84 point (lon, lat).
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	dLon, dLat := offset(p)
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02: it returns the WGS-84 point w with WGS84ToGCJ02(w)
// within 1e-9 degrees of p on each axis. A point outside China is returned unchanged.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	// The offset varies slowly (its derivative is about 1e-5 per degree), so the fixed-point
	// iteration w ← p − offset(w) contracts fast: two or three rounds reach 1e-9.
	w := p
	for range 30 {
		dLon, dLat := offset(w)
		next := orb.Point{p[0] - dLon, p[1] - dLat}
		done := math.Abs(next[0]-w[0]) < 1e-9 && math.Abs(next[1]-w[1]) < 1e-9
		w = next
		if done {
			break
		}
	}
	return w
}

// ToWGS84 converts a point arriving in sys to WGS-84. It refuses a point that is not a finite
// longitude in [-180, 180] and latitude in [-90, 90].
func ToWGS84(p orb.Point, sys System) (orb.Point, error) {
	if err := Check(p); err != nil {
		return orb.Point{}, err
	}
	switch sys {
	case WGS84:
		return p, nil
	case GCJ02:
		return GCJ02ToWGS84(p), nil
	}
	return orb.Point{}, fmt.Errorf("%w: coordinate system %q: want WGS84 or GCJ02", ErrInvalid, string(sys))
}

// FromWGS84 converts a stored WGS-84 point to sys, for clients that draw on a GCJ-02 map.
func FromWGS84(p orb.Point, sys System) (orb.Point, error) {
	if err := Check(p); err != nil {
		return orb.Point{}, err
	}
	switch sys {
	case WGS84:
		return p, nil
	case GCJ02:
		return WGS84ToGCJ02(p), nil
	}
	return orb.Point{}, fmt.Errorf("%w: coordinate system %q: want WGS84 or GCJ02", ErrInvalid, string(sys))
}

// Check refuses a point that is not a finite (lon, lat) in range.
func Check(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return fmt.Errorf("%w: point (%v, %v) is not a longitude in [-180, 180] and a latitude in [-90, 90]", ErrInvalid, lon, lat)
	}
	return nil
}

// offset is the GCJ-02 displacement (degrees of longitude, degrees of latitude) at a WGS-84
// point.
func offset(p orb.Point) (dLon, dLat float64) {
	x, y := p[0]-105.0, p[1]-35.0
	dLat = transformLat(x, y)
	dLon = transformLon(x, y)
	radLat := p[1] / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - eccSq*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((semiMajor * (1 - eccSq)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (semiMajor / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}
