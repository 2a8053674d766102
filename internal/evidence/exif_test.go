package evidence

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

var bigEndian, littleEndian order = binary.BigEndian, binary.LittleEndian

// putPhoto stores a JPEG carrying the given EXIF segments and returns its Blob.
func putPhoto(t *testing.T, segments ...[]byte) Blob {
	t.Helper()
	s := openStore(t, Limits{})
	b, err := s.Put(t.Context(), bytes.NewReader(testJPEG(t, segments...)), "p.jpg")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return b
}

func TestEXIFCaptureTimeAndGPS(t *testing.T) {
	shanghai := &Point{Lat: 31 + 13.0/60 + 47.4/3600, Lon: 121 + 28.0/60 + 30.6/3600}
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	dto := func(s string) tag { return asciiTag(tagDateTimeOriginal, s) }
	ofs := func(s string) tag { return asciiTag(tagOffsetTimeOriginal, s) }
	jfif := segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	for _, c := range []struct {
		name string
		segs func(o order) [][]byte
		at   *time.Time
		gps  *Point
	}{
		{"phone photo", func(o order) [][]byte { return [][]byte{exifAPP1(photoTIFF(o))} },
			at("2026-05-01T09:30:15+08:00"), shanghai},
		{"after a JFIF segment", func(o order) [][]byte { return [][]byte{jfif, exifAPP1(photoTIFF(o))} },
			at("2026-05-01T09:30:15+08:00"), shanghai},
		{"after an XMP APP1 segment", func(o order) [][]byte {
			return [][]byte{segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")), exifAPP1(photoTIFF(o))}
		}, at("2026-05-01T09:30:15+08:00"), shanghai},
		{"offset of another zone", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("2026:05:01 09:30:15"), ofs("+05:30")}, nil))}
		}, at("2026-05-01T09:30:15+05:30"), nil},
		{"no offset means Beijing time", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("2026:05:01 09:30:15")}, nil))}
		}, at("2026-05-01T09:30:15+08:00"), nil},
		{"malformed offset means Beijing time", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("2026:05:01 09:30:15"), ofs("   :  ")}, nil))}
		}, at("2026-05-01T09:30:15+08:00"), nil},
		{"dashes in the date", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("2026-05-01 09:30:15")}, nil))}
		}, at("2026-05-01T09:30:15+08:00"), nil},
		{"zero date", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("0000:00:00 00:00:00")}, shanghaiGPS(o)))}
		}, nil, shanghai},
		{"blank date", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, []tag{dto("                   ")}, nil))}
		}, nil, nil},
		{"south and west", func(o order) [][]byte {
			g := shanghaiGPS(o)
			g[0], g[2] = asciiTag(tagGPSLatitudeRef, "S"), asciiTag(tagGPSLongitudeRef, "W")
			return [][]byte{exifAPP1(buildTIFF(o, nil, nil, g))}
		}, nil, &Point{Lat: -shanghai.Lat, Lon: -shanghai.Lon}},
		{"GPS without a reference", func(o order) [][]byte {
			return [][]byte{exifAPP1(buildTIFF(o, nil, nil, shanghaiGPS(o)[1:]))}
		}, nil, nil},
		{"GPS with a zero denominator", func(o order) [][]byte {
			g := shanghaiGPS(o)
			g[1] = rationalTag(o, tagGPSLatitude, [3][2]uint32{{31, 1}, {13, 0}, {0, 1}})
			return [][]byte{exifAPP1(buildTIFF(o, nil, nil, g))}
		}, nil, nil},
		{"latitude over 90°", func(o order) [][]byte {
			g := shanghaiGPS(o)
			g[1] = rationalTag(o, tagGPSLatitude, [3][2]uint32{{91, 1}, {0, 1}, {0, 1}})
			return [][]byte{exifAPP1(buildTIFF(o, nil, nil, g))}
		}, nil, nil},
		{"no EXIF", func(order) [][]byte { return nil }, nil, nil},
	} {
		for _, o := range []order{bigEndian, littleEndian} {
			t.Run(c.name+"/"+o.String(), func(t *testing.T) {
				b := putPhoto(t, c.segs(o)...)
				if (b.CapturedAt == nil) != (c.at == nil) || (c.at != nil && !b.CapturedAt.Equal(*c.at)) {
					t.Fatalf("CapturedAt = %v, want %v", b.CapturedAt, c.at)
				}
				if c.at != nil {
					_, got := b.CapturedAt.Zone()
					_, want := c.at.Zone()
					if got != want {
						t.Fatalf("CapturedAt zone offset %d, want %d", got, want)
					}
				}
				if (b.GPS == nil) != (c.gps == nil) || (c.gps != nil && !near(*b.GPS, *c.gps)) {
					t.Fatalf("GPS = %v, want %v", b.GPS, c.gps)
				}
			})
		}
	}
}

func TestEXIFAfterTheImageDataIsNotRead(t *testing.T) {
	s := openStore(t, Limits{})
	content := append(testJPEG(t), exifAPP1(photoTIFF(bigEndian))...)
	b, err := s.Put(t.Context(), bytes.NewReader(content), "")
	if err != nil || b.CapturedAt != nil || b.GPS != nil {
		t.Fatalf("Put = %+v, %v; want a photo without metadata", b, err)
	}
}

func near(a, b Point) bool {
	const eps = 1e-9
	return a.Lat-b.Lat < eps && b.Lat-a.Lat < eps && a.Lon-b.Lon < eps && b.Lon-a.Lon < eps
}

// hostileTIFFs are TIFF structures built to break a careless reader.
func hostileTIFFs() [][]byte {
	o := binary.LittleEndian
	le := func(parts ...any) []byte {
		var b []byte
		for _, p := range parts {
			switch v := p.(type) {
			case string:
				b = append(b, v...)
			case uint16:
				b = o.AppendUint16(b, v)
			case uint32:
				b = o.AppendUint32(b, v)
			}
		}
		return b
	}
	return [][]byte{
		nil,
		[]byte("II"),
		le("II", uint16(42), uint32(0xFFFFFFFF)), // IFD0 far outside
		le("II", uint16(42), uint32(8), uint16(0xFFFF)),                                                                   // 65535 entries, none there
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagExifIFD), uint16(typeLong), uint32(1), uint32(8), uint32(0)), // Exif IFD = IFD0
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagGPSIFD), uint16(typeLong), uint32(1), uint32(8), uint32(8)),  // GPS IFD = IFD0, next IFD = itself
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagExifIFD), uint16(typeLong), uint32(1), uint32(0xFFFFFFF0), uint32(0)),
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagExifIFD), uint16(typeLong), uint32(1), uint32(26), uint32(0),
			uint16(1), uint16(tagDateTimeOriginal), uint16(typeASCII), uint32(0xFFFFFFFF), uint32(0xFFFFFFFF)), // huge count
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagGPSIFD), uint16(typeLong), uint32(1), uint32(26), uint32(0),
			uint16(2), uint16(tagGPSLatitudeRef), uint16(typeASCII), uint32(2), "N\x00\x00\x00",
			uint16(tagGPSLatitude), uint16(typeRational), uint32(3), uint32(0xFFFFFFF8)), // rationals past the end
		le("II", uint16(42), uint32(8), uint16(1), uint16(tagExifIFD), uint16(999), uint32(1), uint32(0), uint32(0)), // unknown type
	}
}

func TestHostileEXIFIsIgnoredWithoutPanicking(t *testing.T) {
	inputs := hostileTIFFs()
	valid := photoTIFF(littleEndian)
	for n := range valid { // every truncation of a valid structure
		inputs = append(inputs, valid[:n])
	}
	for i, in := range inputs {
		if m, err := parseEXIF(in); err == nil && m.GPS != nil && !plausible(*m.GPS) {
			t.Errorf("input %d: implausible GPS %v", i, *m.GPS)
		}
	}
	// And as whole photos: Put keeps them, without metadata.
	s := openStore(t, Limits{})
	for i, in := range hostileTIFFs() {
		b, err := s.Put(t.Context(), bytes.NewReader(testJPEG(t, exifAPP1(in))), "")
		if err != nil || b.CapturedAt != nil || b.GPS != nil {
			t.Errorf("hostile EXIF %d: Put = %+v, %v; want the photo without metadata", i, b, err)
		}
	}
}

func plausible(p Point) bool { return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 }

// FuzzEXIF feeds arbitrary bytes to the JPEG segment walker and the TIFF reader: neither may
// panic, loop or report an impossible position.
func FuzzEXIF(f *testing.F) {
	for _, o := range []order{bigEndian, littleEndian} {
		f.Add(photoTIFF(o))
		f.Add(exifAPP1(photoTIFF(o)))
		f.Add(testJPEG(f, exifAPP1(photoTIFF(o))))
	}
	for _, h := range hostileTIFFs() {
		f.Add(h)
		f.Add(testJPEG(f, exifAPP1(h)))
	}
	f.Add([]byte("\xFF\xD8\xFF\xFF\xFF\xFF\xFF"))
	f.Add([]byte("\xFF\xD8\xFF\xE1\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := parseEXIF(data); err == nil && m.GPS != nil && !plausible(*m.GPS) {
			t.Fatalf("implausible GPS %v", *m.GPS)
		}
		if tiff, err := jpegEXIF(bytes.NewReader(data), int64(len(data))); err == nil {
			if len(tiff) > 1<<16 {
				t.Fatalf("EXIF segment of %d bytes", len(tiff))
			}
			if m, err := parseEXIF(tiff); err == nil && m.GPS != nil && !plausible(*m.GPS) {
				t.Fatalf("implausible GPS %v", *m.GPS)
			}
		}
	})
}
