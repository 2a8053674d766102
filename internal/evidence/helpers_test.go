package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// openStore opens a store in a fresh temp directory.
func openStore(tb testing.TB, l Limits) *Store {
	tb.Helper()
	s, err := Open(tb.TempDir(), l)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// testJPEG encodes a small picture and splices the given segments (each a whole marker
// segment, see segment) in right after the start-of-image marker.
func testJPEG(tb testing.TB, segments ...[]byte) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		tb.Fatalf("jpeg.Encode: %v", err)
	}
	enc := buf.Bytes()
	out := append([]byte{}, enc[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, enc[2:]...)
}

// segment is a JPEG marker segment: FF marker, 2-byte length, payload.
func segment(marker byte, payload []byte) []byte {
	out := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(payload)+2))
	return append(out, payload...)
}

// exifAPP1 wraps TIFF data as the EXIF APP1 segment.
func exifAPP1(tiff []byte) []byte {
	return segment(0xE1, append([]byte("Exif\x00\x00"), tiff...))
}

// tag is one TIFF field for buildTIFF; data holds its values already encoded.
type tag struct {
	id, typ uint16
	count   uint32
	data    []byte
}

func asciiTag(id uint16, s string) tag {
	return tag{id: id, typ: typeASCII, count: uint32(len(s) + 1), data: append([]byte(s), 0)}
}

// rationalTag holds three rationals (degrees, minutes, seconds).
func rationalTag(o order, id uint16, r [3][2]uint32) tag {
	d := make([]byte, 24)
	for i, v := range r {
		o.PutUint32(d[8*i:], v[0])
		o.PutUint32(d[8*i+4:], v[1])
	}
	return tag{id: id, typ: typeRational, count: 3, data: d}
}

// order is a byte order that can also append, as binary.LittleEndian and BigEndian can.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// buildTIFF lays out IFD0, then the Exif IFD and the GPS IFD (each only when given), each
// followed by its out-of-line values; IFD0 gets the pointer fields to the other two.
func buildTIFF(o order, ifd0, exif, gps []tag) []byte {
	ifdLen := func(ts []tag) int {
		n := 2 + 12*len(ts) + 4
		for _, t := range ts {
			if len(t.data) > 4 {
				n += len(t.data) + len(t.data)%2
			}
		}
		return n
	}
	ptr := func(id uint16) tag { return tag{id: id, typ: typeLong, count: 1, data: make([]byte, 4)} }
	ifd0 = append([]tag{}, ifd0...)
	if exif != nil {
		ifd0 = append(ifd0, ptr(tagExifIFD))
	}
	if gps != nil {
		ifd0 = append(ifd0, ptr(tagGPSIFD))
	}
	exifOff := 8 + ifdLen(ifd0)
	gpsOff := exifOff
	if exif != nil {
		gpsOff += ifdLen(exif)
	}
	for i := range ifd0 {
		switch ifd0[i].id {
		case tagExifIFD:
			o.PutUint32(ifd0[i].data, uint32(exifOff))
		case tagGPSIFD:
			o.PutUint32(ifd0[i].data, uint32(gpsOff))
		}
	}
	out := make([]byte, 8)
	if o.String() == binary.LittleEndian.String() {
		copy(out, "II")
	} else {
		copy(out, "MM")
	}
	o.PutUint16(out[2:], 42)
	o.PutUint32(out[4:], 8)
	writeIFD := func(ts []tag) {
		start := len(out)
		data := start + 2 + 12*len(ts) + 4
		var tail []byte
		out = o.AppendUint16(out, uint16(len(ts)))
		for _, t := range ts {
			out = o.AppendUint16(out, t.id)
			out = o.AppendUint16(out, t.typ)
			out = o.AppendUint32(out, t.count)
			if len(t.data) <= 4 {
				v := make([]byte, 4)
				copy(v, t.data)
				out = append(out, v...)
				continue
			}
			out = o.AppendUint32(out, uint32(data+len(tail)))
			tail = append(tail, t.data...)
			if len(t.data)%2 == 1 {
				tail = append(tail, 0)
			}
		}
		out = o.AppendUint32(out, 0) // no next IFD
		out = append(out, tail...)
	}
	writeIFD(ifd0)
	if exif != nil {
		writeIFD(exif)
	}
	if gps != nil {
		writeIFD(gps)
	}
	return out
}

// shanghaiGPS is a position in 黄浦区, Shanghai: 31°13'47.4"N 121°28'30.6"E.
func shanghaiGPS(o order) []tag {
	return []tag{
		asciiTag(tagGPSLatitudeRef, "N"),
		rationalTag(o, tagGPSLatitude, [3][2]uint32{{31, 1}, {13, 1}, {474, 10}}),
		asciiTag(tagGPSLongitudeRef, "E"),
		rationalTag(o, tagGPSLongitude, [3][2]uint32{{121, 1}, {28, 1}, {306, 10}}),
	}
}

// photoTIFF is the EXIF of a typical phone photo.
func photoTIFF(o order) []byte {
	return buildTIFF(o,
		[]tag{asciiTag(0x010F, "Huawei")},
		[]tag{asciiTag(tagDateTimeOriginal, "2026:05:01 09:30:15"), asciiTag(tagOffsetTimeOriginal, "+08:00")},
		shanghaiGPS(o))
}

// files lists the regular files under dir, relative to it.
func files(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	return out
}
