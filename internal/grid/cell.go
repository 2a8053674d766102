package grid

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// ErrInvalid marks errors about bad input: an unreadable GeoJSON document, bad options, cells
// that cannot be indexed, a point that is not a coordinate.
var ErrInvalid = errors.New("grid: invalid")

// ErrOutside marks a lookup of a point that no cell contains.
var ErrOutside = errors.New("grid: point is outside every grid cell")

// Ref names an administrative unit above a cell. Name is empty when the import did not give it.
type Ref struct {
	Code string
	Name string
}

// Cell is one unit grid cell (单元网格).
type Cell struct {
	Code      string // 14 or 15 digits
	Name      string
	Community Ref // 12-digit code: the first 12 digits of Code
	Street    Ref // 9-digit code
	District  Ref // 6-digit code (district or higher, GB/T 2260)
	// Geometry is in WGS-84, (longitude, latitude), with closed rings and no repeated
	// consecutive points.
	Geometry orb.MultiPolygon
}

// Code lengths of the parents, by the structure 6 + 3 + 3 (FACTS §1.3).
const (
	districtLen  = 6
	streetLen    = 9
	communityLen = 12
)

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Digest is a content hash of a set of cells — codes, names, parents and coordinates, in code
// order — for a store to key grid versions on: the same cells give the same digest, whatever
// order they came in.
func Digest(cells []Cell) string {
	sorted := slices.Clone(cells)
	slices.SortFunc(sorted, func(a, b Cell) int { return strings.Compare(a.Code, b.Code) })
	h := newDigester()
	for _, c := range sorted {
		h.strings(c.Code, c.Name, c.Community.Code, c.Community.Name, c.Street.Code,
			c.Street.Name, c.District.Code, c.District.Name)
		h.geometry(c.Geometry)
	}
	return h.sum()
}

// digester hashes strings, numbers and geometries unambiguously: each string and list is
// preceded by its length.
type digester struct {
	h   hash.Hash
	buf [8]byte
}

func newDigester() *digester { return &digester{h: sha256.New()} }

func (d *digester) num(n uint64) {
	binary.BigEndian.PutUint64(d.buf[:], n)
	d.h.Write(d.buf[:])
}

func (d *digester) strings(ss ...string) {
	for _, s := range ss {
		d.num(uint64(len(s)))
		d.h.Write([]byte(s))
	}
}

func (d *digester) geometry(mp orb.MultiPolygon) {
	d.num(uint64(len(mp)))
	for _, p := range mp {
		d.num(uint64(len(p)))
		for _, r := range p {
			d.num(uint64(len(r)))
			for _, pt := range r {
				d.num(math.Float64bits(pt[0]))
				d.num(math.Float64bits(pt[1]))
			}
		}
	}
}

func (d *digester) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
