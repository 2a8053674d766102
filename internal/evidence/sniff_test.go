package evidence

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// ftyp is the start of an ISO base media file: an ftyp box with these brands.
func ftyp(major string, compatible ...string) []byte {
	b := []byte{0, 0, 0, 0}
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return append(b, "\x00\x00\x00\x08free"...)
}

// oggPage is the first page of an Ogg stream whose first packet starts with packet.
func oggPage(packet string) []byte {
	b := []byte("OggS\x00\x02")
	b = append(b, make([]byte, 20)...) // granule, serial, sequence, CRC
	b = append(b, 1, byte(len(packet)))
	return append(b, packet...)
}

func TestSniff(t *testing.T) {
	riff := func(form string) []byte { return []byte("RIFF\x24\x00\x00\x00" + form + "fmt ") }
	for _, c := range []struct {
		name    string
		head    []byte
		mime    string
		kind    Kind
		refused bool
	}{
		{"JPEG", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), "image/jpeg", Photo, false},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", Photo, false},
		{"WebP", riff("WEBPVP8 "), "image/webp", Photo, false},
		{"HEIC from an iPhone", ftyp("heic", "mif1", "miaf", "MiHB", "heic"), "image/heic", Photo, false},
		{"HEIF with heic compatible", ftyp("mif1", "mif1", "heic"), "image/heic", Photo, false},
		{"HEIF generic", ftyp("mif1", "mif1", "miaf"), "image/heif", Photo, false},
		{"HEIC sequence", ftyp("msf1", "msf1", "hevc"), "image/heic-sequence", Photo, false},
		{"AVIF", ftyp("avif", "mif1", "miaf"), "image/avif", Photo, false},
		{"MP4 isom", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "video/mp4", Video, false},
		{"MP4 mp42", ftyp("mp42", "mp42", "isom"), "video/mp4", Video, false},
		{"MOV", ftyp("qt  ", "qt  "), "video/quicktime", Video, false},
		{"3GP", ftyp("3gp4", "isom", "3gp4"), "video/3gpp", Video, false},
		{"3G2", ftyp("3g2a", "3g2a"), "video/3gpp2", Video, false},
		{"other mp4 brand", ftyp("mp4v", "mp4v"), "video/mp4", Video, false},
		{"unknown major brand, known compatible", ftyp("xxxx", "yyyy", "mp41"), "video/mp4", Video, false},
		{"WebM", []byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm"), "video/webm", Video, false},
		{"M4A", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4", Audio, false},
		{"MP3 with ID3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg", Audio, false},
		{"MP3 frame", []byte("\xFF\xFB\x90\x64\x00\x00"), "audio/mpeg", Audio, false},
		{"AAC ADTS", []byte("\xFF\xF1\x50\x80\x02\x1F\xFC"), "audio/aac", Audio, false},
		{"AMR", []byte("#!AMR\n\x3c"), "audio/amr", Audio, false},
		{"AMR-WB", []byte("#!AMR-WB\n\x04"), "audio/amr-wb", Audio, false},
		{"WAV", riff("WAVE"), "audio/wav", Audio, false},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22"), "audio/flac", Audio, false},
		{"Ogg Opus", oggPage("OpusHead\x01\x02"), "audio/ogg", Audio, false},
		{"Ogg Vorbis", oggPage("\x01vorbis\x00\x00"), "audio/ogg", Audio, false},
		{"PDF", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3"), "application/pdf", Document, false},
		{"zip, decided later", []byte("PK\x03\x04\x14\x00"), mimeZip, Document, false},

		{"Ogg Theora video", oggPage("\x80theora"), "", "", true},
		{"MPEG frame with a reserved bitrate", []byte("\xFF\xFB\xF0\x64"), "", "", true},
		{"GIF", []byte("GIF89a\x01\x00"), "", "", true},
		{"AVI", riff("AVI "), "", "", true},
		{"old Word (OLE)", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "", "", true},
		{"unknown ftyp brand", ftyp("crx ", "crx "), "", "", true},
		{"truncated ftyp", []byte("\x00\x00\x00\x18ftyp"), "", "", true},
		{"ftyp box longer than the head", []byte("\xFF\xFF\xFF\xFFftypxxxx\x00\x00\x00\x00yyy"), "", "", true},
		{"ELF", []byte("\x7fELF\x02\x01\x01"), "", "", true},
		{"HTML", []byte("  <html><body>"), "", "", true},
		{"gzip", []byte("\x1f\x8b\x08\x00"), "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			mime, kind, err := sniff(c.head)
			if c.refused {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("sniff = %q, %q, %v; want ErrUnsupported", mime, kind, err)
				}
				return
			}
			if err != nil || mime != c.mime || kind != c.kind {
				t.Fatalf("sniff = %q, %q, %v; want %q, %q", mime, kind, err, c.mime, c.kind)
			}
		})
	}
}

// zipOf builds a zip archive holding empty files with these names.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("<x/>")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipArchivesAreTypedByTheirDirectory(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		mime  string
	}{
		{"DOCX", []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"}, mimeDOCX},
		{"XLSX", []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"}, mimeXLSX},
		{"OFD", []string{"OFD.xml", "Doc_0/Document.xml"}, mimeOFD},
		{"DOCM (macros)", []string{"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"}, ""},
		{"word part without content types", []string{"word/document.xml"}, ""},
		{"any other zip", []string{"readme.txt", "run.exe"}, ""},
		{"APK", []string{"AndroidManifest.xml", "classes.dex"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, Limits{})
			b, err := s.Put(t.Context(), bytes.NewReader(zipOf(t, c.files...)), "file.docx")
			if c.mime == "" {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("Put = %+v, %v; want ErrUnsupported", b, err)
				}
				if got := files(t, s.dir); len(got) != 0 {
					t.Fatalf("refused upload left files: %v", got)
				}
				return
			}
			if err != nil || b.MIME != c.mime || b.Kind != Document {
				t.Fatalf("Put = %+v, %v; want %s", b, err, c.mime)
			}
		})
	}
	t.Run("corrupt zip", func(t *testing.T) {
		s := openStore(t, Limits{})
		if _, err := s.Put(t.Context(), bytes.NewReader([]byte("PK\x03\x04 not really")), "a.docx"); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Put = %v, want ErrUnsupported", err)
		}
	})
}
