package coord

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func near(a, b orb.Point, tol float64) bool {
	return math.Abs(a[0]-b[0]) <= tol && math.Abs(a[1]-b[1]) <= tol
}

// wandergis/coordtransform publishes this pair with the same Krasovsky constants, so the
// result must agree to the last few bits.
func TestWGS84ToGCJ02MatchesThePublishedKrasovskyVector(t *testing.T) {
	got := WGS84ToGCJ02(orb.Point{116.404, 39.915})
	want := orb.Point{116.41024449916938, 39.91640428150164}
	if !near(got, want, 1e-12) {
		t.Fatalf("WGS84ToGCJ02(116.404, 39.915) = %v, want %v", got, want)
	}
}

// googollee/eviltransform publishes these three pairs (Shanghai, Shenzhen, Beijing). It scales
// the offset with the WGS-84 semi-major axis (6378137 m) instead of Krasovsky's (6378245 m), a
// relative difference of 1.7e-5 on an offset of under 0.01°, so the two agree to about 1e-7°.
func TestWGS84ToGCJ02AgreesWithEviltransformVectorsToACentimetre(t *testing.T) {
	cases := []struct {
		name     string
		wgs, gcj orb.Point
	}{
		{"shanghai", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
		{"shenzhen", orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
		{"beijing", orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}},
	}
	for _, tc := range cases {
		if got := WGS84ToGCJ02(tc.wgs); !near(got, tc.gcj, 2e-7) {
			t.Fatalf("%s: WGS84ToGCJ02(%v) = %v, want %v ± 2e-7", tc.name, tc.wgs, got, tc.gcj)
		}
		if got := GCJ02ToWGS84(tc.gcj); !near(got, tc.wgs, 2e-7) {
			t.Fatalf("%s: GCJ02ToWGS84(%v) = %v, want %v ± 2e-7", tc.name, tc.gcj, got, tc.wgs)
		}
	}
}

// The offset in central Pingdingshan, where the demo city lies, is a few hundred metres: a
// sanity check that longitude and latitude are not swapped anywhere.
func TestGCJ02OffsetInPingdingshanIsAFewHundredMetres(t *testing.T) {
	w := orb.Point{113.1920, 33.7450}
	g := WGS84ToGCJ02(w)
	dLon, dLat := g[0]-w[0], g[1]-w[1]
	if dLon < 0.003 || dLon > 0.009 || dLat < -0.003 || dLat > 0.003 {
		t.Fatalf("offset at %v = (%v, %v), want a longitude shift of 0.003–0.009° and a latitude shift under 0.003°", w, dLon, dLat)
	}
}

func TestGCJ02RoundTripIsBelow1e7DegreesAcrossChina(t *testing.T) {
	for lon := 73.5; lon <= 135.0; lon += 0.73 {
		for lat := 18.0; lat <= 53.5; lat += 0.37 {
			w := orb.Point{lon, lat}
			back := GCJ02ToWGS84(WGS84ToGCJ02(w))
			if !near(back, w, 1e-7) {
				t.Fatalf("round trip of %v gave %v", w, back)
			}
		}
	}
}

func TestPointsOutsideChinaAreUnchanged(t *testing.T) {
	for _, p := range []orb.Point{
		{2.3522, 48.8566},   // Paris
		{-74.006, 40.7128},  // New York
		{139.6917, 35.6895}, // Tokyo, east of the box
		{0, 0},
		{100, 60}, // north of the box
	} {
		if got := WGS84ToGCJ02(p); got != p {
			t.Fatalf("WGS84ToGCJ02(%v) = %v, want it unchanged", p, got)
		}
		if got := GCJ02ToWGS84(p); got != p {
			t.Fatalf("GCJ02ToWGS84(%v) = %v, want it unchanged", p, got)
		}
	}
}

func TestToWGS84ConvertsOnlyGCJ02(t *testing.T) {
	p := orb.Point{113.1920, 33.7450}
	got, err := ToWGS84(p, WGS84)
	if err != nil || got != p {
		t.Fatalf("ToWGS84(WGS84) = %v, %v; want the point unchanged", got, err)
	}
	got, err = ToWGS84(p, GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	if want := GCJ02ToWGS84(p); got != want {
		t.Fatalf("ToWGS84(GCJ02) = %v, want %v", got, want)
	}
	back, err := FromWGS84(got, GCJ02)
	if err != nil || !near(back, p, 1e-9) {
		t.Fatalf("FromWGS84(ToWGS84(p)) = %v, %v; want %v", back, err, p)
	}
}

func TestToWGS84RefusesBadPointsAndUnknownSystems(t *testing.T) {
	cases := []struct {
		p   orb.Point
		sys System
	}{
		{orb.Point{math.NaN(), 30}, WGS84},
		{orb.Point{113, math.Inf(1)}, GCJ02},
		{orb.Point{181, 30}, WGS84},
		{orb.Point{113, -91}, WGS84},
		{orb.Point{113, 33}, System("BD09")},
		{orb.Point{113, 33}, System("")},
	}
	for _, tc := range cases {
		if _, err := ToWGS84(tc.p, tc.sys); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ToWGS84(%v, %q) error = %v, want ErrInvalid", tc.p, tc.sys, err)
		}
	}
}

func TestParseSystemAcceptsCommonSpellings(t *testing.T) {
	cases := []struct {
		in   string
		want System
	}{
		{"WGS84", WGS84}, {"wgs-84", WGS84}, {"wgs84ll", WGS84}, {"WGS 84", WGS84},
		{"GCJ02", GCJ02}, {"gcj-02", GCJ02}, {"gcj02ll", GCJ02},
	}
	for _, tc := range cases {
		got, err := ParseSystem(tc.in)
		if err != nil || got != tc.want {
			t.Fatalf("ParseSystem(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "bd09", "wgs", "gcj"} {
		if _, err := ParseSystem(bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseSystem(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}
