package evidence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"time"
)

// errNoEXIF means the file has no usable EXIF; Put keeps the photo without metadata.
var errNoEXIF = errors.New("evidence: no usable EXIF")

// chinaTime is the zone of an EXIF time written without OffsetTimeOriginal: the cameras
// and phones this system meets are set to Beijing time. A fixed zone rather than
// time.LoadLocation("Asia/Shanghai") so that no tzdata is needed; China has kept UTC+8
// without daylight saving since 1991.
var chinaTime = time.FixedZone("CST", 8*60*60)

// exifMeta is what this package takes from EXIF.
type exifMeta struct {
	CapturedAt *time.Time
	GPS        *Point
}

// jpegEXIF finds the EXIF APP1 segment of a JPEG and returns its TIFF data. It walks the
// marker segments from the start of the file up to the first scan, at most maxSegments of
// them, reading no more than one segment (≤ 64 KiB) into memory.
func jpegEXIF(r io.ReaderAt, size int64) ([]byte, error) {
	const maxSegments = 1024
	var hdr [4]byte
	if _, err := r.ReadAt(hdr[:2], 0); err != nil || hdr[0] != 0xFF || hdr[1] != 0xD8 {
		return nil, errNoEXIF
	}
	off := int64(2)
	for range maxSegments {
		if off+4 > size {
			return nil, errNoEXIF
		}
		if _, err := r.ReadAt(hdr[:], off); err != nil || hdr[0] != 0xFF {
			return nil, errNoEXIF
		}
		switch m := hdr[1]; {
		case m == 0xFF: // fill byte before a marker
			off++
			continue
		case m == 0xD9 || m == 0xDA: // end of image, start of scan: no metadata after this
			return nil, errNoEXIF
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // markers without a length
			off += 2
			continue
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:]))
		if n < 2 || off+2+n > size {
			return nil, errNoEXIF
		}
		if hdr[1] == 0xE1 && n >= 2+6+8 {
			seg := make([]byte, n-2)
			if _, err := r.ReadAt(seg, off+4); err != nil {
				return nil, errNoEXIF
			}
			if bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				return seg[6:], nil
			}
		}
		off += 2 + n
	}
	return nil, errNoEXIF
}

// EXIF tags read; see the EXIF 2.32 (CIPA DC-008) specification.
const (
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagDateTimeOriginal   = 0x9003
	tagOffsetTimeOriginal = 0x9011
	tagGPSLatitudeRef     = 0x0001
	tagGPSLatitude        = 0x0002
	tagGPSLongitudeRef    = 0x0003
	tagGPSLongitude       = 0x0004
)

// TIFF field types used here, and the size of one value of each type.
const (
	typeASCII    = 2
	typeLong     = 4
	typeRational = 5
	typeIFD      = 13
)

var typeSize = [...]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// tiff is EXIF's TIFF structure: the bytes from the byte-order mark on, against which
// every offset counts.
type tiff struct {
	b     []byte
	order binary.ByteOrder
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    [4]byte // the value itself when it fits in four bytes, else its offset
}

// parseEXIF reads capture time and GPS position from TIFF data. It reads IFD0, the Exif
// IFD and the GPS IFD, each at most once, and checks every offset against len(b): any
// input returns, none panics.
func parseEXIF(b []byte) (exifMeta, error) {
	var meta exifMeta
	if len(b) < 8 {
		return meta, errNoEXIF
	}
	t := tiff{b: b}
	switch string(b[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return meta, errNoEXIF
	}
	if t.order.Uint16(b[2:]) != 42 {
		return meta, errNoEXIF
	}
	ifd0, ok := t.ifd(t.order.Uint32(b[4:]))
	if !ok {
		return meta, errNoEXIF
	}
	if e, ok := find(ifd0, tagExifIFD); ok {
		if off, ok := t.pointer(e); ok {
			if exif, ok := t.ifd(off); ok {
				meta.CapturedAt = t.captured(exif)
			}
		}
	}
	if e, ok := find(ifd0, tagGPSIFD); ok {
		if off, ok := t.pointer(e); ok {
			if gps, ok := t.ifd(off); ok {
				meta.GPS = t.gps(gps)
			}
		}
	}
	if meta.CapturedAt == nil && meta.GPS == nil {
		return meta, errNoEXIF
	}
	return meta, nil
}

// ifd reads the entries of the IFD at off; the link to a next IFD is never followed.
func (t tiff) ifd(off uint32) ([]ifdEntry, bool) {
	start := uint64(off)
	if start+2 > uint64(len(t.b)) {
		return nil, false
	}
	n := uint64(t.order.Uint16(t.b[start:]))
	if start+2+12*n > uint64(len(t.b)) {
		return nil, false
	}
	es := make([]ifdEntry, n)
	for i := range es {
		p := t.b[start+2+12*uint64(i):]
		es[i] = ifdEntry{tag: t.order.Uint16(p), typ: t.order.Uint16(p[2:]), count: t.order.Uint32(p[4:])}
		copy(es[i].value[:], p[8:12])
	}
	return es, true
}

func find(es []ifdEntry, tag uint16) (ifdEntry, bool) {
	for _, e := range es {
		if e.tag == tag {
			return e, true
		}
	}
	return ifdEntry{}, false
}

// data returns the bytes of an entry's values, or false when its type is unknown or the
// values lie outside the TIFF data.
func (t tiff) data(e ifdEntry) ([]byte, bool) {
	if int(e.typ) >= len(typeSize) || typeSize[e.typ] == 0 {
		return nil, false
	}
	n := typeSize[e.typ] * uint64(e.count) // at most 8 × (2³²−1): no overflow in uint64
	if n <= 4 {
		return e.value[:n], true
	}
	off := uint64(t.order.Uint32(e.value[:]))
	if off+n > uint64(len(t.b)) {
		return nil, false
	}
	return t.b[off : off+n], true
}

func (t tiff) pointer(e ifdEntry) (uint32, bool) {
	if (e.typ != typeLong && e.typ != typeIFD) || e.count != 1 {
		return 0, false
	}
	return t.order.Uint32(e.value[:]), true
}

func (t tiff) ascii(es []ifdEntry, tag uint16) (string, bool) {
	e, ok := find(es, tag)
	if !ok || e.typ != typeASCII {
		return "", false
	}
	d, ok := t.data(e)
	if !ok {
		return "", false
	}
	if i := bytes.IndexByte(d, 0); i >= 0 {
		d = d[:i]
	}
	return strings.TrimSpace(string(d)), true
}

// captured reads DateTimeOriginal, in the zone of OffsetTimeOriginal when that is present
// and well-formed, else in China Standard Time.
func (t tiff) captured(exif []ifdEntry) *time.Time {
	s, ok := t.ascii(exif, tagDateTimeOriginal)
	if !ok || len(s) != len("2006:01:02 15:04:05") {
		return nil
	}
	// Some writers use '-' in the date; the layout below wants ':'.
	s = strings.ReplaceAll(s[:10], "-", ":") + s[10:]
	loc := chinaTime
	if o, ok := t.ascii(exif, tagOffsetTimeOriginal); ok {
		if z, err := time.Parse("-07:00", o); err == nil {
			_, sec := z.Zone()
			loc = time.FixedZone(o, sec)
		}
	}
	at, err := time.ParseInLocation("2006:01:02 15:04:05", s, loc)
	if err != nil {
		return nil // blank or zero dates ("0000:00:00 00:00:00") end here too
	}
	return &at
}

// gps reads latitude and longitude with their references; any part missing or malformed
// means no position at all.
func (t tiff) gps(es []ifdEntry) *Point {
	lat, ok1 := t.degrees(es, tagGPSLatitude, tagGPSLatitudeRef, "N", "S", 90)
	lon, ok2 := t.degrees(es, tagGPSLongitude, tagGPSLongitudeRef, "E", "W", 180)
	if !ok1 || !ok2 {
		return nil
	}
	return &Point{Lat: lat, Lon: lon}
}

func (t tiff) degrees(es []ifdEntry, tag, refTag uint16, pos, neg string, limit float64) (float64, bool) {
	ref, ok := t.ascii(es, refTag)
	if !ok || (ref != pos && ref != neg) {
		return 0, false
	}
	e, ok := find(es, tag)
	if !ok || e.typ != typeRational || e.count != 3 {
		return 0, false
	}
	d, ok := t.data(e)
	if !ok {
		return 0, false
	}
	var v float64
	for i, scale := range []float64{1, 60, 3600} {
		num, den := t.order.Uint32(d[8*i:]), t.order.Uint32(d[8*i+4:])
		if den == 0 {
			return 0, false
		}
		v += float64(num) / float64(den) / scale
	}
	if v > limit || math.IsNaN(v) {
		return 0, false
	}
	if ref == neg {
		v = -v
	}
	return v, true
}
