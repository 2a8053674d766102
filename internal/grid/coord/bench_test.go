package coord

import (
	"testing"

	"github.com/paulmach/orb"
)

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	p := orb.Point{113.1920, 33.7450}
	var sink orb.Point
	for b.Loop() {
		sink = WGS84ToGCJ02(p)
	}
	_ = sink
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := orb.Point{113.1980, 33.7440}
	var sink orb.Point
	for b.Loop() {
		sink = GCJ02ToWGS84(p)
	}
	_ = sink
}
